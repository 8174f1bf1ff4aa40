"""Publish fixtures: a tiny hand-made release (fast, deterministic) and checks that trace numbers back to a release."""

from __future__ import annotations

from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path

import duckdb
import pytest

from observatory.settings import Settings

RELEASE_ID = "r20260101T000000Z"


def make_tiny_release(home: Path) -> Settings:
    """A release with two countries, one region, one dataset and a few indicator values (some missing)."""
    releases = home / "releases"
    releases.mkdir(parents=True)
    con = duckdb.connect(str(releases / f"{RELEASE_ID}.duckdb"))
    con.execute(files("observatory.warehouse").joinpath("schema.sql").read_text(encoding="utf-8"))
    con.execute("INSERT INTO release_info VALUES (?, now(), 'test', 'tiny', 0)", [RELEASE_ID])
    con.execute("""INSERT INTO area (code, m49, iso2, name, short_name, kind, scheme) VALUES
        ('AAA', 901, 'AA', 'Aland of Plenty', 'Aland', 'country', NULL),
        ('BBB', 902, 'BB', 'Bland', 'Bland', 'country', NULL),
        ('REG', NULL, NULL, 'Tiny Region', 'Tiny Region', 'group', 'un_subregion')""")
    con.execute("""INSERT INTO area_membership VALUES ('AAA', 'REG', 'un_subregion'), ('BBB', 'REG', 'un_subregion')""")
    con.execute(
        """INSERT INTO dataset (id, title, publisher, producer, version_producer, url_main, retrieved_at, """
        """licence,
        citation_full, repackaged, row_count) VALUES
        ('ds_stock', 'Stocks', 'Tiny Statistics Office', 'TSO', 'v1', 'https://example.org/stock', now(), 'CC BY """
        """4.0', 'TSO (2020). Stocks.', false, 10),
        ('ds_deaths', 'Deaths', 'Tiny Monitor', 'TM', 'v2', NULL, now(), 'CC BY 4.0', 'TM (2024). Deaths.', false, """
        """3)"""
    )
    con.execute("""INSERT INTO indicator (id, title, definition, unit, kind, level, sdg_indicator, note) VALUES
        ('migrant_stock', 'International migrant stock', 'd', 'persons', 'stock', 'area', NULL, NULL),
        ('migrant_share_of_population', 'Migrants, share of population', 'd', 'percent', 'rate', 'area', NULL, NULL),
        ('emigrant_stock', 'Emigrant stock', 'd', 'persons', 'stock', 'area', NULL, NULL),
        ('corridor_stock', 'Corridor stock', 'd', 'persons', 'stock', 'corridor', NULL, NULL),
        ('refugees_hosted', 'Refugees hosted', 'd', 'persons', 'stock', 'area', NULL, NULL),
        ('sdg_10_7_3', 'Migrants dead or missing', 'd', 'persons', 'count', 'area', '10.7.3', NULL)""")
    con.execute(
        """INSERT INTO indicator_framework VALUES ('migrant_stock', 'GCM', '1'), ('refugees_hosted', 'GCR', """
        """'1'),
        ('sdg_10_7_3', 'SDG', '10.7')"""
    )
    rows = [
        ("migrant_stock", "AAA", None, None, 2010, "total", "", 1000.0, ["ds_stock"]),
        ("migrant_stock", "AAA", None, None, 2020, "total", "", 1500.0, ["ds_stock"]),
        ("migrant_stock", "AAA", None, None, 2020, "female", "", 700.0, ["ds_stock"]),
        ("migrant_stock", "AAA", None, None, 2020, "male", "", 800.0, ["ds_stock"]),
        ("migrant_share_of_population", "AAA", None, None, 2020, "total", "", 1.5, ["ds_stock"]),
        ("emigrant_stock", "BBB", None, None, 2020, "total", "", 1200.0, ["ds_stock"]),
        ("corridor_stock", None, "BBB", "AAA", 2020, "total", "", 1200.0, ["ds_stock"]),
        ("corridor_stock", None, "BBB", "AAA", 2010, "total", "", 900.0, ["ds_stock"]),
        ("sdg_10_7_3", "REG", None, None, 2023, "total", "Sea route", 42.0, ["ds_deaths"]),
        ("sdg_10_7_3", "REG", None, None, 2023, "total", "", 42.0, ["ds_deaths"]),
    ]
    for indicator, area, origin, destination, year, sex, category, value, sources in rows:
        con.execute(
            """INSERT INTO indicator_value (indicator, area, origin, destination, year, period, sex, age, category,
            value, status, sources) VALUES (?, ?, ?, ?, ?, '', ?, 'total', ?, ?, 'reported', ?)""",
            [indicator, area, origin, destination, year, sex, category, value, sources],
        )
    con.close()
    (releases / "CURRENT").write_text(RELEASE_ID + "\n", encoding="utf-8")
    return Settings(home=home, mirror=None)


