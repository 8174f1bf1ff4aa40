"""Profiles, briefs and reports on a tiny hand-made release: numbers traceable, gaps explained, structure complete."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from observatory.publish import render
from observatory.publish.data import PublishError, ReleaseData
from observatory.publish.figures import Figure, display, format_number
from observatory.publish.profile import country_profile
from observatory.warehouse.releases import connect

from .conftest import assert_traceable, html_numbers

PROFILE_SECTIONS = [
    "at-a-glance",
    "context",
    "trends",
    "immigrants",
    "emigrants",
    "refugees",
    "displacement",
    "flows",
    "impact",
    "monitoring",
    "evidence",
    "gaps",
    "sources",
]


@pytest.fixture(scope="module")
def data(tiny_release):
    reader = ReleaseData.open(tiny_release)
    yield reader
    reader.close()


@pytest.fixture(scope="module")
def profile_aaa(data):
    return country_profile(data, "AAA")


def test_numbers_format_for_their_unit():
    assert format_number(1234567, "persons") == "1.23 million"
    assert format_number(1234, "persons") == "1,234"
    assert format_number(4.149, "percent of GDP") == "4.1 %"
    assert format_number(2.5e9, "current USD") == "US$ 2.50 billion"
    assert display(Figure(label="x", origin_kind="indicator", key="x", reason="none")) == "no data"
    assert (
        display(Figure(label="x", origin_kind="indicator", key="x", value=3, status="minimum", unit="persons"))
        == "at least 3"
    )


def test_profile_has_every_section(profile_aaa):
    assert [s.id for s in profile_aaa.sections] == PROFILE_SECTIONS


def test_profile_json_numbers_equal_the_release(tiny_release, profile_aaa):
    payload = json.loads(render.to_json(profile_aaa))
    present = [f for f in payload["figures"] if f["value"] is not None]
    assert {f["key"] for f in present} >= {
        "migrant_stock",
        "migrant_share_of_population",
        "corridor_stock",
        "sdg_10_7_3",
    }
    _, con = connect(tiny_release)
    with con:
        assert payload["figures"], "the document shows no figure"
        for figure in payload["figures"]:
            assert_traceable(con, figure)
    assert payload["sources"] == ["ds_stock", "ds_deaths"]
    assert [d["id"] for d in payload["meta"]["datasets"]] == ["ds_stock", "ds_deaths"]


def test_profile_html_numbers_equal_the_release(tiny_release, profile_aaa):
    page = render.to_html(profile_aaa)
    spans = html_numbers(page)
    assert len(spans) > 20
    _, con = connect(tiny_release)
    with con:
        for span in spans:
            assert_traceable(con, span)
    assert 'id="src-1"' in page and 'id="src-2"' in page
    assert "Migrants recorded dead or missing in Tiny Region" in page


def test_missing_data_says_no_data_with_reason_never_zero(profile_aaa):
    payload = json.loads(render.to_json(profile_aaa))
    missing = [f for f in payload["figures"] if f["value"] is None]
    assert missing and all(f["reason"] for f in missing)
    markdown = render.to_markdown(profile_aaa)
    assert "| Refugees hosted | no data |" in markdown
    assert "no source in this release reports it for Aland of Plenty" in markdown
    assert "**0**" not in markdown


def test_tables_and_figures_are_numbered_in_order(profile_aaa):
    page = render.to_html(profile_aaa)
    tables = [int(n) for n in re.findall(r'<caption><span class="label">Table\u00a0(\d+)\.</span>', page)]
    figures = [int(n) for n in re.findall(r'<figcaption><span class="label">Figure\u00a0(\d+)\.</span>', page)]
    assert page.count("<caption>") >= len(tables) > 0, "the tiny profile numbers its tables"
    assert tables == list(range(1, len(tables) + 1)) and figures == list(range(1, len(figures) + 1))
    assert figures, "the tiny profile draws at least the immigrant chart"


def test_unknown_country_is_an_error(data):
    with pytest.raises(PublishError, match="unknown area 'ZZZ'"):
        country_profile(data, "ZZZ")


def test_formats_write_files(tmp_path, profile_aaa):
    for fmt in ("html", "md", "json"):
        path = render.write(profile_aaa, fmt, tmp_path / f"aaa.{fmt}")
        assert Path(path).stat().st_size > 1000
    with pytest.raises(ValueError, match="PDF needs --out"):
        render.write(profile_aaa, "pdf", None)
