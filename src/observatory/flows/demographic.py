"""Demographic-accounting flows from two place-of-birth stock tables (migest ffs_demo, 2.0.5 semantics)."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np

from observatory.flows.fitting import InconsistentMarginsError, ipfp, ipfp_matrix, ipfp_od_by_pob

__all__ = [
    "DemographicAccountingResult",
    "demographic_accounting_flows",
    "rescale_integer_sum",
    "sum_od",
    "MATCH_GLOBAL",
    "BIRTHPLACE_METHODS",
    "BIRTH_METHODS",
    "DEATH_METHODS",
]

log = logging.getLogger(__name__)

MATCH_GLOBAL = ("before-demo-adjust", "after-demo-adjust")
BIRTHPLACE_METHODS = ("rescale", "rescale-adjust-zero-fb", "open", "open-dr")
BIRTH_METHODS = ("native", "proportion")
DEATH_METHODS = ("proportion", "accounting")

# migest fixes these for every mipfp call inside ffs_demo; the stopping rule is part of the result.
_TOL = 1e-3
_ITER = 100_000


@dataclass
class DemographicAccountingResult:
    """Flows [orig, dest, pob] plus the birth, death and open-system matrices behind them."""

    flow: np.ndarray
    births: np.ndarray  # [pob, por] births subtracted from the end stock
    deaths: np.ndarray  # [pob, por] deaths subtracted from the start stock
    inflow_outside: np.ndarray  # [pob, por] moves into the system (open methods)
    outflow_outside: np.ndarray  # [pob, por] moves out of the system (open methods)
    messages: list[str] = field(default_factory=list)
    integer_rescales: list[dict] = field(default_factory=list)

    @property
    def od(self) -> np.ndarray:
        """Origin-destination flows summed over place of birth, diagonal (stayers) set to 0."""
        return sum_od(self.flow)

    def account(self) -> np.ndarray:
        """migest's return = "account" array [orig+birth+outside, dest+death+outside, pob]."""
        n = self.flow.shape[0]
        y = np.zeros((n + 2, n + 2, n))
        y[:n, :n, :] = self.flow
        # Row "birth" is [dest, pob] like every other slice, so births are transposed from [pob, por].
        # migest 2.0.5 stores them untransposed, which only shows when births leave the diagonal.
        y[n, :n, :] = self.births.T
        y[n + 1, :n, :] = self.outflow_outside.T
        y[:n, n, :] = self.deaths.T
        y[:n, n + 1, :] = self.inflow_outside.T
        return y


def sum_od(flow: np.ndarray) -> np.ndarray:
    """Sum an [orig, dest, pob] array over pob and zero the diagonal (migest sum_od)."""
    od = np.asarray(flow, dtype=float).sum(axis=2)
    np.fill_diagonal(od, 0.0)
    return od


def rescale_integer_sum(x: np.ndarray, tot: float, trace: list | None = None) -> np.ndarray:
    """Scale x to total tot, round to integers and put the rounding remainder on the largest |x|."""
    # migest draws the receiving element with R's sample(), which for a single candidate k draws
    # from 1..k; the observatory always uses the largest element (first on ties), deterministically.
    x = np.asarray(x, dtype=float)
    xx = np.round(x * (tot / math.fsum(x.tolist())))
    rem = tot - math.fsum(xx.tolist())
    chosen = None
    if rem != 0:
        chosen = int(np.argmax(np.abs(x)))
        xx[chosen] += rem
    if trace is not None:
        trace.append(
            {
                "x": x.tolist(),
                "tot": float(tot),
                "rounded_sum_remainder": float(rem),
                "chosen_index": chosen,
                "result": xx.tolist(),
            }
        )
    return xx


def _note(messages: list[str], text: str) -> None:
    """Keep migest's informational messages with the result and in the log."""
    messages.append(text)
    log.info(text)


def _column_fit(seed: np.ndarray, col_tot: np.ndarray) -> np.ndarray:
    """Scale each column of seed to col_tot with mipfp's rule (one target margin over residence)."""
    return ipfp(seed, [((1,), col_tot)], tol=_TOL, max_iter=_ITER, tol_margins=_TOL).fit


