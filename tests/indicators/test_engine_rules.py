"""Engine rules on a tiny written release: status, ratios, group sums, coverage, editions, partial periods."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import duckdb
import pytest

import observatory.warehouse
from observatory.indicators.engine import (
    IndicatorResult,
    _inherited_status,
    check_formula_columns,
    compute_catalogue,
)
from observatory.indicators.spec import Frameworks, IndicatorSpec

SCHEMA = Path(observatory.warehouse.__file__).parent / "schema.sql"

# A world of three countries (DDD without data), one group with a special member, population for 2019 and 2020,
# a migrant stock given by two editions (2024 chosen, 2020 kept as the alternative), a census minimum count, a
# modelled corridor flow and monthly arrivals whose 2024 is covered to June only.
AREAS = [
    ("AAA", "Aland", "country"),
    ("BBB", "Borduria", "country"),
    ("CCC", "Carpania", "country"),
    ("DDD", "Dorado", "country"),
    ("XXU", "Unknown origin", "special"),
    ("XXS", "Stateless", "special"),
    ("G1", "Group one", "group"),
]
MEMBERS = [("AAA", "G1"), ("BBB", "G1"), ("CCC", "G1"), ("XXU", "G1"), ("XXS", "G1")]
DATASETS = [  # id, revision
    ("wpp", None),
    ("ims2024", "2024"),
    ("ims2020", "2020"),
    ("census", None),
    ("model", None),
    ("monthly_a", None),
    ("monthly_b", None),
]
MEASURES = [  # id, dataset, status, level
    ("population_total", "wpp", "reported", "area"),
    ("migrant_stock", "ims2024", "estimated", "area"),
    ("migrant_stock", "ims2020", "estimated", "area"),
    ("counted", "census", "minimum", "area"),
    ("flow", "model", "modelled", "corridor"),
    ("arrivals", "monthly_a", "reported", "area"),
    ("arrivals", "monthly_b", "reported", "area"),
]
POPULATION = {("AAA", 2019): 1000, ("AAA", 2020): 1000, ("BBB", 2019): 3000, ("BBB", 2020): 3000}
POPULATION |= {("CCC", 2019): 6000, ("CCC", 2020): 6000, ("DDD", 2020): 0}
STOCK_2024 = {"AAA": 100.0, "BBB": 600.0, "XXU": 1234.0, "XXS": 0.0}  # the chosen edition, 2020
STOCK_2020 = {"AAA": 90.0, "BBB": 500.0}  # the earlier edition of the same year, kept as the alternative


def observation(con, dataset, measure, year, value, area=None, period="", table="observation", **keys) -> None:
    """One value of a measure (sex and age 'total', no category)."""
    insert(con, table, [(dataset, measure, area, keys.get("origin"), keys.get("destination"), year, period, value)])


def insert(con, table: str, rows: list[tuple]) -> None:
    """Observations (dataset, measure, area, origin, destination, year, period, value), in one statement."""
    places = ", ".join(["(?, ?, ?, ?, ?, ?, ?, 'total', 'total', '', ?, 'reported')"] * len(rows))
    con.execute(
        f"INSERT INTO {table} (dataset_id, measure_id, area, origin, destination, year, period, sex, age, category, "
        f"value, status) VALUES {places}",
        [field for row in rows for field in row],
    )


@pytest.fixture
def con():
    """The written release, before the catalogue is computed."""
    db = duckdb.connect()
    db.execute(SCHEMA.read_text(encoding="utf-8"))
    db.execute(
        "INSERT INTO area (code, name, kind) VALUES " + ", ".join(["(?, ?, ?)"] * len(AREAS)),
        [field for row in AREAS for field in row],
    )
    db.execute(
        "INSERT INTO area_membership VALUES " + ", ".join(["(?, ?, 'test')"] * len(MEMBERS)),
        [field for row in MEMBERS for field in row],
    )
    db.execute(
        "INSERT INTO dataset (id, title, publisher, producer, version_producer, retrieved_at, licence, citation_full, "
        "repackaged, row_count, revision) VALUES "
        + ", ".join(["(?, ?, 'P', 'P', '1', now(), 'CC-BY-4.0', 'c', false, 0, ?)"] * len(DATASETS)),
        [field for dataset, revision in DATASETS for field in (dataset, dataset, revision)],
    )
    db.execute(
        "INSERT INTO measure (id, dataset_id, label, kind, unit, definition, level, status) VALUES "
        + ", ".join(["(?, ?, ?, 'stock', 'persons', 'd', ?, ?)"] * len(MEASURES)),
        [field for m, dataset, status, level in MEASURES for field in (m, dataset, m, level, status)],
    )
    rows = [
        ("wpp", "population_total", area, None, None, year, "", value) for (area, year), value in POPULATION.items()
    ]
    rows.append(("wpp", "population_total", "XXU", None, None, 2020, "", None))  # a missing value is no population
    rows += [("ims2024", "migrant_stock", area, None, None, 2020, "", value) for area, value in STOCK_2024.items()]
    rows.append(("ims2020", "migrant_stock", "AAA", None, None, 2015, "", 80.0))  # only the earlier edition has 2015
    rows.append(("census", "counted", "AAA", None, None, 2020, "", 7.0))
    rows.append(("model", "flow", None, "AAA", "BBB", 2020, "", 40.0))
    rows += [("monthly_a", "arrivals", "AAA", None, None, 2023, "2023Q1", 5.0)]
    rows += [("monthly_b", "arrivals", "AAA", None, None, 2023, "2023Q2", 6.0)]
    rows += [
        ("monthly_a", "arrivals", area, None, None, 2024, "", value) for area, value in (("AAA", 3.0), ("BBB", 4.0))
    ]
    insert(db, "observation", rows)
    alternative = [
        ("ims2020", "migrant_stock", area, None, None, 2020, "", value) for area, value in STOCK_2020.items()
    ]
    insert(db, "observation_alternative", alternative)
    db.execute(
        "INSERT INTO series_choice VALUES ('migrant_stock', 2020, '', 'ims2024', ['ims2020']), "
        "('migrant_stock', 2015, '', 'ims2020', []), ('arrivals', 2023, '2023Q1', 'monthly_a', []), "
        "('arrivals', 2023, '2023Q2', 'monthly_b', [])"
    )
    db.execute(
        "INSERT INTO partial_period VALUES ('monthly_a', 2024, '', DATE '2024-06-30', 'January-June'), "
        "('monthly_a', 2024, '', DATE '2024-09-30', NULL)"
    )
    return db


def spec(id_: str, formula: str, inputs: list[str], **declared) -> IndicatorSpec:
    """An area indicator with a written formula (title, unit and kind do not matter to the engine)."""
    fields = {"title": id_.title(), "definition": "d", "unit": "persons", "kind": "stock", "level": "area"}
    return IndicatorSpec(id=id_, formula=formula, inputs=inputs, **(fields | declared))


def measure_sql(measure: str) -> str:
    return f"SELECT area, year, value FROM observation WHERE measure_id = '{measure}'"


STOCK_SUM = spec("stock_sum", measure_sql("migrant_stock"), ["migrant_stock"], aggregate="sum")
STOCK_SHARE = spec(
    "stock_share",
    "SELECT s.area, s.year, s.value AS numerator, p.value AS denominator FROM observation s JOIN observation p "
    "ON p.area = s.area AND p.year = s.year AND p.measure_id = 'population_total' "
    "WHERE s.measure_id = 'migrant_stock'",
    ["migrant_stock", "population_total"],
    ratio_scale=100.0,
    aggregate="ratio",
    unit="%",
)


def values(con, indicator: str, table: str = "indicator_value") -> dict[str | None, tuple]:
    """Area (or origin) -> (year, value, status, sources, coverage, note, revision) of one indicator."""
    rows = con.execute(
        f"SELECT coalesce(area, origin), year, round(value, 6), status, sources, round(coverage, 6), note, revision "
        f"FROM {table} WHERE indicator = ? ORDER BY ALL",
        [indicator],
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


@pytest.mark.parametrize(
    ("statuses", "inherited"),
    [
        (["reported"], "reported"),
        (["reported", "estimated"], "estimated"),
        (["estimated", "reported"], "estimated"),
        (["modelled", "estimated", "reported"], "modelled"),
        (["reported", "modelled"], "modelled"),
        (["reported", "minimum", "modelled"], "minimum"),
        (["minimum"], "minimum"),
    ],
)
def test_the_least_certain_input_decides_the_status(statuses, inherited):
    assert _inherited_status(statuses) == inherited


def test_a_ratio_scales_numerator_over_denominator_and_groups_divide_the_sums(con):
    results = compute_catalogue(con, (STOCK_SHARE,))
    assert results == [IndicatorResult("stock_share", 3)]
    found = values(con, "stock_share")
    # The chosen 2024 edition for 2020: 100 / 1000 and 600 / 3000, in percent; the group: (100 + 600) / 4000.
    # XXU has no population value, so it is no member with data; its people are not in the ratio.
    assert found == {
        "AAA": (2020, 10.0, "estimated", ["ims2024", "wpp"], None, None, "2024"),
        "BBB": (2020, 20.0, "estimated", ["ims2024", "wpp"], None, None, "2024"),
        "G1": (2020, 17.5, "estimated", ["ims2024", "wpp"], 0.4, "2 member areas with data", "2024"),
    }


def test_a_zero_denominator_gives_no_value_and_a_missing_year_no_row(con):
    share = spec(
        "share",
        "SELECT area, year, 5 AS numerator, value AS denominator FROM observation WHERE measure_id = "
        "'population_total' UNION ALL SELECT 'BBB', NULL, 1, 1",
        ["population_total"],
        ratio_scale=1000.0,
        aggregate="ratio",
    )
    assert compute_catalogue(con, (share,)) == [IndicatorResult("share", 8)]
    rows = con.execute(
        "SELECT area, year, value, coverage FROM indicator_value WHERE area IN ('AAA', 'DDD', 'G1') ORDER BY ALL"
    ).fetchall()
    # DDD's population of 0 gives no value; the group divides 5 × 3 members by their 10 000 people, per mille.
    assert rows == [("AAA", 2019, 5.0, None), ("AAA", 2020, 5.0, None), ("G1", 2019, 1.5, 1.0), ("G1", 2020, 1.5, 1.0)]


def test_a_group_sum_adds_members_and_names_the_special_ones(con):
    assert compute_catalogue(con, (STOCK_SUM,)) == [IndicatorResult("stock_sum", 7)]
    found = values(con, "stock_sum")
    assert found["G1"] == (
        2020,
        1934.0,
        "estimated",
        ["ims2024"],
        0.4,  # AAA and BBB hold 4 000 of the group's 10 000 people; the special areas have no population
        "4 member areas with data; includes 1,234 Unknown origin",  # the stateless count is 0: not named
        "2024",
    )
    assert found["XXS"] == (2020, 0.0, "estimated", ["ims2024"], None, None, "2024")
    # Without bounds from the formula, a group has none either.
    assert con.execute("SELECT DISTINCT lower, upper FROM indicator_value").fetchall() == [(None, None)]
    # 2015 comes from the earlier edition only: its revision is that edition's.
    assert con.execute(
        "SELECT area, value, sources, coverage, note, revision FROM indicator_value WHERE year = 2015 ORDER BY area"
    ).fetchall() == [
        ("AAA", 80.0, ["ims2020"], None, None, "2020"),
        ("G1", 80.0, ["ims2020"], 0.1, "1 member areas with data", "2020"),  # coverage of 2019's people
    ]


def test_special_members_are_named_in_code_order_with_thousands_separators(con):
    observation(con, "ims2024", "migrant_stock", 2020, 2500000.0, "XXS")
    con.execute("DELETE FROM observation WHERE area = 'XXS' AND value = 0")
    compute_catalogue(con, (STOCK_SUM,))
    assert values(con, "stock_sum")["G1"][5] == (
        "4 member areas with data; includes 2,500,000 Stateless, 1,234 Unknown origin"
    )


def test_a_ratio_or_unaggregated_indicator_names_no_special_member(con):
    plain = STOCK_SUM.model_copy(update={"id": "plain", "aggregate": "none"})
    results = compute_catalogue(con, (plain, STOCK_SHARE))
    assert results == [IndicatorResult("plain", 5), IndicatorResult("stock_share", 3)]
    assert "G1" not in values(con, "plain")
    notes = con.execute("SELECT DISTINCT note FROM indicator_value WHERE note IS NOT NULL").fetchall()
    assert notes == [("2 member areas with data",)]


def test_coverage_uses_the_nearest_year_of_the_population_series_and_never_exceeds_one(con):
    later = spec(
        "later",
        "SELECT area, year + 3 AS year, value FROM observation WHERE measure_id = 'population_total' "
        "UNION ALL SELECT 'BBB', 2010, 1 UNION ALL SELECT 'AAA', 2010, 1",
        ["population_total"],
        aggregate="sum",
    )
    compute_catalogue(con, (later,))
    rows = con.execute(
        "SELECT year, value, coverage, note FROM indicator_value WHERE area = 'G1' ORDER BY year"
    ).fetchall()
    # 2010 is before the series: 2019's people (AAA and BBB: 4 000 of 10 000); 2022 and 2023 after it: 2020's.
    assert rows == [
        (2010, 2.0, 0.4, "2 member areas with data"),
        (2022, 10000.0, 1.0, "3 member areas with data"),
        (2023, 10000.0, 1.0, "3 member areas with data"),
    ]
    # A member the formula lists twice would cover more than the group's population: coverage stops at 1.
    doubled = spec(
        "doubled",
        "SELECT area, year, value FROM observation WHERE measure_id = 'population_total' UNION ALL "
        "SELECT area, year, value FROM observation WHERE measure_id = 'population_total' AND area = 'AAA'",
        ["population_total"],
        aggregate="sum",
    )
    compute_catalogue(con, (doubled,))
    assert con.execute(
        "SELECT DISTINCT coverage FROM indicator_value WHERE indicator = 'doubled' AND area = 'G1'"
    ).fetchall() == [(1.0,)]


def test_status_is_inherited_through_the_engine_unless_declared(con):
    census_share = spec(
        "census_share",
        "SELECT c.area, c.year, c.value AS numerator, p.value AS denominator FROM observation c JOIN observation p "
        "ON p.area = c.area AND p.year = c.year AND p.measure_id = 'population_total' WHERE c.measure_id = 'counted'",
        ["counted", "population_total"],
        ratio_scale=1.0,
        aggregate="ratio",
    )
    declared = spec("declared", measure_sql("counted"), ["counted"], status="estimated")
    flow = spec(
        "flow_per_stock",
        "SELECT origin, destination, year, value FROM observation WHERE measure_id = 'flow'",
        ["flow", "migrant_stock"],
        level="corridor",
    )
    compute_catalogue(con, (census_share, declared, flow))
    statuses = con.execute("SELECT indicator, area, origin, status FROM indicator_value ORDER BY ALL").fetchall()
    assert statuses == [
        ("census_share", "AAA", None, "minimum"),
        ("census_share", "G1", None, "minimum"),
        ("declared", "AAA", None, "estimated"),
        ("flow_per_stock", None, "AAA", "modelled"),
    ]
    corridor = con.execute("SELECT area, destination, value, sources FROM indicator_value WHERE origin = 'AAA'")
    assert corridor.fetchall() == [(None, "BBB", 40.0, ["ims2024", "model"])]


def test_keys_the_formula_leaves_out_take_their_defaults(con):
    compute_catalogue(con, (spec("counted", measure_sql("counted"), ["counted"]),))
    row = con.execute(
        "SELECT area, origin, destination, year, period, sex, age, category, lower, upper, note, coverage, "
        "partial_until FROM indicator_value"
    ).fetchall()
    assert row == [("AAA", None, None, 2020, "", "total", "total", "", None, None, None, None, None)]


def test_bounds_and_notes_pass_through_and_groups_range_across_categories(con):
    methods = spec(
        "methods",
        "SELECT area, year, 'female' AS sex, '15-64' AS age, m.category, value * m.factor AS value, "
        "value * m.factor - 1 AS lower, value * m.factor + 1 AS upper, 'method ' || m.category AS note "
        "FROM observation, (VALUES ('a', 1.0), ('b', 2.0)) m(category, factor) "
        "WHERE measure_id = 'migrant_stock' AND area IN ('AAA', 'BBB')",
        ["migrant_stock"],
        aggregate="sum",
    )
    compute_catalogue(con, (methods,))
    rows = con.execute(
        "SELECT area, sex, age, category, value, lower, upper, note FROM indicator_value WHERE year = 2020 ORDER BY ALL"
    ).fetchall()
    assert rows == [
        ("AAA", "female", "15-64", "a", 100.0, 99.0, 101.0, "method a"),
        ("AAA", "female", "15-64", "b", 200.0, 199.0, 201.0, "method b"),
        ("BBB", "female", "15-64", "a", 600.0, 599.0, 601.0, "method a"),
        ("BBB", "female", "15-64", "b", 1200.0, 1199.0, 1201.0, "method b"),
        # The group's range is its own values across methods, not the sum of member bounds.
        ("G1", "female", "15-64", "a", 700.0, 700.0, 1400.0, "2 member areas with data"),
        ("G1", "female", "15-64", "b", 1400.0, 700.0, 1400.0, "2 member areas with data"),
    ]


def test_sources_of_a_series_are_named_per_period_and_per_year(con):
    by_period = spec(
        "by_period", "SELECT area, year, period, value FROM observation WHERE measure_id = 'arrivals'", ["arrivals"]
    )
    by_year = spec(
        "by_year",
        "SELECT area, year, sum(value) AS value FROM observation WHERE measure_id = 'arrivals' GROUP BY ALL",
        ["arrivals", "population_total"],
    )
    compute_catalogue(con, (by_period, by_year))
    rows = con.execute("SELECT indicator, area, year, period, sources FROM indicator_value ORDER BY ALL").fetchall()
    assert rows == [
        ("by_period", "AAA", 2023, "2023Q1", ["monthly_a"]),
        ("by_period", "AAA", 2023, "2023Q2", ["monthly_b"]),
        ("by_period", "AAA", 2024, "", ["monthly_a", "monthly_b"]),  # no series choice: every source
        ("by_period", "BBB", 2024, "", ["monthly_a", "monthly_b"]),
        ("by_year", "AAA", 2023, "", ["monthly_a", "monthly_b", "wpp"]),  # the year's sources and the fixed input
        ("by_year", "AAA", 2024, "", ["monthly_a", "monthly_b", "wpp"]),
        ("by_year", "BBB", 2024, "", ["monthly_a", "monthly_b", "wpp"]),
    ]


def test_a_partly_covered_period_carries_its_earliest_cut_off_and_its_note(con):
    formula = "SELECT area, year, period, value FROM observation WHERE measure_id = 'arrivals'"
    arrivals = spec("arrivals_sum", formula, ["arrivals"], aggregate="sum")
    compute_catalogue(con, (arrivals,))
    rows = con.execute(
        "SELECT area, year, period, value, note, partial_until FROM indicator_value ORDER BY area, year, period"
    ).fetchall()
    cut = "partial period: data to 2024-06-30 (January-June)"
    assert rows == [
        ("AAA", 2023, "2023Q1", 5.0, None, None),
        ("AAA", 2023, "2023Q2", 6.0, None, None),
        ("AAA", 2024, "", 3.0, cut, datetime.date(2024, 6, 30)),
        ("BBB", 2024, "", 4.0, cut, datetime.date(2024, 6, 30)),
        ("G1", 2023, "2023Q1", 5.0, "1 member areas with data", None),
        ("G1", 2023, "2023Q2", 6.0, "1 member areas with data", None),
        ("G1", 2024, "", 7.0, "2 member areas with data; " + cut, datetime.date(2024, 6, 30)),
    ]


def test_a_cut_off_without_a_note_names_only_the_date(con):
    con.execute("DELETE FROM partial_period WHERE note IS NOT NULL")
    compute_catalogue(con, (spec("arrivals", measure_sql("arrivals"), ["arrivals"]),))
    notes = con.execute("SELECT DISTINCT note, partial_until FROM indicator_value WHERE year = 2024").fetchall()
    assert notes == [("partial period: data to 2024-09-30", datetime.date(2024, 9, 30))]


def test_a_cut_off_and_its_note_come_from_one_declared_row(con):
    """The earliest cut-off of the datasets behind a value is shown with that row's own note, never another's."""
    con.execute("DELETE FROM partial_period")
    con.execute(
        "INSERT INTO partial_period VALUES ('monthly_a', 2024, '', DATE '2024-06-30', 'to June'), "
        "('monthly_a', 2024, '', DATE '2024-09-30', 'A later cut-off'), "
        "('monthly_b', 2024, '', DATE '2024-08-31', 'August')"
    )
    formula = "SELECT area, year, period, value FROM observation WHERE measure_id = 'arrivals'"
    compute_catalogue(con, (spec("arrivals", formula, ["arrivals"]),))
    notes = con.execute("SELECT DISTINCT note, partial_until FROM indicator_value WHERE year = 2024").fetchall()
    assert notes == [("partial period: data to 2024-06-30 (to June)", datetime.date(2024, 6, 30))]


def test_an_earlier_edition_is_computed_again_side_by_side(con):
    con.execute("UPDATE dataset SET revision = 'WPP 2022' WHERE id = 'wpp'")
    insert(con, "observation_alternative", [("ims2020", "migrant_stock", "XXU", None, None, 2020, "", 1000.0)])
    other = spec("population", measure_sql("population_total"), ["population_total"])
    compute_catalogue(con, (other, STOCK_SUM, STOCK_SHARE))
    revised = con.execute(
        "SELECT indicator, area, year, round(value, 4), status, sources, coverage, note, revision "
        "FROM indicator_value_revision ORDER BY ALL"
    ).fetchall()
    # Only indicators reading the revised measure; the 2020 edition's values, the other inputs unchanged. The
    # revision names the edition recomputed, not every edition among the sources.
    share = ("stock_share", "estimated", ["ims2020", "wpp"])
    stock = ("stock_sum", "estimated", ["ims2020"])
    assert revised == [
        (share[0], "AAA", 2020, 9.0, *share[1:], None, None, "2020"),
        (share[0], "BBB", 2020, 16.6667, *share[1:], None, None, "2020"),
        (share[0], "G1", 2020, 14.75, *share[1:], 0.4, "2 member areas with data", "2020"),
        (stock[0], "AAA", 2015, 80.0, *stock[1:], None, None, "2020"),
        (stock[0], "AAA", 2020, 90.0, *stock[1:], None, None, "2020"),
        (stock[0], "BBB", 2020, 500.0, *stock[1:], None, None, "2020"),
        (stock[0], "G1", 2015, 80.0, *stock[1:], 0.1, "1 member areas with data", "2020"),
        (
            stock[0],
            "G1",
            2020,
            1590.0,
            *stock[1:],
            0.4,
            "3 member areas with data; includes 1,000 Unknown origin",
            "2020",
        ),
        (stock[0], "XXU", 2020, 1000.0, *stock[1:], None, None, "2020"),
    ]
    assert values(con, "stock_sum")["AAA"][1] == 100.0  # the default values keep the latest edition
    # A default value names the editions of all its sources.
    assert values(con, "stock_share")["AAA"][-1] == "2024, WPP 2022"
    # The view that showed the formulas the earlier edition is gone again.
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'observation'").fetchall() == [(0,)]


def test_an_edition_replacing_several_measures_keeps_the_other_series_and_the_ranges(con):
    # The 2020 edition also gave emigrant stocks, in a dataset of its own.
    con.execute(
        "INSERT INTO dataset (id, title, publisher, producer, version_producer, retrieved_at, licence, citation_full, "
        "repackaged, row_count, revision) VALUES ('ims2020e', 'e', 'P', 'P', '1', now(), 'CC-BY-4.0', 'c', false, 0, "
        "'2020')"
    )
    con.execute(
        "INSERT INTO measure (id, dataset_id, label, kind, unit, definition, level, status) VALUES "
        "('emigrant_stock', 'ims2024', 'e', 'stock', 'persons', 'd', 'area', 'estimated'), "
        "('emigrant_stock', 'ims2020e', 'e', 'stock', 'persons', 'd', 'area', 'estimated')"
    )
    insert(con, "observation", [("ims2024", "emigrant_stock", "AAA", None, None, 2020, "", 50.0)])
    insert(con, "observation_alternative", [("ims2020e", "emigrant_stock", "AAA", None, None, 2020, "", 30.0)])
    con.execute("INSERT INTO series_choice VALUES ('emigrant_stock', 2020, '', 'ims2024', ['ims2020e'])")
    net = spec(
        "net",
        "SELECT i.area, i.year, i.value - e.value AS value FROM observation i JOIN observation e ON e.area = i.area "
        "AND e.year = i.year AND e.measure_id = 'emigrant_stock' WHERE i.measure_id = 'migrant_stock'",
        ["migrant_stock", "emigrant_stock"],
    )
    ranges = spec(
        "ranges",
        "SELECT area, year, m.category, value * m.factor AS value, value * m.factor AS lower, "
        "value * m.factor AS upper FROM observation, (VALUES ('a', 1.0), ('b', 2.0)) m(category, factor) "
        "WHERE measure_id = 'migrant_stock' AND year = 2020 AND area IN ('AAA', 'BBB')",
        ["migrant_stock"],
        aggregate="sum",
    )
    both = spec(
        "both",
        "SELECT area, year, period, value FROM observation WHERE measure_id IN ('migrant_stock', 'arrivals') "
        "AND area = 'AAA'",
        ["migrant_stock", "arrivals"],
    )
    compute_catalogue(con, (net, ranges, both))
    query = (
        "SELECT indicator, area, year, period, category, value, lower, upper, sources, revision FROM {} "
        "WHERE indicator <> 'ranges' OR area = 'G1' ORDER BY ALL"
    )
    everything = ["ims2020", "ims2024", "monthly_a", "monthly_b"]
    assert con.execute(query.format("indicator_value")).fetchall() == [
        ("both", "AAA", 2015, "", "", 80.0, None, None, ["ims2020"], "2020"),
        ("both", "AAA", 2020, "", "", 100.0, None, None, ["ims2024"], "2024"),
        ("both", "AAA", 2023, "2023Q1", "", 5.0, None, None, ["monthly_a"], None),
        ("both", "AAA", 2023, "2023Q2", "", 6.0, None, None, ["monthly_b"], None),
        ("both", "AAA", 2024, "", "", 3.0, None, None, everything, "2020, 2024"),  # no series choice: all sources
        ("net", "AAA", 2020, "", "", 50.0, None, None, ["ims2024"], "2024"),
        ("ranges", "G1", 2020, "", "a", 700.0, 700.0, 1400.0, ["ims2024"], "2024"),
        ("ranges", "G1", 2020, "", "b", 1400.0, 700.0, 1400.0, ["ims2024"], "2024"),
    ]
    # The 2020 edition replaces both stocks; arrivals keep their own sources per period.
    edition = ["ims2020", "ims2020e"]
    assert con.execute(query.format("indicator_value_revision")).fetchall() == [
        ("both", "AAA", 2015, "", "", 80.0, None, None, [*edition, "monthly_a", "monthly_b"], "2020"),
        ("both", "AAA", 2020, "", "", 90.0, None, None, [*edition, "monthly_a", "monthly_b"], "2020"),
        ("both", "AAA", 2023, "2023Q1", "", 5.0, None, None, [*edition, "monthly_a"], "2020"),
        ("both", "AAA", 2023, "2023Q2", "", 6.0, None, None, [*edition, "monthly_b"], "2020"),
        ("both", "AAA", 2024, "", "", 3.0, None, None, [*edition, "monthly_a", "monthly_b"], "2020"),
        ("net", "AAA", 2020, "", "", 60.0, None, None, edition, "2020"),
        ("ranges", "G1", 2020, "", "a", 590.0, 590.0, 1180.0, edition, "2020"),
        ("ranges", "G1", 2020, "", "b", 1180.0, 590.0, 1180.0, edition, "2020"),
    ]


def test_an_indicator_with_an_input_missing_from_the_release_is_skipped_and_named(con):
    missing = spec("missing", measure_sql("absent"), ["population_total", "absent", "gone"])
    results = compute_catalogue(con, (missing, STOCK_SUM))
    assert results == [
        IndicatorResult("missing", 0, "input measure(s) ['absent', 'gone'] not in this release"),
        IndicatorResult("stock_sum", 7),
    ]
    assert con.execute("SELECT DISTINCT indicator FROM indicator_value").fetchall() == [("stock_sum",)]
    assert con.execute("SELECT id FROM indicator").fetchall() == [("stock_sum",)]


def test_values_are_written_sorted_and_the_work_tables_dropped(con):
    compute_catalogue(con, (STOCK_SHARE, STOCK_SUM))
    written = con.execute("SELECT indicator, area, year FROM indicator_value").fetchall()
    assert written and written == sorted(written)
    temporary = con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary ORDER BY 1").fetchall()
    assert temporary == [("coverage_population",)]
    assert con.execute("SELECT current_setting('preserve_insertion_order')").fetchall() == [(False,)]


def test_the_declaration_and_framework_tags_are_written(con):
    labelled = spec(
        "labelled",
        measure_sql("counted"),
        ["counted"],
        frameworks=Frameworks(sdg=["10.7"], gcm=[1, 23], gcr=[2]),
        sdg_indicator="10.7.4",
        note="caveat",
        category_labels={"ä": "Äpfel", "b": "B"},
        labelled_measures=["counted_cases"],
        headline_category="ä",
        headline_age="20-64",
    )
    compute_catalogue(con, (labelled, STOCK_SUM))
    rows = con.execute("SELECT * FROM indicator ORDER BY id").fetchall()
    assert rows == [
        (
            "labelled",
            "Labelled",
            "d",
            "persons",
            "stock",
            "area",
            "10.7.4",
            "caveat",
            "ä",
            "20-64",
            json.dumps({"ä": "Äpfel", "b": "B"}, ensure_ascii=False),
            ["counted", "counted_cases"],
        ),
        ("stock_sum", "Stock_Sum", "d", "persons", "stock", "area", None, "", None, None, None, None),
    ]
    tags = con.execute("SELECT * FROM indicator_framework ORDER BY ALL").fetchall()
    assert tags == [
        ("labelled", "GCM", "1"),
        ("labelled", "GCM", "23"),
        ("labelled", "GCR", "2"),
        ("labelled", "SDG", "10.7"),
    ]


@pytest.mark.parametrize(
    ("declared", "columns", "missing"),
    [
        ({}, ["year", "value"], "['area']"),
        ({}, ["area", "value"], "['year']"),
        ({}, ["area", "year"], "['value']"),
        ({"level": "corridor"}, ["area", "year", "value"], "['origin', 'destination']"),
        ({"level": "corridor"}, ["origin", "year", "value"], "['destination']"),
        ({"ratio_scale": 1.0}, ["area", "year", "value", "numerator"], "['denominator']"),
        ({"ratio_scale": 1.0}, ["area", "year", "denominator"], "['numerator']"),
        ({"ratio_scale": 1.0}, ["year", "numerator"], "['area', 'denominator']"),
    ],
)
def test_a_formula_must_return_its_keys_and_values(declared, columns, missing):
    indicator = spec("broken", "SELECT 1", ["x"], **declared)
    with pytest.raises(ValueError, match=rf"^indicator broken: the formula does not return {re.escape(missing)}$"):
        check_formula_columns(indicator, columns)
    complete = ["area", "origin", "destination", "year", "value", "numerator", "denominator"]
    check_formula_columns(indicator, complete)


def test_a_formula_without_its_keys_stops_the_computation(con):
    broken = spec("broken", "SELECT area, value FROM observation", ["population_total"])
    with pytest.raises(ValueError, match=r"^indicator broken: the formula does not return \['year'\]$"):
        compute_catalogue(con, (broken,))
