"""Demographic-accounting identities of ffs_demo on small hand-made stock tables (rules, not reference numbers)."""

from __future__ import annotations

import logging
import re

import numpy as np
import pytest

from observatory.flows.demographic import demographic_accounting_flows, rescale_integer_sum, sum_od
from observatory.flows.fitting import InconsistentMarginsError

LABELS = ["AAA", "BBB", "CCC"]
# [place of birth, place of residence]; the start total is 3210, the end total 3270.
START = np.array([[1000, 50, 30], [20, 800, 10], [40, 60, 1200]])
END = np.array([[990, 70, 35], [25, 820, 5], [45, 50, 1230]])
# Natural change 95 - 35 = 60 equals the stock change: no global gap to spread.
BIRTHS = np.array([30, 25, 40])
DEATHS = np.array([10, 10, 15])
FIT = 1e-2  # the fits stop at a cell change below 1e-3 (migest's rule)


def _open(method: str = "open", **options):
    return demographic_accounting_flows(
        START, END, BIRTHS, DEATHS, match_birthplace_tot_method=method, labels=LABELS, **options
    )


@pytest.mark.parametrize("method", ["open", "open-dr"])
def test_open_system_accounts_for_every_person_of_both_tables(method):
    result = _open(method)
    # Start stock = moves from each residence (stayers included) + deaths + moves out of the system.
    start = result.flow.sum(axis=1).T + result.deaths + result.outflow_outside
    end = result.flow.sum(axis=0).T + result.births + result.inflow_outside
    np.testing.assert_allclose(start, START, atol=FIT)
    np.testing.assert_allclose(end, END, atol=FIT)
    assert result.flow.min() >= 0


def test_births_sit_on_the_native_born_and_deaths_follow_the_start_stock():
    result = _open()
    np.testing.assert_array_equal(result.births, np.diag(BIRTHS))
    np.testing.assert_allclose(result.deaths.sum(axis=0), DEATHS)
    # Each residence's deaths are shared by birthplace like its start stock.
    np.testing.assert_allclose(result.deaths, START * (DEATHS / START.sum(axis=0)))


@pytest.mark.parametrize(("method", "weights"), [("open", "start"), ("open-dr", "end")])
def test_moves_out_of_the_system_close_each_birthplace_gap(method, weights):
    result = _open(method)
    start = START - result.deaths
    end = END - result.births
    gap = start.sum(axis=1) - end.sum(axis=1)
    np.testing.assert_allclose(result.outflow_outside.sum(axis=1), np.maximum(gap, 0))
    np.testing.assert_allclose(result.inflow_outside.sum(axis=1), np.maximum(-gap, 0))
    # "open" spreads moves in like the start table, "open-dr" (Abel 2013) like the end table.
    seed = start if weights == "start" else end
    for p in np.flatnonzero(gap < 0):
        np.testing.assert_allclose(result.inflow_outside[p], seed[p] * (-gap[p] / seed[p].sum()))


def test_stayers_are_the_smaller_of_start_and_end_in_each_cell():
    result = _open()
    start = START - result.deaths - result.outflow_outside
    end = END - result.births - result.inflow_outside
    for i in range(3):
        np.testing.assert_allclose(result.flow[i, i, :], np.minimum(start, end)[:, i], atol=FIT)
    assert result.od.trace() == 0


def test_without_the_stayer_assumption_moves_are_independent_given_birthplace():
    result = _open(stayer_assumption=False)
    start = START - result.deaths - result.outflow_outside
    end = END - result.births - result.inflow_outside
    for p in range(3):
        expected = np.outer(start[p], end[p]) / start[p].sum()
        np.testing.assert_allclose(result.flow[:, :, p], expected, rtol=1e-3)


def test_a_three_dimensional_seed_is_fitted_to_both_margins():
    seed = np.ones((3, 3, 3))
    seed[0, 1, :] = 5.0
    result = _open(stayer_assumption=False, seed=seed)
    start = START - result.deaths - result.outflow_outside
    end = END - result.births - result.inflow_outside
    np.testing.assert_allclose(result.flow.sum(axis=1).T, start, rtol=1e-6)
    np.testing.assert_allclose(result.flow.sum(axis=0).T, end, rtol=1e-6)
    # Fitting keeps the seed's odds ratios: route 0 -> 1 stays five times as likely, relative to the others.
    f = result.flow
    for p in range(3):
        assert f[0, 1, p] * f[2, 2, p] / (f[0, 2, p] * f[2, 1, p]) == pytest.approx(5.0, rel=1e-3)