def _row_fit(seed: np.ndarray, row_tot: np.ndarray) -> np.ndarray:
    """Scale each row of seed to row_tot with mipfp's rule (one target margin over birthplace)."""
    return ipfp(seed, [((0,), row_tot)], tol=_TOL, max_iter=_ITER, tol_margins=_TOL).fit


def _two_margin_fit(seed: np.ndarray, row_tot: np.ndarray, col_tot: np.ndarray) -> np.ndarray:
    """Fit seed to row then column totals with mipfp's rule."""
    return ipfp_matrix(seed, row_tot, col_tot, tol=_TOL, max_iter=_ITER, tol_margins=_TOL).fit


def _non_negative_native(m: np.ndarray, labels, messages) -> np.ndarray:
    """Refit residence columns whose native-born cell is negative (more foreign-born than people)."""
    neg = np.diag(m) < 0
    if not neg.any():
        return m
    names = [str(labels[i]) if labels is not None else str(i) for i in np.flatnonzero(neg)]
    _note(
        messages,
        f"There are more foreign born than total population in {', '.join(names)}; "
        "reduced foreign born populations to allow for zero native born.",
    )
    out = m.copy()
    out[:, neg] = _column_fit(np.maximum(m, 0.0), m.sum(axis=0))[:, neg]
    return out


def _scale_global(m1, m2, births, deaths, trace):
    """Move the global gap between stock change and natural change onto the native-born diagonals."""
    nat_grow = math.fsum(births.tolist()) - math.fsum(deaths.tolist())
    m1, m2 = m1.copy(), m2.copy()
    dd = nat_grow - (math.fsum(m2.ravel().tolist()) - math.fsum(m1.ravel().tolist()))
    tot1 = math.fsum(np.diag(m1).tolist())
    tot2 = math.fsum(np.diag(m2).tolist())
    # migest first nudges the end diagonal by one person when dd mod 2 lies in (0, 0.5].
    if round(dd % 2) == 0 and dd % 2 != 0:
        np.fill_diagonal(m2, rescale_integer_sum(np.diag(m2), tot2 + 1, trace))
        dd = nat_grow - (math.fsum(m2.ravel().tolist()) - math.fsum(m1.ravel().tolist()))
        tot2 = math.fsum(np.diag(m2).tolist())
    if dd != 0:
        np.fill_diagonal(m1, rescale_integer_sum(np.diag(m1), tot1 - dd / 2, trace))
        np.fill_diagonal(m2, rescale_integer_sum(np.diag(m2), tot2 + dd / 2, trace))
    return m1, m2


def _birth_matrix(births, m2, method, non_negative, labels, messages):
    """Births [pob, por]: on the native-born diagonal, or spread like the end-stock column."""
    if method == "proportion":
        return _column_fit(m2, births)
    b = np.diag(births).astype(float)
    if non_negative:
        over = np.diag(m2) - births < 0
        if over.any():
            names = [str(labels[i]) if labels is not None else str(i) for i in np.flatnonzero(over)]
            _note(
                messages,
                f"Too many births in region {', '.join(names)}. Subtracted births proportionally for this region.",
            )
            b[:, over] = _column_fit(m2, births)[:, over]
    return b


def _death_matrix(deaths, m1, method, m2, births):
    """Deaths [pob, por]: each residence column of the start stock scaled to its deaths."""
    if method == "accounting":
        by_pob = m1.sum(axis=1) + births - m2.sum(axis=1)
        return _two_margin_fit(m1, by_pob, deaths)
    return _column_fit(m1, deaths)