@pytest.fixture(scope="session")
def tiny_release(tmp_path_factory) -> Settings:
    return make_tiny_release(tmp_path_factory.mktemp("tiny-publish-home"))


class NumberSpans(HTMLParser):
    """Collects the data-* attributes of every <span class="num ..."> of an HTML page."""

    def __init__(self):
        super().__init__()
        self.spans: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "span" and "num" in (attributes.get("class") or "").split():
            self.spans.append({k[5:]: v for k, v in attributes.items() if k.startswith("data-")})


def html_numbers(page: str) -> list[dict]:
    parser = NumberSpans()
    parser.feed(page)
    return parser.spans


def release_value(con: duckdb.DuckDBPyConnection, figure: dict) -> list[tuple]:
    """(value, sources) of the release row a published figure names (JSON dict or HTML data-* attributes)."""

    def get(name):
        value = figure.get(name)
        return None if value in (None, "") and name in {"area", "origin", "destination", "year"} else value

    year = get("year")
    key = [
        get("area"),
        get("origin"),
        get("destination"),
        None if year is None else int(year),
        figure.get("period") or "",
        figure.get("sex") or "total",
        figure.get("age") or "total",
        figure.get("category") or "",
    ]
    where = (
        "area IS NOT DISTINCT FROM ? AND origin IS NOT DISTINCT FROM ? AND destination IS NOT DISTINCT FROM ? "
        "AND year = ? AND period = ? AND sex = ? AND age = ? AND category = ?"
    )
    kind = figure.get("origin_kind") or figure.get("origin-kind")
    if kind == "indicator":
        # A value of an earlier edition (a profile's revision table) is traced to indicator_value_revision.
        values = "(SELECT * FROM indicator_value UNION ALL SELECT * FROM indicator_value_revision)"
        result = con.execute(
            f"SELECT value, sources FROM {values} WHERE indicator = ? AND revision IS NOT DISTINCT FROM ? AND {where}",
            [figure["key"], figure.get("revision") or None, *key],
        )
    else:
        sources = figure["sources"] if isinstance(figure["sources"], list) else figure["sources"].split()
        result = con.execute(
            f"SELECT value, [dataset_id] FROM observation WHERE measure_id = ? AND dataset_id = ? AND {where}",
            [figure["key"], sources[0], *key],
        )
    return result.fetchall()


def assert_traceable(con: duckdb.DuckDBPyConnection, figure: dict) -> None:
    """A shown number equals the release's value for its key, with the same sources; a missing one has a reason."""
    value = figure.get("value")
    if value in (None, ""):
        assert figure.get("reason"), f"missing figure without a reason: {figure}"
        return
    rows = release_value(con, figure)
    assert len(rows) == 1, f"expected exactly one release row for {figure}, found {rows}"
    sources = figure["sources"] if isinstance(figure["sources"], list) else figure["sources"].split()
    assert float(value) == rows[0][0], f"{figure['key']}: published {value} but the release has {rows[0][0]}"
    assert sorted(sources) == sorted(rows[0][1]), f"{figure['key']}: sources {sources} differ from {rows[0][1]}"
