"""Publications from a full release built from the real mirror: every number traced to the indicator engine's values."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pypdf
import pytest

from observatory.publish import render
from observatory.publish.brief import corridor_brief, country_brief
from observatory.publish.corridor import corridor_profile
from observatory.publish.data import ReleaseData
from observatory.publish.profile import country_profile
from observatory.publish.report import build_report
from observatory.warehouse.releases import connect

from .conftest import assert_traceable, html_numbers

pytestmark = [pytest.mark.mirror, pytest.mark.slow]
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "thematic-report" / "outline.yml"


@pytest.fixture(scope="module")
def data(real_release):
    reader = ReleaseData.open(real_release)
    yield reader
    reader.close()


@pytest.fixture(scope="module")
def con(real_release):
    _, connection = connect(real_release)
    yield connection
    connection.close()


@pytest.mark.parametrize("code", ["MEX", "TUV", "SSD"])
def test_profile_numbers_equal_the_indicator_engine(data, con, code):
    document = country_profile(data, code)
    payload = json.loads(render.to_json(document))
    assert payload["figures"], "the document shows no figure"
    for figure in payload["figures"]:
        assert_traceable(con, figure)
    spans = html_numbers(render.to_html(document))
    assert spans, "the page shows no number"
    assert len(spans) == len(payload["figures"]) - sum(
        len(b["figures"]) for s in payload["sections"] for b in s["blocks"] if b["type"] == "chart"
    )
    for span in spans:
        assert_traceable(con, span)
    present = [f for f in payload["figures"] if f["value"] is not None]
    assert present and all(f["sources"] for f in present)
    assert {"migrant_stock", "emigrant_stock", "population"} <= {f["key"] for f in present}


@pytest.mark.parametrize("code", ["MEX", "NPL", "DEU", "SYR"])
def test_every_section_of_a_profile_shows_one_value_per_key(data, code):
    (
        """The same indicator, place, period and breakdown never shows two numbers in one profile (flows section vs """
        """monitoring
    table, at-a-glance vs charts); an indicator with a declared headline method shows that method when none is """
        """named."""
    )
    payload = json.loads(render.to_json(country_profile(data, code)))
    seen: dict[tuple, set] = {}
    assert payload["figures"], "the document shows no figure"
    for figure in payload["figures"]:
        if figure["value"] is None:
            continue
        key = tuple(
            figure[k]
            for k in (
                "origin_kind",
                "key",
                "area",
                "origin",
                "destination",
                "year",
                "period",
                "sex",
                "age",
                "category",
                "revision",
            )
        )
        seen.setdefault(key, set()).add(round(figure["value"], 9))
    assert {key: values for key, values in seen.items() if len(values) > 1} == {}
    headline = {i: meta["headline_category"] for i, meta in data.indicators.items() if meta.get("headline_category")}
    shown = {(f["key"], f["category"]) for f in payload["figures"] if f["key"] in headline and f["value"] is not None}
    assert shown and all(category == headline[key] for key, category in shown), shown


def test_profile_shows_the_latest_revision_and_where_it_changed_earlier_years(data):
    document = country_profile(data, "DEU")
    payload = json.loads(render.to_json(document))
    stock = next(
        f
        for f in payload["figures"]
        if f["key"] == "migrant_stock" and f["sex"] == "total" and f["label"].startswith("International")
    )
    assert stock["year"] == 2024 and stock["sources"] == ["undesa_ims_2024_bilateral"]
    html = render.to_html(document)
    assert "years the latest edition revised by more than 2 %" in html
    changes = data.revision_changes("migrant_stock", "DEU")
    assert changes and all(abs(latest.value - earlier.value) > 0.02 * earlier.value for latest, earlier in changes)


def test_small_country_profile_reads_sensibly(data):
    markdown = render.to_markdown(country_profile(data, "TUV"))
    assert "# Migration Profile: Tuvalu" in markdown
    assert "no data (no source in this release reports it for Tuvalu)" in markdown
    assert "## Data gaps" in markdown and "## Sources annex" in markdown
    assert "nan" not in markdown.lower().split()


def test_country_profile_sections_and_sources(data):
    document = country_profile(data, "SSD")
    html = render.to_html(document)
    for title in (
        "At a glance",
        "Development and demographic context",
        "Immigrants",
        "Emigrants",
        "Refugees and asylum",
        "Internal displacement",
        "Migration flows",
        "Impact: remittances",
        "Monitoring: SDG, GCM and GCR indicators",
        "Related evidence",
        "Data gaps",
        "Sources annex",
    ):
        assert f">{title}</h" in html
    cited = {int(n) for n in re.findall(r'href="#src-(\d+)"', html)}
    assert cited == set(range(1, len(document.meta["datasets"]) + 1))


@pytest.mark.parametrize("kind", ["MEX", "SSD", "SYR-DEU"])
def test_brief_is_at_most_two_a4_pages_with_three_to_five_messages(data, con, tmp_path, kind):
    document = corridor_brief(data, *kind.split("-")) if "-" in kind else country_brief(data, kind)
    messages = document.section("messages").blocks[0].items
    assert 3 <= len(messages) <= 5
    assert all(any(hasattr(part, "sources") and part.sources for part in message) for message in messages)
    payload = json.loads(render.to_json(document))
    assert payload["figures"], "the document shows no figure"
    for figure in payload["figures"]:
        assert_traceable(con, figure)
    charts = [b for s in payload["sections"] for b in s["blocks"] if b["type"] == "chart"]
    assert len(charts) >= 2
    out = render.write(document, "pdf", tmp_path / f"{kind}.pdf", layout="brief")
    pages = pypdf.PdfReader(out).pages
    assert 1 <= len(pages) <= 2
    assert round(float(pages[0].mediabox.width)) == 595 and round(float(pages[0].mediabox.height)) == 842


def test_corridor_profile_is_organised_as_causes_costs_benefits(data, con):
    document = corridor_profile(data, "MEX", "USA")
    ids = [s.id for s in document.sections]
    assert ids == [
        "at-a-glance",
        "corridor",
        "stock",
        "flows",
        "asylum",
        "causes",
        "costs",
        "benefits",
        "evidence",
        "gaps",
        "sources",
    ]
    payload = json.loads(render.to_json(document))
    assert payload["figures"], "the document shows no figure"
    for figure in payload["figures"]:
        assert_traceable(con, figure)
    keys = {f["key"] for f in payload["figures"] if f["value"] is not None}
    assert {
        "corridor_stock",
        "corridor_flow",
        "sdg_10_c_1",
        "sdg_10_7_3",
        "remittances_received_usd",
        "remittances_paid_usd",
        "gdp_per_capita_ppp",
        "human_development_index",
        "remittances_bilateral_usd",
        "irregular_border_crossings",
        "sdg_10_7_3_nationality",
        "fragility_index",
        "brain_drain_index",
    } <= keys
    stock = next(f for f in payload["figures"] if f["key"] == "corridor_stock" and f["sex"] == "total")
    assert stock["year"] == 2024
    bilateral = next(f for f in payload["figures"] if f["key"] == "remittances_bilateral_usd")
    assert bilateral["status"] == "modelled" and bilateral["origin"] == "MEX" and bilateral["destination"] == "USA"
    assert "not published as data" not in render.to_html(document)


def test_example_thematic_report_builds(data, con, tmp_path):
    document = build_report(data, EXAMPLE)
    html = render.to_html(document)
    assert "{{" not in html and ":::" not in html
    figures = [int(n) for n in re.findall(r"<figcaption><span class=\"label\">Figure\u00a0(\d+)\.", html)]
    tables = [int(n) for n in re.findall(r"<caption><span class=\"label\">Table\u00a0(\d+)\.", html)]
    assert figures == list(range(1, 6)) and tables == [1]
    assert "Figure 1 shows how the number" in html
    payload = json.loads(render.to_json(document))
    assert payload["figures"], "the document shows no figure"
    for figure in payload["figures"]:
        assert_traceable(con, figure)
    assert document.references and document.section("sources").blocks
    out = render.write(document, "pdf", tmp_path / "report.pdf")
    assert len(pypdf.PdfReader(out).pages) >= 3


def test_brief_says_which_way_the_money_goes(data):
    """Received is what the country's people abroad send to it; paid is what migrants in it send out (Germany 2023)."""
    from observatory.publish.brief import country_messages

    message = next(
        m for m in country_messages(data, "DEU") if any(getattr(p, "key", "") == "remittances_received_usd" for p in m)
    )
    text = "".join(p if isinstance(p, str) else f"<{p.key}>" for p in message)
    assert text.startswith("Germany received <remittances_received_usd> in remittances")
    assert "migrants living in Germany sent <remittances_paid_usd> to other countries" in text
    received, paid = (
        next(p for p in message if getattr(p, "key", "") == k)
        for k in ("remittances_received_usd", "remittances_paid_usd")
    )
    assert received.year == paid.year == 2023 and paid.value > received.value * 0.5
