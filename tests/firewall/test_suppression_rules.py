"""Cell suppression rules on small hand-made tables: thresholds, partners, and what an attacker can still derive."""

from __future__ import annotations

import math

import pytest

from observatory.firewall.suppression import feasible_interval, is_protected, round_to_base, suppress
from observatory.firewall.tables import TOTAL, additivity_lines


def table(rows: dict[str, dict[str, int]]) -> tuple[dict, list]:
    """Counts of a two-way table with its margins, and its additivity relations."""
    columns = list(next(iter(rows.values())))
    counts = {(r, c): v for r, cells in rows.items() for c, v in cells.items()}
    for r, cells in rows.items():
        counts[(r, TOTAL)] = sum(cells.values())
    for c in columns:
        counts[(TOTAL, c)] = sum(cells[c] for cells in rows.values())
    counts[(TOTAL, TOTAL)] = sum(counts[(r, TOTAL)] for r in rows)
    return counts, additivity_lines(["region", "age"], {"region": list(rows), "age": columns})


def assert_safe(counts, lines, hidden, min_cell):
    """Every small count is hidden, no relation holds one hidden cell, and none can be narrowed below min_cell."""
    small = {k for k, v in counts.items() if 0 < v < min_cell}
    assert small, "the table must have small cells"
    assert small <= hidden
    for members, total in lines:
        assert sum(c in hidden for c in [*members, total]) != 1
    for cell in small:
        low, high = feasible_interval(cell, lines, counts, hidden)
        assert low <= 0.5 and high >= min_cell - 0.5, (cell, low, high)


def test_counts_below_the_threshold_are_hidden_and_the_threshold_itself_is_not():
    counts, lines = table(
        {"a": {"x": 4, "y": 50, "z": 60}, "b": {"x": 30, "y": 5, "z": 70}, "c": {"x": 0, "y": 40, "z": 80}}
    )
    hidden = suppress(counts, lines, min_cell=5)
    assert ("a", "x") in hidden
    assert_safe(counts, lines, hidden, 5)


def test_a_table_without_small_counts_is_published_whole():
    # 10 is not below the threshold 10, and a zero is not a small count.
    counts, lines = table({"a": {"x": 10, "y": 0}, "b": {"x": 20, "y": 30}})
    assert suppress(counts, lines, min_cell=10) == set()
    assert suppress(counts, lines, min_cell=11) >= {("a", "x")}


def test_partners_are_interior_cells_before_margins():
    counts, lines = table({"a": {"x": 2, "y": 50}, "b": {"x": 30, "y": 40}})
    hidden = suppress(counts, lines, min_cell=5)
    # Hiding the other interior cells of the row and column keeps every margin published.
    assert hidden == {("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")}
    assert_safe(counts, lines, hidden, 5)
    low, high = feasible_interval(("a", "x"), lines, counts, hidden)
    assert (low, high) == pytest.approx((0.0, 32.0))


def test_partners_are_non_zero_and_small():
    counts, lines = table({"a": {"x": 2, "y": 0, "z": 50, "w": 45}, "b": {"x": 30, "y": 9, "z": 40, "w": 60}})
    hidden = suppress(counts, lines, min_cell=5)
    assert ("a", "y") not in hidden  # a known zero protects nothing
    assert ("a", "w") in hidden and ("a", "z") not in hidden  # 45 is a cheaper partner than 50
    assert ("b", "x") in hidden
    assert_safe(counts, lines, hidden, 5)


def test_secondary_suppression_continues_until_no_small_cell_can_be_narrowed():
    # Two small cells in one row of a three-way split: hiding only them would reveal their sum.
    counts, lines = table(
        {"a": {"x": 1, "y": 2, "z": 900}, "b": {"x": 100, "y": 120, "z": 800}, "c": {"x": 3, "y": 110, "z": 700}}
    )
    hidden = suppress(counts, lines, min_cell=10)
    assert_safe(counts, lines, hidden, 10)
    assert len(hidden) < len(counts)


def test_the_attacker_interval_uses_every_published_cell():
    counts, lines = table({"a": {"x": 3, "y": 7}, "b": {"x": 8, "y": 9}})
    hidden = {("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")}
    # a.x + a.y = 10, a.x + b.x = 11, so a.x lies in [0, 10].
    assert feasible_interval(("a", "x"), lines, counts, hidden) == pytest.approx((0.0, 10.0))
    # b.y = 17 - b.x and b.x = 11 - a.x with a.x in [0, 10]: b.y lies in [6, 16].
    assert feasible_interval(("b", "y"), lines, counts, hidden) == pytest.approx((6.0, 16.0))
    # A cell with its whole line hidden, margins included, is unbounded above.
    everything = set(counts)
    low, high = feasible_interval(("a", "x"), lines, counts, everything)
    assert low == 0.0 and math.isinf(high)


def test_a_hidden_cell_that_the_margins_pin_down_is_not_protected():
    counts, lines = table({"a": {"x": 3, "y": 7}, "b": {"x": 8, "y": 9}})
    hidden = {("a", "x"), ("a", "y")}  # row a's margin and both column margins published: a.x = 11 - 8
    low, high = feasible_interval(("a", "x"), lines, counts, hidden)
    assert low == pytest.approx(3.0) and high == pytest.approx(3.0)
    assert not is_protected(low, high, 5)