def test_rescale_keeps_residence_totals_and_meets_birthplace_totals_halfway():
    result = demographic_accounting_flows(START, END, BIRTHS, DEATHS)
    np.testing.assert_allclose(result.flow.sum(axis=(1, 2)), START.sum(axis=0) - DEATHS, atol=FIT)
    np.testing.assert_allclose(result.flow.sum(axis=(0, 2)), END.sum(axis=0) - BIRTHS, atol=FIT)
    halfway = ((START - result.deaths).sum(axis=1) + (END - result.births).sum(axis=1)) / 2
    np.testing.assert_allclose(result.flow.sum(axis=(0, 1)), halfway, atol=FIT)
    assert not result.inflow_outside.any() and not result.outflow_outside.any()


@pytest.mark.parametrize("extra", [7, 1, 2])
def test_a_global_gap_is_split_half_on_each_table(extra):
    end = END.copy()
    end[1, 1] += extra  # the stock grows by `extra` more people than births minus deaths explain
    result = demographic_accounting_flows(START, end, BIRTHS, DEATHS)
    gap = extra
    # Half the gap leaves the end table's native-born, half joins the start table's (integer people).
    assert abs(result.flow.sum() - (START.sum() - DEATHS.sum() + gap / 2)) <= 0.5 + FIT
    assert abs(result.flow.sum() - (end.sum() - BIRTHS.sum() - gap / 2)) <= 0.5 + FIT
    assert result.integer_rescales, "the native-born diagonals are rescaled as whole people"
    for step in result.integer_rescales:
        assert sum(step["result"]) == pytest.approx(step["tot"])


def test_a_fractional_gap_below_half_moves_one_person_onto_the_end_table_first():
    end = END.astype(float)
    end[1, 1] -= 0.25  # the gap (natural change minus stock change) is 0.25
    result = demographic_accounting_flows(START, end, BIRTHS, DEATHS)
    first = result.integer_rescales[0]
    assert first["tot"] == pytest.approx(np.trace(end) + 1)


def test_after_demo_adjust_shares_the_remaining_gap_by_native_born():
    end = END.copy()
    end[2, 2] += 100
    result = demographic_accounting_flows(START, end, BIRTHS, DEATHS, match_global="after-demo-adjust")
    start = START - result.deaths
    finish = end - result.births
    gap = finish.sum() - start.sum()
    native = np.diag(start)
    expected_start = start.sum(axis=0) + gap * native / native.sum() * 0.5
    native_end = np.diag(finish)
    expected_end = finish.sum(axis=0) - gap * native_end / native_end.sum() * 0.5
    np.testing.assert_allclose(result.flow.sum(axis=(1, 2)), expected_start, rtol=1e-4)
    np.testing.assert_allclose(result.flow.sum(axis=(0, 2)), expected_end, rtol=1e-4)
    assert not result.integer_rescales


def test_open_methods_do_not_rescale_to_a_global_total():
    end = END.copy()
    end[2, 2] += 100
    result = demographic_accounting_flows(START, end, BIRTHS, DEATHS, match_birthplace_tot_method="open")
    assert not result.integer_rescales
    np.testing.assert_allclose(result.flow.sum(axis=0).T + result.births + result.inflow_outside, end, atol=FIT)


def test_proportional_births_follow_the_end_stock_of_each_residence():
    result = _open(birth_method="proportion")
    np.testing.assert_allclose(result.births, END * (BIRTHS / END.sum(axis=0)))


def test_accounting_deaths_close_each_birthplace_account():
    result = demographic_accounting_flows(START, END, BIRTHS, DEATHS, death_method="accounting")
    np.testing.assert_allclose(result.deaths.sum(axis=0), DEATHS, atol=FIT)
    np.testing.assert_allclose(result.deaths.sum(axis=1), START.sum(axis=1) + BIRTHS - END.sum(axis=1), atol=FIT)


def test_too_many_births_are_spread_over_the_residence_and_named(caplog):
    births = np.array([30, 821, 40])  # BBB has 820 native-born at the end: 821 births cannot all be theirs
    with caplog.at_level(logging.INFO, logger="observatory.flows.demographic"):
        result = demographic_accounting_flows(
            START, END, births, DEATHS, match_global="after-demo-adjust", labels=LABELS
        )
    message = "Too many births in region BBB. Subtracted births proportionally for this region."
    assert result.messages == [message]
    assert message in caplog.text
    np.testing.assert_allclose(result.births[:, 1], END[:, 1] * 821 / END[:, 1].sum())
    assert result.births[0, 0] == 30 and result.births[1, 0] == 0


def test_births_equal_to_the_native_born_stay_on_the_diagonal():
    births = np.array([990, 25, 40])  # exactly AAA's native-born at the end: not too many
    result = demographic_accounting_flows(START, END, births, DEATHS)
    assert result.messages == []
    np.testing.assert_array_equal(result.births, np.diag(births).astype(float))