def _match_birthplace(m1, m2, method):
    """Make birthplace (row) totals equal in both tables; returns (m1, m2, in_mat, out_mat)."""
    dd = m1.sum(axis=1) - m2.sum(axis=1)
    zeros = np.zeros_like(m1)
    if method == "rescale-adjust-zero-fb":
        return _match_zero_fb(m1, m2, dd)
    if method == "rescale":
        a = _two_margin_fit(m1, m1.sum(axis=1) - dd / 2, m1.sum(axis=0))
        b = _two_margin_fit(m2, m2.sum(axis=1) + dd / 2, m2.sum(axis=0))
        _check_non_negative(m1, m2)
        return a, b, zeros, zeros
    _check_non_negative(m1, m2)
    # "open" weights moves out of the system by the end table and moves in by the start table;
    # "open-dr" (Abel 2013) swaps them.
    in_seed, out_seed = (m1, m2) if method == "open" else (m2, m1)
    in_mat = _row_fit(in_seed, np.maximum(-dd, 0.0))
    out_mat = _row_fit(out_seed, np.maximum(dd, 0.0))
    a, b = m1 - out_mat, m2 - in_mat
    if a.min() < 0 or b.min() < 0:
        # migest stops here too, one step later, with mipfp's bare "must be non-negative" error.
        raise ValueError(
            f"Target and Seed cells must be non-negative! ({method}: moves in or out of the system, spread like "
            f"the other table, exceed {int((a < 0).sum() + (b < 0).sum())} stock cell(s); try 'rescale' or 'open-dr')"
        )
    return a, b, in_mat, out_mat


def _check_non_negative(*tables):
    """migest's zero in/out matrices go through mipfp, which rejects any negative stock cell."""
    if any(t.min() < 0 for t in tables if t.size):
        raise ValueError("Target and Seed cells must be non-negative!")