@pytest.mark.parametrize(
    ("low", "high", "protected"),
    [
        (0.0, 4.5, True),
        (0.5, 9.0, True),
        (0.51, 9.0, False),
        (0.0, 4.49, False),
        (math.nan, 9.0, False),
        (0.0, math.nan, False),
    ],
)
def test_a_small_cell_is_protected_when_it_could_be_zero_and_could_reach_the_threshold(low, high, protected):
    assert is_protected(low, high, min_cell=5) is protected


@pytest.mark.parametrize(
    ("value", "base", "rounded"),
    [
        (12.5, 5, 15.0),
        (12.4, 5, 10.0),
        (7.5, 5, 10.0),
        (2.49, 5, 0.0),
        (-2.5, 5, 0.0),
        (3.4, 1, 3.0),
        (3.6, 1, 4.0),
        (2.5, 1, 3.0),  # halves up with base 1 too (Python's round would give 2)
        (0.5, 1, 1.0),
        (-0.5, 1, 0.0),
        (14, 3, 15.0),
        (13.49, 3, 12.0),
        (10, 10, 10.0),
    ],
)
def test_rounding_goes_to_the_nearest_multiple_of_the_base_halves_up(value, base, rounded):
    assert round_to_base(value, base) == rounded
    assert isinstance(round_to_base(value, base), float)


@pytest.mark.parametrize("base", [0, -5])
def test_a_rounding_base_below_one_is_refused(base):
    with pytest.raises(ValueError, match="^rounding base must be at least 1$"):
        round_to_base(7.0, base)


def test_a_known_zero_is_never_chosen_as_a_partner():
    counts, lines = table({"a": {"x": 2, "y": 8, "z": 30}, "b": {"x": 0, "y": 1, "z": 12}})
    hidden = suppress(counts, lines, min_cell=5)
    # b.y = 1 alone in row b: its partner is b.z (12), not b.x, whose 0 hides nothing.
    assert {("a", "x"), ("b", "y"), ("b", "z")} <= hidden
    assert ("b", "x") not in hidden
    assert_safe(counts, lines, hidden, 5)


def test_partners_are_interior_cells_before_any_margin():
    counts, lines = table({"a": {"x": 50, "y": 9, "z": 4}, "b": {"x": 20, "y": 1, "z": 1}})
    hidden = suppress(counts, lines, min_cell=5)
    # Hiding a.y, a.z, b.y, b.z leaves a.z in [3, 5]: a column x cell is hidden next, and then its partner; every
    # margin stays published.
    assert hidden == {(r, c) for r in "ab" for c in "xyz"}
    assert_safe(counts, lines, hidden, 5)


def test_a_cell_its_margins_narrow_down_gets_a_partner_from_its_own_row_or_column():
    counts, lines = table({"a": {"x": 20, "y": 1}, "b": {"x": 3, "y": 30}})
    hidden = suppress(counts, lines, min_cell=5)
    # With the four interior cells hidden, b.x = 2 + a.y is at least 2 (column x's 23 minus row a's 21). The partner
    # comes from b.x's own relations: its column margin (23), cheaper than its row margin (33), then the other column
    # margin (31) with it; not row a's margin (21), the cheapest margin of the table but on no relation of b.x.
    assert hidden == {("a", "x"), ("a", "y"), ("b", "x"), ("b", "y"), (TOTAL, "x"), (TOTAL, "y")}
    assert_safe(counts, lines, hidden, 5)


def test_relations_whose_cells_are_all_hidden_still_bind_the_attacker():
    counts, lines = table({"a": {"x": 3, "y": 7}, "b": {"x": 8, "y": 9}})
    # Row a and column x are hidden whole, but the published cells pin a's margin, a.y, b.x and column x's margin,
    # and through the hidden relations a.x = 10 - 7 = 11 - 8 = 3.
    hidden = {("a", "x"), ("a", "y"), ("a", TOTAL), ("b", "x"), (TOTAL, "x")}
    assert feasible_interval(("a", "x"), lines, counts, hidden) == pytest.approx((3.0, 3.0))


def test_a_hidden_cell_outside_every_relation_is_unbounded():
    counts, lines = table({"a": {"x": 3, "y": 7}, "b": {"x": 8, "y": 9}})
    counts[("z", "z")] = 4  # a cell no relation mentions (sorted last among the hidden cells)
    hidden = {("a", "x"), ("a", "y"), ("z", "z")}
    assert feasible_interval(("z", "z"), lines, counts, hidden) == (0.0, math.inf)
    assert feasible_interval(("a", "x"), lines, counts, hidden) == pytest.approx((3.0, 3.0))


def test_published_cells_that_contradict_each_other_protect_nothing():
    counts, lines = table({"a": {"x": 3, "y": 7}, "b": {"x": 8, "y": 9}})
    counts[(TOTAL, "x")] = 12  # a.x = 10 - 7 and b.x = 17 - 9 cannot add up to 12
    low, high = feasible_interval(("a", "x"), lines, counts, {("a", "x"), ("b", "x")})
    assert math.isnan(low) and math.isnan(high)
    assert not is_protected(low, high, 5)
