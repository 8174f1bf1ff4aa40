"""Fitting routines and estimator edge cases on small hand-made inputs (no mirror needed)."""

from __future__ import annotations

import numpy as np
import pytest

from observatory.flows import (
    ConvergenceWarning,
    InconsistentMarginsError,
    cm2,
    cm3,
    demographic_accounting_flows,
    ipf2,
    ipfp,
    ipfp_matrix,
    ipfp_od_by_pob,
    migration_rate_flows,
    rescale_integer_sum,
    stock_difference_flows,
    sum_od,
)


def random_system(n: int, seed: int = 7, zeros: bool = True):
    """Seeded stock tables (with zero corridors unless zeros=False), plus births and deaths."""
    rng = np.random.default_rng(seed)
    natives = rng.uniform(1e3, 1e5, n)
    s0 = rng.uniform(1, 500, (n, n)) * ((rng.random((n, n)) > 0.4) | (not zeros))
    s1 = s0 * rng.uniform(0.7, 1.4, (n, n)) * ((rng.random((n, n)) > 0.1) | (not zeros))
    np.fill_diagonal(s0, natives)
    np.fill_diagonal(s1, natives * rng.uniform(0.95, 1.1, n))
    births = natives * rng.uniform(0.05, 0.12, n)
    deaths = natives * rng.uniform(0.03, 0.08, n)
    return s0, s1, births, deaths


def test_ipfp_refuses_inconsistent_targets():
    """mipfp turns counts into proportions here; the observatory raises instead."""
    seed = np.ones((2, 2))
    with pytest.raises(InconsistentMarginsError, match="proportions"):
        ipfp(seed, [((0,), np.array([10.0, 10])), ((1,), np.array([5.0, 5]))])


def test_ipfp_rejects_negative_cells():
    with pytest.raises(ValueError, match="non-negative"):
        ipfp(np.array([[1.0, -1], [1, 1]]), [((0,), np.array([1.0, 1]))])


def test_ipfp_warns_when_it_stops_early():
    with pytest.warns(ConvergenceWarning):
        res = ipfp(
            np.array([[5.0, 1], [2, 7]]), [((0,), np.array([18.0, 20])), ((1,), np.array([16.0, 22]))], max_iter=1
        )
    assert not res.converged


def test_factorised_fit_equals_full_fit():
    """The O(n^2) factor iteration gives mipfp's iterates, stopping at the same iteration."""
    rng = np.random.default_rng(3)
    n = 6
    seed = rng.uniform(0.5, 2, (n, n)) * (rng.random((n, n)) > 0.2)
    flow = rng.uniform(0, 100, (n, n, n)) * seed[:, :, None]
    rows, cols = flow.sum(axis=1), flow.sum(axis=0)
    fast = ipfp_od_by_pob(seed, rows, cols, tol=1e-6)
    full = ipfp(np.repeat(seed[:, :, None], n, axis=2), [((0, 2), rows), ((1, 2), cols)], tol=1e-6, max_iter=10_000)
    assert fast.iterations == full.iterations
    np.testing.assert_allclose(fast.fit, full.fit, rtol=1e-10, atol=1e-10)


def test_rescale_integer_sum_is_deterministic():
    """The remainder goes to the largest element (R's sample() would pick among 1..k at random)."""
    trace = []
    out = rescale_integer_sum(np.array([3.0, 5, 3]), 12, trace)
    assert out.tolist() == [3.0, 6.0, 3.0]
    assert trace[0]["chosen_index"] == 1 and trace[0]["rounded_sum_remainder"] == 1
    assert rescale_integer_sum(np.array([1.0, 1, 1]), 10).tolist() == [4.0, 3.0, 3.0]


def test_global_rescale_uses_integer_rule_with_remainder():
    """An odd global gap is split over the diagonals; totals then match natural change exactly."""
    s0 = np.array([[100.0, 5], [7, 200]])
    s1 = np.array([[104.0, 6], [5, 207]])
    res = demographic_accounting_flows(s0, s1, np.array([10.0, 10]), np.array([3.0, 4]))
    assert len(res.integer_rescales) == 2
    assert all(float(r["result"][0]).is_integer() for r in res.integer_rescales)
    assert np.isfinite(res.flow).all() and (res.flow >= 0).all()