def test_unlabelled_regions_are_named_by_position():
    births = np.array([30, 821, 40])
    result = demographic_accounting_flows(START, END, births, DEATHS, match_global="after-demo-adjust")
    assert result.messages == ["Too many births in region 1. Subtracted births proportionally for this region."]


def test_births_may_exceed_the_native_born_when_allowed():
    births = np.array([30, 821, 40])
    result = demographic_accounting_flows(START, END, births, DEATHS, birth_non_negative=False)
    assert result.messages == []
    np.testing.assert_array_equal(result.births, np.diag(births).astype(float))


# Every birthplace grows, so the "open-dr" moves into the system are spread like this end table.
BIG_END = np.array([[1100, 60, 40], [30, 850, 20], [50, 70, 1300]])


@pytest.mark.parametrize("labels", [LABELS, None])
def test_more_foreign_born_than_people_is_refitted_keeping_the_residence_total(labels):
    start = START.copy()
    start[1, 1] = -30  # BBB's residents: 50 + 60 foreign-born, total 80 published
    result = demographic_accounting_flows(
        start, BIG_END, np.zeros(3), np.zeros(3), match_birthplace_tot_method="open-dr", labels=labels
    )
    name = "BBB" if labels else "1"
    assert result.messages == [
        f"There are more foreign born than total population in {name}; "
        "reduced foreign born populations to allow for zero native born."
    ]
    fixed = result.flow.sum(axis=1).T + result.outflow_outside
    assert fixed[1, 1] == pytest.approx(0, abs=FIT)
    assert fixed[:, 1].sum() == pytest.approx(80, abs=FIT)  # whole people kept as floats, not truncated
    assert fixed[0, 1] / fixed[2, 1] == pytest.approx(50 / 60, rel=1e-4)
    np.testing.assert_allclose(fixed[:, [0, 2]], start[:, [0, 2]], atol=FIT)


def test_a_negative_end_stock_is_refitted_too():
    end = BIG_END.copy()
    end[2, 2] = -10
    result = demographic_accounting_flows(
        BIG_END, end, np.zeros(3), np.zeros(3), match_birthplace_tot_method="open-dr", labels=LABELS
    )
    assert result.messages[0].startswith("There are more foreign born than total population in CCC;")
    fixed = result.flow.sum(axis=0).T + result.inflow_outside
    assert fixed[2, 2] == pytest.approx(0, abs=FIT)
    assert fixed[:, 2].sum() == pytest.approx(end[:, 2].sum(), abs=FIT)


def test_negative_foreign_born_cells_are_refused_by_every_birthplace_method():
    start = START.copy()
    start[0, 1] = -5
    for method in ("rescale", "open"):
        with pytest.raises(ValueError, match="Target and Seed cells must be non-negative!"):
            demographic_accounting_flows(start, END, BIRTHS, DEATHS, match_birthplace_tot_method=method)
    end = END.copy()
    end[0, 1] = -5
    for method in ("rescale", "open-dr"):
        with pytest.raises(ValueError, match="Target and Seed cells must be non-negative!"):
            demographic_accounting_flows(START, end, BIRTHS, DEATHS, match_birthplace_tot_method=method)


def test_open_moves_larger_than_a_stock_cell_are_refused_with_the_count():
    start = np.array([[100, 0, 0], [0, 100, 0], [0, 0, 100]])
    end = np.array([[100, 0, 0], [0, 100, 500], [0, 0, 100]])  # 500 BBB-born appear in CCC
    with pytest.raises(ValueError, match=r"open: moves in or out .* exceed 1 stock cell\(s\); try 'rescale'"):
        demographic_accounting_flows(
            start, end, np.zeros(3), np.zeros(3), match_birthplace_tot_method="open", birth_non_negative=False
        )


def test_inconsistent_shapes_and_unknown_options_are_refused():
    with pytest.raises(ValueError, match="^stock tables must be square with the same dimension as births and deaths$"):
        demographic_accounting_flows(START, END[:2], BIRTHS, DEATHS)
    with pytest.raises(ValueError, match="^stock tables must be square"):
        demographic_accounting_flows(START, END, BIRTHS, DEATHS[:2])
    with pytest.raises(ValueError, match="^stock tables must be square"):
        demographic_accounting_flows(START[:2], END, BIRTHS, DEATHS)
    cases = {
        "match_global": "match_global must be one of before-demo-adjust, after-demo-adjust; got 'x'",
        "match_birthplace_tot_method": "match_birthplace_tot_method must be one of rescale, "
        "rescale-adjust-zero-fb, open, open-dr; got 'x'",
        "birth_method": "birth_method must be one of native, proportion; got 'x'",
        "death_method": "death_method must be one of proportion, accounting; got 'x'",
    }
    for option, message in cases.items():
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$") as raised:
            demographic_accounting_flows(START, END, BIRTHS, DEATHS, **{option: "x"})
        assert str(raised.value) == message


