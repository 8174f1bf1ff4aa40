"""Fitting routines: mipfp-style IPF, migest's ipf2/ipf3 and conditional maximisation cm2/cm3."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ConvergenceWarning",
    "InconsistentMarginsError",
    "IpfResult",
    "CmResult",
    "ipfp",
    "ipfp_od_by_pob",
    "ipfp_matrix",
    "ipf2",
    "ipf3",
    "cm2",
    "cm3",
]

# Target elements of the element-wise "largest cell change" check are evaluated in
# blocks of about this many cells, so memory stays bounded for 200+ regions.
_BLOCK_CELLS = 2_000_000


class InconsistentMarginsError(ValueError):
    """Target margins do not share one grand total (mipfp would silently switch to proportions)."""


class ConvergenceWarning(UserWarning):
    """An iterative fit stopped at its iteration limit before meeting its tolerance."""


@dataclass(frozen=True)
class IpfResult:
    """A fitted array with its iteration count, final criterion and convergence flag."""

    fit: np.ndarray
    iterations: int
    criterion: float
    converged: bool


@dataclass(frozen=True)
class CmResult:
    """Conditional-maximisation fit: the fitted array and the alpha/beta parameters."""

    fit: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    iterations: int


def _factor(target: np.ndarray, current: np.ndarray) -> np.ndarray:
    """mipfp's update factor: target/current, and 0 where either is 0."""
    shape = current.shape if np.shape(target) == current.shape else np.broadcast_shapes(np.shape(target), current.shape)
    f = np.zeros(shape)
    np.divide(target, current, out=f, where=(target != 0) & (current != 0))
    return f


def _exact_total(x: np.ndarray) -> float:
    """Correctly rounded sum; R accumulates in long double, so plain float sums can differ by an ulp."""
    return math.fsum(np.asarray(x, dtype=float).ravel().tolist())


def _check_targets(seed: np.ndarray, targets: Sequence[np.ndarray], tol_margins: float) -> None:
    """Reject what mipfp rejects, and raise where mipfp would silently turn counts into proportions."""
    if np.isnan(seed).any() or any(np.isnan(t).any() for t in targets):
        raise ValueError("NA values present in the seed or the target margins")
    if seed.size and seed.min() < 0 or any(t.size and t.min() < 0 for t in targets):
        raise ValueError("Target and Seed cells must be non-negative!")
    totals = [_exact_total(t) for t in targets]
    for a, b in zip(totals, totals[1:], strict=False):
        if abs(a - b) > tol_margins:
            raise InconsistentMarginsError(
                f"target margins sum to different totals ({a!r} vs {b!r}, tolerance {tol_margins}); "
                "mipfp would rescale everything to proportions, the observatory refuses instead"
            )


def ipfp(
    seed: np.ndarray,
    targets: Sequence[tuple[Sequence[int], np.ndarray]],
    *,
    tol: float = 1e-10,
    max_iter: int = 1000,
    tol_margins: float = 1e-10,
) -> IpfResult:
    """Iterative proportional fitting with mipfp's update order and stopping rule (max cell change < tol)."""
    x = np.array(seed, dtype=float)
    kept = [tuple(int(a) for a in axes) for axes, _ in targets]
    data = [np.asarray(t, dtype=float) for _, t in targets]
    _check_targets(x, data, tol_margins)
    shaped = []
    for k, t in zip(kept, data, strict=True):
        if list(k) != sorted(k):
            raise ValueError("target axes must be listed in increasing order")
        full = [x.shape[a] if a in k else 1 for a in range(x.ndim)]
        # A scalar target (mipfp recycles it) applies the same total to every margin cell.
        shaped.append(np.broadcast_to(t.reshape(full) if t.size > 1 else t.reshape(()), tuple(full)))
    summed = [tuple(a for a in range(x.ndim) if a not in k) for k in kept]
    crit = math.inf
    for it in range(1, max_iter + 1):
        before = x
        for s, t in zip(summed, shaped, strict=True):
            x = x * _factor(t, x.sum(axis=s, keepdims=True))
        crit = float(np.abs(x - before).max()) if x.size else 0.0
        if crit < tol:
            return IpfResult(x, it, crit, True)
    warnings.warn(f"IPF did not converge after {max_iter} iterations", ConvergenceWarning, stacklevel=2)
    return IpfResult(x, max_iter, crit, False)


