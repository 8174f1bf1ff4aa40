"""Several sources of one measure: editions side by side, one source per period, partial periods, never summed."""

from __future__ import annotations

from datetime import date

import pytest

from observatory.indicators.query import IndicatorQueryError, ValueFilter, indicator_values
from observatory.sources.series import Series
from observatory.sources.spec import PartialPeriod
from observatory.warehouse import releases
from observatory.warehouse.build import BuildError

EDITION_2020 = (
    "dest,orig,year,sex,stock\nFRA,DZA,2015,Male,500\nFRA,DZA,2015,Female,500\n"
    "FRA,DZA,2020,Male,800\nFRA,DZA,2020,Female,750\n"
)
EDITION_2024 = (
    "dest,orig,year,sex,stock\nFRA,DZA,2015,Male,520\nFRA,DZA,2015,Female,510\nFRA,DZA,2020,Male,780\nFRA,DZA,2020,Female,700\n"
    "FRA,DZA,2024,Male,900\nFRA,DZA,2024,Female,880\n"
)


def _two_sources(tiny_world, first: str, second: str, **second_fields):
    """The tiny source as an older edition (2020) and a second source `tiny_stock_new` with its own file."""
    tiny_world.write("tiny/stock.csv", first)
    (tiny_world.mirror / "tiny_new").mkdir(exist_ok=True)
    tiny_world.write("tiny_new/stock.csv", second)
    old = tiny_world.tiny_spec.model_copy(update={"revision": "2020"})
    new_file = old.files[0].model_copy(update={"path": "tiny_new/stock.csv"})  # the connector finds it by its name
    new = old.model_copy(update={"id": "tiny_stock_new", "files": [new_file], "revision": "2024", **second_fields})
    specs = [tiny_world.specs()[0], tiny_world.respec(old), tiny_world.respec(new)]
    return specs, {"tiny_stock": tiny_world.connector, "tiny_stock_new": tiny_world.connector}


def _build(tiny_world, specs, connectors, series):
    from observatory.warehouse.build import build_release

    return build_release(tiny_world.settings, specs=specs, connectors=connectors, series=series)


def _scalar(con, sql, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


EDITIONS = {
    "migrant_stock": Series(rule="latest edition first", order=["tiny_stock_new", "tiny_stock"], choose_by="edition")
}


def test_latest_edition_is_the_default_and_earlier_editions_stay_side_by_side(tiny_world):
    specs, connectors = _two_sources(tiny_world, EDITION_2020, EDITION_2024)
    report = _build(tiny_world, specs, connectors, EDITIONS)
    assert [f for f in report.findings if f.check_name == "series_choice"]
    _, con = releases.connect(tiny_world.settings)
    try:
        # Never summed: the default series is the 2024 edition alone, every year it covers.
        assert _scalar(con, "SELECT sum(value) FROM observation WHERE year = 2020") == 1480
        assert (
            _scalar(con, "SELECT count(DISTINCT dataset_id) FROM observation WHERE measure_id = 'migrant_stock'") == 1
        )
        assert _scalar(con, "SELECT sum(value) FROM observation_alternative WHERE year = 2020") == 1550
        default = indicator_values(con, "corridor_stock", ValueFilter(origin="DZA", destination="FRA", sex="total"))
        assert [(row["year"], row["value"], row["revision"], row["sources"]) for row in default] == [
            (2015, 1030, "2024", ["tiny_stock_new"]),
            (2020, 1480, "2024", ["tiny_stock_new"]),
            (2024, 1780, "2024", ["tiny_stock_new"]),
        ]
        earlier = indicator_values(
            con, "corridor_stock", ValueFilter(origin="DZA", destination="FRA", sex="total", revision="2020")
        )
        assert [(row["year"], row["value"], row["revision"]) for row in earlier] == [
            (2015, 1000, "2020"),
            (2020, 1550, "2020"),
        ]
        asked_latest = indicator_values(
            con, "corridor_stock", ValueFilter(origin="DZA", destination="FRA", sex="total", revision="2024")
        )
        assert [row["value"] for row in asked_latest] == [row["value"] for row in default]
        with pytest.raises(IndicatorQueryError, match="revisions of its inputs: 2020, 2024"):
            indicator_values(con, "corridor_stock", ValueFilter(revision="2019"))
    finally:
        con.close()


def test_overlapping_sources_give_one_source_per_period(tiny_world):
    specs, connectors = _two_sources(tiny_world, EDITION_2020, EDITION_2024)
    by_period = {
        "migrant_stock": Series(
            rule="first source where it covers the year", order=["tiny_stock", "tiny_stock_new"], choose_by="period"
        )
    }
    _build(tiny_world, specs, connectors, by_period)
    _, con = releases.connect(tiny_world.settings)
    try:
        chosen = con.execute("SELECT year, dataset_id, alternatives FROM series_choice ORDER BY year").fetchall()
        assert chosen == [
            (2015, "tiny_stock", ["tiny_stock_new"]),
            (2020, "tiny_stock", ["tiny_stock_new"]),
            (2024, "tiny_stock_new", []),
        ]
        totals = dict(con.execute("SELECT year, sum(value) FROM observation GROUP BY year").fetchall())
        assert totals == {2015: 1000, 2020: 1550, 2024: 1780}
        values = indicator_values(con, "corridor_stock", ValueFilter(origin="DZA", destination="FRA", sex="total"))
        assert [row["sources"] for row in values] == [["tiny_stock"], ["tiny_stock"], ["tiny_stock_new"]]
    finally:
        con.close()


def test_a_partial_period_carries_its_cut_off(tiny_world):
    partial = [PartialPeriod(year=2024, until=date(2024, 4, 30), note="recorded to 30 April")]
    specs, connectors = _two_sources(tiny_world, EDITION_2020, EDITION_2024, partial_periods=partial)
    _build(tiny_world, specs, connectors, EDITIONS)
    _, con = releases.connect(tiny_world.settings)
    try:
        values = {
            row["year"]: row for row in indicator_values(con, "migrant_stock", ValueFilter(area="FRA", sex="total"))
        }
        assert values[2024]["partial_until"] == date(2024, 4, 30)
        assert "partial period: data to 2024-04-30 (recorded to 30 April)" in values[2024]["note"]
        assert values[2020]["partial_until"] is None
    finally:
        con.close()


def test_a_measure_from_two_sources_without_a_declared_order_fails_the_build(tiny_world):
    specs, connectors = _two_sources(tiny_world, EDITION_2020, EDITION_2024)
    before = releases.current_release(tiny_world.settings)
    with pytest.raises(BuildError, match=r"without an order in sources/series.yml: \['migrant_stock'\]"):
        _build(tiny_world, specs, connectors, {})
    assert releases.current_release(tiny_world.settings) == before