def _match_zero_fb(m1, m2, dd):
    """rescale-adjust-zero-fb as intended: rescale, but regions without foreign-born keep row targets >= native-born."""
    # migest 2.0.5 indexes with an empty set and reads a missing `$mu`, returning all zeros;
    # the observatory implements the documented intent (equal to "rescale" when no region qualifies).
    nb1, nb2 = np.diag(m1), np.diag(m2)
    mid = m1.sum(axis=1) - dd / 2
    target = np.where(nb1 > mid, nb1, mid)
    target = np.where(nb2 > mid, nb2, target)
    fb1, fb2 = m1.sum(axis=0) - nb1, m2.sum(axis=0) - nb2
    z = ((fb1 == 0) | (fb2 == 0)) & (mid != target)
    if not z.any():
        return _match_birthplace(m1, m2, "rescale")
    keep = ~z
    s1, s2 = m1[np.ix_(keep, keep)], m2[np.ix_(keep, keep)]
    s1, s2 = _scale_global(s1, s2, np.zeros(1), np.zeros(1), None)
    dz = s1.sum(axis=1) - s2.sum(axis=1)
    out1, out2 = np.zeros_like(m1), np.zeros_like(m2)
    out1[np.ix_(keep, keep)] = _two_margin_fit(s1, s1.sum(axis=1) - dz / 2, s1.sum(axis=0))
    out2[np.ix_(keep, keep)] = _two_margin_fit(s2, s2.sum(axis=1) + dz / 2, s2.sum(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        out1[z] = m1[z] * np.nan_to_num(target[z] / m1[z].sum(axis=1))[:, None]
        out2[z] = m2[z] * np.nan_to_num(target[z] / m2[z].sum(axis=1))[:, None]
    zeros = np.zeros_like(m1)
    return out1, out2, zeros, zeros


def demographic_accounting_flows(
    stock_start: np.ndarray,
    stock_end: np.ndarray,
    births: np.ndarray,
    deaths: np.ndarray,
    seed: np.ndarray | None = None,
    *,
    stayer_assumption: bool = True,
    match_global: str = "before-demo-adjust",
    match_birthplace_tot_method: str = "rescale",
    birth_method: str = "native",
    birth_non_negative: bool = True,
    death_method: str = "proportion",
    labels: list[str] | None = None,
) -> DemographicAccountingResult:
    """Estimate [orig, dest, pob] transition flows from aligned [pob, por] stock tables, births and deaths."""
    s0 = np.array(stock_start, dtype=float)
    s1 = np.array(stock_end, dtype=float)
    b = np.asarray(births, dtype=float).ravel()
    d = np.asarray(deaths, dtype=float).ravel()
    n = b.size
    if s0.shape != (n, n) or s1.shape != (n, n) or d.size != n:
        raise ValueError("stock tables must be square with the same dimension as births and deaths")
    for name, value, allowed in (
        ("match_global", match_global, MATCH_GLOBAL),
        ("match_birthplace_tot_method", match_birthplace_tot_method, BIRTHPLACE_METHODS),
        ("birth_method", birth_method, BIRTH_METHODS),
        ("death_method", death_method, DEATH_METHODS),
    ):
        if value not in allowed:
            raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    messages: list[str] = []
    trace: list[dict] = []
    rescale = match_birthplace_tot_method in ("rescale", "rescale-adjust-zero-fb")

    s0 = _non_negative_native(s0, labels, messages)
    s1 = _non_negative_native(s1, labels, messages)
    if match_global == "before-demo-adjust" and rescale:
        s0, s1 = _scale_global(s0, s1, b, d, trace)

    b_mat = _birth_matrix(b, s1, birth_method, birth_non_negative, labels, messages)
    d_mat = _death_matrix(d, s0, death_method, s1, b)
    s0 = s0 - d_mat
    s1 = s1 - b_mat

    if match_global == "after-demo-adjust" and rescale:
        # The remaining global gap goes half on each table, shared in proportion to the native-born.
        dd = s1.sum() - s0.sum()
        d0, d1 = np.diag(s0), np.diag(s1)
        np.fill_diagonal(s0, d0 + dd * d0 / d0.sum() * 0.5)
        np.fill_diagonal(s1, d1 - dd * d1 / d1.sum() * 0.5)

    s0, s1, in_mat, out_mat = _match_birthplace(s0, s1, match_birthplace_tot_method)

    if stayer_assumption:
        flow = _flows_with_stayers(s0, s1)
    else:
        flow = _flows_independent(s0, s1, seed)
    return DemographicAccountingResult(flow, b_mat, d_mat, in_mat, out_mat, messages, trace)


def _flows_with_stayers(s0: np.ndarray, s1: np.ndarray) -> np.ndarray:
    """Quasi-independence fit: stayers min(start, end) on the diagonal, movers fitted off it."""
    n = s0.shape[0]
    stay = np.minimum(s0, s1)  # [pob, por]
    x0 = (s0 - stay).T  # [orig, pob]
    x1 = (s1 - stay).T  # [dest, pob]
    # A birthplace with movers on one side only cannot be rescaled; its residual is what the 1e-3
    # stopping rule of the birthplace-total fit left over. migest then trips mipfp's consistency
    # check and silently returns proportions; the observatory drops the residual (documented).
    one_sided = (x0.sum(axis=0) == 0) != (x1.sum(axis=0) == 0)
    if one_sided.any():
        residual = (x0 + x1)[:, one_sided].sum(axis=0)
        limit = 1.0 + 1e-6 * s0.sum(axis=1)[one_sided]
        if np.any(residual > limit):
            raise InconsistentMarginsError(
                "start and end birthplace totals differ by more than the fitting tolerance "
                f"for {int(np.sum(residual > limit))} birthplace(s)"
            )
        x0[:, one_sided] = 0.0
        x1[:, one_sided] = 0.0
    # Tiny differences in the pob totals of x0 and x1 are removed by rescaling x1 (as migest does).
    x1 = _column_fit(x1, x0.sum(axis=0))
    off_diagonal = 1.0 - np.eye(n)
    flow = ipfp_od_by_pob(off_diagonal, x0, x1, tol=_TOL, max_iter=_ITER, tol_margins=_TOL).fit
    idx = np.arange(n)
    flow[idx, idx, :] += stay.T
    return flow


def _flows_independent(s0: np.ndarray, s1: np.ndarray, seed: np.ndarray | None) -> np.ndarray:
    """Independence fit (Azose & Raftery 2019) from the seed to margins {orig,pob} and {dest,pob}."""
    n = s0.shape[0]
    if seed is None:
        seed = np.ones((n, n))
    seed = np.asarray(seed, dtype=float)
    if seed.ndim == 2:
        return ipfp_od_by_pob(seed, s0.T, s1.T, tol=_TOL, max_iter=_ITER, tol_margins=_TOL).fit
    return ipfp(seed, [((0, 2), s0.T), ((1, 2), s1.T)], tol=_TOL, max_iter=_ITER, tol_margins=_TOL).fit