def _max_change(m, a0, b0, a1, b1, tol) -> float:
    """Largest |m_ij (a1_ik b1_jk - a0_ik b0_jk)|, evaluated only as far as needed to compare with tol."""
    # A cheap per-slice upper bound settles most slices; only ambiguous slices get the exact n x n check.
    mmax = float(np.abs(m).max()) if m.size else 0.0
    da, db = np.abs(a1 - a0).max(axis=0), np.abs(b1 - b0).max(axis=0)
    bound = mmax * (np.abs(a1).max(axis=0) * db + np.abs(b0).max(axis=0) * da)
    todo = np.flatnonzero(bound >= tol)
    if todo.size == 0:
        return float(bound.max()) if bound.size else 0.0
    todo = todo[np.argsort(-bound[todo], kind="stable")]
    n2 = max(m.shape[0] * m.shape[1], 1)
    step = max(1, _BLOCK_CELLS // n2)
    worst = 0.0
    for start in range(0, todo.size, step):
        k = todo[start : start + step]
        blk = a1[:, None, k] * b1[None, :, k] - a0[:, None, k] * b0[None, :, k]
        blk *= m[:, :, None]
        worst = max(worst, float(np.abs(blk).max()))
        if worst >= tol:
            break
    return worst


def ipfp_od_by_pob(
    seed: np.ndarray,
    row_target: np.ndarray,
    col_target: np.ndarray,
    *,
    tol: float = 1e-3,
    max_iter: int = 100_000,
    tol_margins: float = 1e-3,
) -> IpfResult:
    (
        """mipfp fit of an [orig, dest, pob] array to margins {orig,pob} and {dest,pob} from a 2-d seed repeated """
        """over """
        """pob."""
    )
    # With a seed constant over pob, every fitted cell is a[i,k] * b[j,k] * m[i,j]; fitting the factors
    # gives mipfp's iterates (up to rounding) at O(n^2) memory per step instead of O(n^3).
    m = np.asarray(seed, dtype=float)
    rt = np.asarray(row_target, dtype=float)
    ct = np.asarray(col_target, dtype=float)
    n, p = m.shape[0], rt.shape[1]
    _check_targets(m, [rt, ct], tol_margins)
    a = np.ones((n, p))
    b = np.ones((m.shape[1], p))
    crit = math.inf
    for it in range(1, max_iter + 1):  # noqa: B007 - `it` is the iteration count returned after the loop
        a0, b0 = a, b
        a = a * _factor(rt, a * (m @ b))
        b = b * _factor(ct, b * (m.T @ a))
        crit = _max_change(m, a0, b0, a, b, tol)
        if crit < tol:
            break
    else:
        warnings.warn(f"IPF did not converge after {max_iter} iterations", ConvergenceWarning, stacklevel=2)
        it = max_iter
    fit = np.multiply(a[:, None, :], m[:, :, None])
    fit *= b[None, :, :]
    return IpfResult(fit, it, crit, crit < tol)


def ipfp_matrix(
    seed: np.ndarray,
    row_target: np.ndarray,
    col_target: np.ndarray,
    *,
    tol: float = 1e-3,
    max_iter: int = 100_000,
    tol_margins: float = 1e-3,
) -> IpfResult:
    """mipfp fit of a matrix to row then column totals, as factors r_i c_j m_ij (same iterates, cheaper steps)."""
    m = np.asarray(seed, dtype=float)
    rt = np.asarray(row_target, dtype=float)
    ct = np.asarray(col_target, dtype=float)
    _check_targets(m, [rt, ct], tol_margins)
    r = np.ones(m.shape[0])
    c = np.ones(m.shape[1])
    # mipfp's criterion needs the largest cell change, an O(n^2) scan. The change of the cell that was
    # largest last time is a lower bound; the full scan runs only when that bound is below tol.
    cell = (0, 0)
    crit = math.inf
    for it in range(1, max_iter + 1):
        r0, c0 = r, c
        r = r * _factor(rt, r * (m @ c))
        c = c * _factor(ct, c * (m.T @ r))
        i, j = cell
        crit = abs(m[i, j] * (r[i] * c[j] - r0[i] * c0[j])) if m.size else 0.0
        if crit < tol and m.size:
            change = np.abs(np.outer(r, c) - np.outer(r0, c0))
            change *= m
            flat = int(change.argmax())
            cell = divmod(flat, m.shape[1])
            crit = float(change.flat[flat])
        if crit < tol:
            return IpfResult(r[:, None] * m * c[None, :], it, crit, True)
    warnings.warn(f"IPF did not converge after {max_iter} iterations", ConvergenceWarning, stacklevel=2)
    return IpfResult(r[:, None] * m * c[None, :], max_iter, crit, False)


def ipf2(
    row_tot: np.ndarray | None = None,
    col_tot: np.ndarray | None = None,
    m: np.ndarray | None = None,
    *,
    tol: float = 1e-5,
    maxit: int = 500,
) -> IpfResult:
    """migest ipf2: two-way IPF, columns then rows, stopping when the largest margin gap is <= tol."""
    rt = None if row_tot is None else np.asarray(row_tot, dtype=float)
    ct = None if col_tot is None else np.asarray(col_tot, dtype=float)
    if rt is not None and ct is not None and round(rt.sum()) != round(ct.sum()):
        raise ValueError("row and column totals are not equal, ensure sum(row_tot)==sum(col_tot)")
    if m is None:
        m = np.ones((0 if rt is None else rt.size, 0 if ct is None else ct.size))
    mu = np.array(m, dtype=float)
    it, d_max = 0, tol * 2
    while it == 0 or (d_max > tol and it < maxit):
        gaps = []
        if ct is not None:
            cur = mu.sum(axis=0)
            mu = mu * _scaler(ct, cur)[None, :]
            gaps.append(ct - cur)
        if rt is not None:
            cur = mu.sum(axis=1)
            mu = mu * _scaler(rt, cur)[:, None]
            gaps.insert(0, rt - cur)
        it += 1
        d_max = float(np.max(np.abs(np.concatenate(gaps)))) if gaps else 0.0
    return IpfResult(mu, it, d_max, d_max <= tol)


def _scaler(target: np.ndarray, current: np.ndarray) -> np.ndarray:
    """migest's scaler: target/current with NaN and Inf replaced by 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        s = target / current
    return np.where(np.isfinite(s), s, 0.0)


def ipf3(
    row_tot: np.ndarray,
    col_tot: np.ndarray,
    m: np.ndarray | None = None,
    *,
    tol: float = 1e-5,
    maxit: int = 500,
) -> IpfResult:
    """migest ipf3: fit [orig, dest, pob] to row_tot [orig, pob] and col_tot [pob, dest], no stayer handling."""
    rt = np.asarray(row_tot, dtype=float)
    ct = np.asarray(col_tot, dtype=float)
    if rt.ndim != 2 or ct.ndim != 2 or rt.shape[0] != rt.shape[1] or rt.shape != ct.shape:
        raise ValueError("Row totals and column totals matrices must be square and with the same dimensions.")
    if np.any(np.round(rt.sum(axis=0)) != np.round(ct.sum(axis=1))):
        raise ValueError("row and column totals are not equal for one or more sub-tables")
    n = rt.shape[0]
    jk = ct.T  # [dest, pob]
    if m is None:
        mu = np.ones((n, n, n))
    else:
        m = np.asarray(m, dtype=float)
        mu = np.repeat(m[:, :, None], n, axis=2) if m.ndim == 2 else m.copy()
    it, d_max = 0, tol * 2
    while d_max > tol and it < maxit:
        cur_ik = mu.sum(axis=1)
        mu = mu * _scaler(rt, cur_ik)[:, None, :]
        cur_jk = mu.sum(axis=0)
        mu = mu * _scaler(jk, cur_jk)[None, :, :]
        it += 1
        d_max = float(max(np.abs(rt - cur_ik).max(), np.abs(jk - cur_jk).max()))
    return IpfResult(mu, it, d_max, d_max <= tol)


def _cm(row_tot, col_tot, m2d, tol, maxit):
    """Shared alpha/beta updates of cm2 and cm3 (alpha first, then beta, as in migest 2.0.5)."""
    rt = np.asarray(row_tot, dtype=float)
    ct = np.asarray(col_tot, dtype=float)
    if round(rt.sum()) != round(ct.sum()):
        raise ValueError("row and column totals are not equal, ensure sum(row_tot)==sum(col_tot)")
    if rt.shape != (m2d.shape[0],) or ct.shape != (m2d.shape[1],):
        # migest silently uses only the first entries when lengths disagree; that is never meant.
        raise ValueError(
            f"row_tot has {rt.size} entries and col_tot {ct.size}, but m has {m2d.shape[0]} rows and {m2d.shape[1]} "
            "columns"
        )
    alpha = np.ones(m2d.shape[0])
    beta = np.ones(m2d.shape[1])
    it, d_max = 1, tol * 2
    while d_max > tol and it < maxit:
        alpha_old, beta_old = alpha, beta
        alpha = rt / (m2d @ beta)
        beta = ct / (m2d.T @ alpha)
        d_max = float(max(np.abs(alpha_old - alpha).max(), np.abs(beta_old - beta).max()))
        it += 1
    return alpha, beta, it


def cm2(
    row_tot: np.ndarray,
    col_tot: np.ndarray,
    m: np.ndarray | None = None,
    *,
    tol: float = 1e-6,
    maxit: int = 500,
) -> CmResult:
    """migest cm2: conditional maximisation of the log-linear model alpha_i beta_j m_ij."""
    rt = np.asarray(row_tot, dtype=float)
    ct = np.asarray(col_tot, dtype=float)
    m2d = np.ones((rt.size, ct.size)) if m is None else np.asarray(m, dtype=float)
    alpha, beta, it = _cm(rt, ct, m2d, tol, maxit)
    return CmResult(np.outer(alpha, beta) * m2d, alpha, beta, it)


def cm3(
    row_tot: np.ndarray,
    col_tot: np.ndarray,
    m: np.ndarray,
    *,
    tol: float = 1e-6,
    maxit: int = 500,
) -> CmResult:
    """migest cm3: cm2 on m summed over its third dimension, fitted values alpha_i beta_j m_ijk."""
    m3 = np.asarray(m, dtype=float)
    alpha, beta, it = _cm(row_tot, col_tot, m3.sum(axis=2), tol, maxit)
    return CmResult(np.outer(alpha, beta)[:, :, None] * m3, alpha, beta, it)