def test_ipf2_and_cm2_reach_the_same_fit():
    m = np.array([[5.0, 2], [1, 7]])
    a = ipf2(np.array([18.0, 20]), np.array([16.0, 22]), m, tol=1e-12, maxit=10_000).fit
    b = cm2(np.array([18.0, 20]), np.array([16.0, 22]), m, tol=1e-12, maxit=10_000).fit
    np.testing.assert_allclose(a, b, rtol=1e-9)


def test_margin_totals_must_agree():
    with pytest.raises(ValueError, match="not equal"):
        ipf2(np.array([1.0, 2]), np.array([5.0, 5]))
    with pytest.raises(ValueError, match="not equal"):
        cm3(np.array([1.0, 2]), np.array([5.0, 5]), np.ones((2, 2, 2)))


def test_rates_need_their_inputs():
    s = np.array([[10.0, 1], [2, 20]])
    with pytest.raises(ValueError, match="M"):
        migration_rate_flows(s)
    with pytest.raises(ValueError, match="stock_end"):
        migration_rate_flows(s, method="rogers-von-rabenau")
    with pytest.raises(ValueError, match="decrease"):
        stock_difference_flows(s, s, decrease="drop")


@pytest.mark.parametrize("stayers", [True, False])
@pytest.mark.parametrize("method", ["rescale", "open", "open-dr"])
def test_random_system_is_accounted(stayers, method):
    """Flows are non-negative, and for open methods each slice reproduces the adjusted stock rows."""
    s0, s1, b, d = random_system(12, zeros=method != "open")
    res = demographic_accounting_flows(s0, s1, b, d, stayer_assumption=stayers, match_birthplace_tot_method=method)
    assert res.flow.shape == (12, 12, 12)
    assert (res.flow >= -1e-9).all()
    od = sum_od(res.flow)
    assert np.all(np.diag(od) == 0) and od.sum() > 0
    if method != "rescale":
        # Everyone alive at the start is a stayer, a mover, a death or a leaver of the system.
        start = res.flow.sum(axis=1).T + res.deaths + res.outflow_outside
        np.testing.assert_allclose(start, s0, atol=0.05)


def test_open_method_fails_clearly_on_new_corridors():
    """'open' spreads leavers like the end table, which can exceed start cells that were zero (as in migest)."""
    s0, s1, b, d = random_system(12)
    with pytest.raises(ValueError, match="non-negative.*open"):
        demographic_accounting_flows(s0, s1, b, d, match_birthplace_tot_method="open")


def test_factorised_and_full_seed_agree_in_ffs_demo():
    s0, s1, b, d = random_system(5, seed=11)
    dist = np.random.default_rng(1).uniform(1, 10, (5, 5))
    two = demographic_accounting_flows(s0, s1, b, d, dist, stayer_assumption=False).flow
    three = demographic_accounting_flows(
        s0, s1, b, d, np.repeat(dist[:, :, None], 5, axis=2), stayer_assumption=False
    ).flow
    np.testing.assert_allclose(two, three, rtol=1e-8, atol=1e-8)


def test_unknown_options_are_rejected():
    s0, s1, b, d = random_system(3)
    with pytest.raises(ValueError, match="match_birthplace_tot_method"):
        demographic_accounting_flows(s0, s1, b, d, match_birthplace_tot_method="closed")


def test_factorised_matrix_fit_equals_full_fit():
    """The factor form of the two-margin fit stops at mipfp's iteration with mipfp's values."""
    rng = np.random.default_rng(5)
    m = rng.lognormal(0, 2, (15, 15)) * (rng.random((15, 15)) > 0.3)
    np.fill_diagonal(m, rng.uniform(1e4, 1e6, 15))
    rows = m.sum(axis=1) * rng.uniform(0.9, 1.1, 15)
    cols = m.sum(axis=0) * rows.sum() / m.sum()
    fast = ipfp_matrix(m, rows, cols, tol=1e-3)
    full = ipfp(m, [((0,), rows), ((1,), cols)], tol=1e-3, max_iter=100_000, tol_margins=1e-3)
    assert fast.iterations == full.iterations > 10
    np.testing.assert_allclose(fast.fit, full.fit, rtol=1e-9)
