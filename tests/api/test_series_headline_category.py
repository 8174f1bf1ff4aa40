"""One number per place and year shows the declared category: the headline, all categories, then catalogue order."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import duckdb
import pytest

from observatory.api.queries.catalogue import find_series
from observatory.api.queries.series import category_order, collapsed, declared_labels
from observatory.api.release_cache import ReleaseHandle
from observatory.indicators.spec import get_indicator, load_catalogue
from observatory.warehouse import releases

# indicator id -> (headline category, labels in display order, categories held) for the tiny release.
CODED = {
    "declared_order": (None, {"B": "second letter", "A": "first letter"}, ["A", "B", "Z"]),
    "declared_headline": ("A", {"B": "second letter", "A": "first letter"}, ["A", "B"]),
    "with_total": (None, {"B": "second letter"}, ["", "B"]),
    "undeclared": (None, {}, ["Z", "Y"]),
    "headline_without_total": ("B", {"": "all", "B": "second letter"}, ["", "B"]),
}

MEASURE_OF = {"declared_order": ["coded_measure"]}  # the indicator whose labels explain the measure's codes


def _tiny_release(path: Path) -> None:
    """A release holding coded indicators and one coded measure, written straight from schema.sql."""
    con = duckdb.connect(str(path))
    try:
        con.execute((resources.files("observatory.warehouse") / "schema.sql").read_text(encoding="utf-8"))
        for indicator, (headline, labels, categories) in CODED.items():
            con.execute(
                "INSERT INTO indicator (id, title, definition, unit, kind, level, headline_category, category_labels, "
                "category_measures) VALUES (?, 'Coded', 'A coded series.', 'persons', 'count', 'area', ?, ?, ?)",
                [indicator, headline, json.dumps(labels) if labels else None, MEASURE_OF.get(indicator)],
            )
            for position, category in enumerate(categories):
                con.execute(
                    "INSERT INTO indicator_value (indicator, area, year, period, sex, age, category, value, status, "
                    "sources) VALUES (?, 'FRA', 2020, '', 'total', 'total', ?, ?, 'reported', ['tiny'])",
                    [indicator, category, 10.0 * (position + 1)],
                )
        con.execute(
            "INSERT INTO dataset (id, title, publisher, producer, version_producer, retrieved_at, licence, "
            "citation_full, repackaged, row_count) VALUES ('tiny', 'Tiny', 'Test', 'Test', 'v1', "
            "TIMESTAMP '2026-01-01', 'CC BY 4.0', 'Test (2026).', false, 3)"
        )
        con.execute(
            "INSERT INTO measure (id, dataset_id, label, kind, unit, definition, level, status) VALUES "
            "('coded_measure', 'tiny', 'Coded measure', 'count', 'persons', 'Coded.', 'area', 'reported')"
        )
        for position, category in enumerate(["A", "B", "Z"]):
            con.execute(
                "INSERT INTO observation (dataset_id, measure_id, area, year, period, sex, age, category, value, "
                "status) VALUES ('tiny', 'coded_measure', 'FRA', 2020, '', 'total', 'total', ?, ?, 'reported')",
                [category, 100.0 * (position + 1)],
            )
    finally:
        con.close()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = tmp_path_factory.mktemp("coded") / "r20260101T000000Z.duckdb"
    _tiny_release(path)
    opened = ReleaseHandle("r20260101T000000Z", path, duckdb.connect(str(path), read_only=True))
    yield opened
    opened.close()


@pytest.mark.parametrize(
    ("indicator", "category", "value"),
    [
        ("declared_order", "B", 20.0),  # the first declared code, not the alphabet's first (A) or the last (Z)
        ("declared_headline", "A", 10.0),
        ("with_total", "", 10.0),
        ("undeclared", "Y", 20.0),  # nothing declared: the order is only stable
        ("headline_without_total", "B", 20.0),  # a declared headline leads over the all-categories value
    ],
)
def test_the_collapsed_value_is_the_declared_category(tiny, indicator, category, value):
    rows = collapsed(tiny, find_series(tiny, indicator))
    assert [(r["category"], r["value"]) for r in rows] == [(category, value)]


def test_a_measure_is_collapsed_in_the_order_its_indicator_declares(tiny):
    series = find_series(tiny, "coded_measure")
    assert declared_labels(tiny, series) == {"B": "second letter", "A": "first letter"}
    assert [(r["category"], r["value"]) for r in collapsed(tiny, series)] == [("B", 200.0)]


def test_the_category_order_puts_the_headline_then_the_total_then_the_declared_codes(tiny):
    assert category_order(tiny, find_series(tiny, "declared_headline")) == ["A", "", "B"]
    assert category_order(tiny, find_series(tiny, "undeclared")) == [""]


@pytest.fixture(scope="module")
def handle(real_release):
    release = releases.require_current(real_release)
    opened = ReleaseHandle(release.release_id, release.path, releases.open_read_only(release.path))
    yield opened
    opened.close()


def _by_year(rows: list[dict]) -> dict[int, tuple[str, float]]:
    return {r["year"]: (r["category"], r["value"]) for r in rows}


def test_mexico_usa_applications_collapse_to_new_applications_not_appeals(handle):
    """UNHCR: 53,985 new applications and 480 appeals (code A) by Mexicans in the USA in 2024."""
    series = find_series(handle, "unhcr_asylum_applications")
    rows = collapsed(handle, series, origin="MEX", destination="USA")
    assert _by_year(rows)[2024] == ("N", 53985)


def test_decisions_collapse_to_first_instance(handle):
    series = find_series(handle, "unhcr_asylum_decisions_total")
    assert {r["category"] for r in collapsed(handle, series, destination="DEU")} == {"FI"}


def test_every_declared_series_collapses_to_its_first_declared_category(handle, con):
    """Each coded indicator and labelled measure collapses to the first category of its declared order it holds."""
    checked = 0
    for spec in load_catalogue():
        if not (spec.category_labels or spec.headline_category):
            continue
        for series_id in (spec.id, *(spec.inputs if spec.category_labels else ()), *spec.labelled_measures):
            series = find_series(handle, series_id)
            if series is None:
                continue
            table, column = (
                ("indicator_value", "indicator") if series.kind == "indicator" else ("observation", "measure_id")
            )
            held = {
                r[0]
                for r in con.execute(
                    f"SELECT DISTINCT category FROM {table} WHERE {column} = ?", [series_id]
                ).fetchall()
            }
            if not held:
                continue
            order = [
                *([spec.headline_category] if series.kind == "indicator" and spec.headline_category else []),
                "",
                *spec.category_labels,
            ]
            expected = next((c for c in order if c in held), min(held))
            shown = {r["category"] for r in collapsed(handle, series)}
            assert shown <= {expected}, (series_id, expected, shown)
            checked += 1
    assert checked >= 10
    assert get_indicator("corridor_flow").headline_category == "da_pb_closed"