def test_a_birthplace_with_movers_on_one_side_only_is_refused_beyond_the_tolerance():
    with pytest.raises(InconsistentMarginsError, match="for 1 birthplace"):
        from observatory.flows.demographic import _flows_with_stayers

        start = np.array([[100.0, 0.0], [0.0, 100.0]])
        end = np.array([[103.0, 0.0], [0.0, 100.0]])  # 3 AAA-born more at the end, none moved at the start
        _flows_with_stayers(start, end)


def test_a_one_sided_residual_within_the_tolerance_is_dropped():
    from observatory.flows.demographic import _flows_with_stayers

    start = np.array([[100.0, 0.0], [0.0, 100.0]])
    end = np.array([[100.5, 0.0], [0.0, 100.0]])
    flow = _flows_with_stayers(start, end)
    assert flow[0, 1, 0] == 0 and flow[1, 0, 0] == 0
    np.testing.assert_allclose(flow[:, :, 0].trace(), 100.0)


def test_rescale_adjust_zero_fb_keeps_a_native_only_region_at_least_its_native_born():
    # CCC has no foreign-born residents; its emigrants halve, so the midpoint of its birthplace totals
    # (765) would be below its 1000 native-born at the start.
    start = np.array([[500, 40, 0], [30, 600, 0], [10, 10, 1000]])
    end = np.array([[520, 35, 0], [40, 610, 0], [5, 5, 500]])
    end[0, 0] += start.sum() - end.sum()  # equal totals: no global gap
    result = demographic_accounting_flows(
        start, end, np.zeros(3), np.zeros(3), match_birthplace_tot_method="rescale-adjust-zero-fb"
    )
    assert result.flow[:, :, 2].sum() == pytest.approx(1000, abs=FIT)
    # The other birthplaces meet halfway between their start and end totals, as with "rescale".
    halfway = (start[:2].sum() + end[:2].sum()) / 2
    assert result.flow[:, :, :2].sum() == pytest.approx(halfway, abs=1 + FIT)


def test_rescale_adjust_zero_fb_equals_rescale_when_no_region_qualifies():
    zero_fb = demographic_accounting_flows(
        START, END, BIRTHS, DEATHS, match_birthplace_tot_method="rescale-adjust-zero-fb"
    )
    rescale = demographic_accounting_flows(START, END, BIRTHS, DEATHS)
    np.testing.assert_array_equal(zero_fb.flow, rescale.flow)


def test_account_lays_out_flows_births_deaths_and_moves_outside():
    result = _open()
    y = result.account()
    assert y.shape == (5, 5, 3)
    np.testing.assert_array_equal(y[:3, :3, :], result.flow)
    np.testing.assert_array_equal(y[3, :3, :], result.births.T)
    np.testing.assert_array_equal(y[4, :3, :], result.outflow_outside.T)
    np.testing.assert_array_equal(y[:3, 3, :], result.deaths.T)
    np.testing.assert_array_equal(y[:3, 4, :], result.inflow_outside.T)
    assert not y[3:, 3:, :].any()


def test_origin_destination_flows_sum_birthplaces_and_drop_stayers():
    flow = np.arange(27, dtype=float).reshape(3, 3, 3)
    od = sum_od(flow)
    expected = flow.sum(axis=2)
    np.fill_diagonal(expected, 0)
    np.testing.assert_array_equal(od, expected)


def test_integer_rescale_hits_the_total_and_gives_the_remainder_to_the_largest():
    trace: list = []
    out = rescale_integer_sum(np.array([1.0, 1.0, 1.0]), 10, trace)
    assert out.tolist() == [4.0, 3.0, 3.0]  # 3.33 each rounds to 3; the one left over goes to the first largest
    assert trace == [
        {"x": [1.0, 1.0, 1.0], "tot": 10.0, "rounded_sum_remainder": 1.0, "chosen_index": 0, "result": out.tolist()}
    ]
    # 1.25, 2.5, 1.25 round to 1, 2, 1: the missing person goes to the largest element, wherever it is.
    assert rescale_integer_sum(np.array([1.0, 2.0, 1.0]), 5).tolist() == [1.0, 3.0, 1.0]
    assert rescale_integer_sum(np.array([1.0, -4.0, 1.0]), -3).tolist() == [2.0, -7.0, 2.0]  # largest |x|
    exact: list = []
    assert rescale_integer_sum(np.array([2.0, 8.0]), 20, exact).tolist() == [4.0, 16.0]
    assert exact[0]["chosen_index"] is None and exact[0]["rounded_sum_remainder"] == 0.0
