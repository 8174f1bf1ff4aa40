"""Comparison in the browser: a reader puts three countries on one chart, the URL carries them, the views switch,
and every view downloads as CSV (with release and sources), JSON metadata, SVG and PNG."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pytest

pytestmark = [pytest.mark.mirror, pytest.mark.slow]


def _legend(tab) -> list[str]:
    """The series names in the drawn legend of the first chart."""
    return tab.locator("figure.chart").first.locator(".role-legend-label text").all_text_contents()


def test_three_countries_on_one_chart_chosen_by_the_reader(page, portal_url, shoot_page):
    page.goto(portal_url + "/indicators/migrant_stock")
    for code in ("DEU", "FRA", "ITA"):
        page.select_option("#add", code)
        with page.expect_navigation():
            page.get_by_role("button", name="Add to the chart").click()
    assert "compare=DEU,FRA,ITA" in page.url
    page.get_by_role("navigation", name="Views of this indicator").get_by_role("link", name="Chart").click()
    page.wait_for_url("**view=chart**")
    page.wait_for_selector("figure.chart [data-rendered]", timeout=20000)
    assert _legend(page) == ["Germany", "France", "Italy"]
    alt = page.locator("figure.chart .chart-canvas").first.get_attribute("aria-label")
    assert "Latest values: Germany" in alt and "Italy" in alt
    assert page.locator("figure.chart").first.locator("tbody tr").count() >= 3 * 7  # 1990–2024 for each
    shoot_page(page, "compare-three-countries")
    shared = page.url
    page.goto(portal_url + "/")
    page.goto(shared)  # the URL alone gives the same chart
    page.wait_for_selector("figure.chart [data-rendered]", timeout=20000)
    assert _legend(page) == ["Germany", "France", "Italy"]
    page.get_by_role("link", name="Remove France").click()
    page.wait_for_url("**compare=DEU,ITA**")
    assert not page.problems, page.problems


def test_views_years_and_scales(page, portal_url, shoot_page):
    base = portal_url + "/indicators/migrant_stock?compare=DEU,FRA,ITA"
    page.goto(base + "&view=map")
    page.wait_for_selector("[data-rendered]", timeout=20000)
    assert page.locator("nav.view-tabs [aria-current=page]").inner_text() == "Map"
    year = int(page.locator("#year").input_value())
    page.locator("a[rel=prev]").click()
    page.wait_for_url("**year=**")
    assert int(page.locator("#year").input_value()) < year
    page.get_by_role("navigation", name="Views of this indicator").get_by_role("link", name="Table").click()
    page.wait_for_url("**view=table**")
    assert page.locator("table caption").first.inner_text().startswith("International migrant stock")
    assert page.locator("tr.focus").count() == 3  # the compared countries stand out in the ranking
    page.check("input[name=scale][value=per_capita]")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    assert "scale=per_capita" in page.url and "per 1,000 inhabitants" in page.locator("main").inner_text()
    shoot_page(page, "compare-table-per-capita")
    page.get_by_role("navigation", name="Views of this indicator").get_by_role("link", name="Sources").click()
    page.wait_for_url("**view=sources**")
    assert "United Nations" in page.locator("main").inner_text()
    assert not page.problems, page.problems


def test_country_page_compares_with_other_areas(page, portal_url, shoot_page):
    page.goto(portal_url + "/countries/DEU")
    page.select_option("#compare-add", "FRA")
    with page.expect_navigation():
        page.locator("#compare-heading ~ form button").click()
    page.select_option("#compare-add", "WLD")
    with page.expect_navigation():
        page.locator("#compare-heading ~ form button").click()
    assert "compare=FRA,WLD" in page.url
    page.wait_for_selector("#compare-heading ~ figure [data-rendered]", timeout=20000)
    assert page.locator("#compare-heading ~ figure .role-legend-label text").all_text_contents() == [
        "Germany",
        "France",
        "World",
    ]
    shoot_page(page, "country-compare")
    page.get_by_role("link", name="Map, table, per-inhabitant and share views of this comparison").click()
    page.wait_for_url("**/indicators/**compare=DEU,FRA,WLD**")
    assert not page.problems, page.problems


def test_every_view_downloads_with_its_metadata(portal_url):
    view = "/indicators/migrant_stock?compare=DEU,FRA,ITA&view=chart&scale=share"
    with httpx.Client(base_url=portal_url, timeout=120) as client:
        page = client.get(view).text
        chart_id = page.split('<figure class="chart" id="', 1)[1].split('"', 1)[0]
        files = {kind: client.get(f"{view}&download={chart_id}.{kind}") for kind in ("csv", "json", "svg", "png")}
        assert client.get(f"{view}&download=chart-0000000000.csv").status_code == 404
        assert client.get(f"{view}&download=../../etc/passwd").status_code == 404
        world_map = client.get("/indicators/migrant_stock")
        map_id = world_map.text.split('<figure class="chart" id="', 1)[1].split('"', 1)[0]
        map_svg = client.get("/indicators/migrant_stock", params={"download": f"{map_id}.svg"})
    assert {k: f.status_code for k, f in files.items()} == dict.fromkeys(files, 200)
    rows = list(csv.DictReader(io.StringIO(files["csv"].text)))
    assert {r["Area"] for r in rows} == {"Germany", "France", "Italy"}
    assert all(r["Release"].startswith("r") and "United Nations" in r["Sources"] for r in rows)
    assert all(0 < float(r["percent of the world total"]) < 10 for r in rows)
    meta = json.loads(files["json"].text)
    assert meta["view"] == view and meta["release"] == rows[0]["Release"] and meta["sources"]
    assert files["svg"].text.startswith("<svg") and "Germany" in files["svg"].text
    assert files["png"].content[:8] == b"\x89PNG\r\n\x1a\n"
    assert 'attachment; filename="' in files["png"].headers["content-disposition"]
    assert map_svg.status_code == 200 and map_svg.text.count("<path") > 100  # the world drawn from the mirror


def test_api_docs_work_offline(page, portal_url, shoot_page):
    outside = []
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(portal_url)
            else (outside.append(route.request.url), route.abort())
        ),
    )
    page.goto(portal_url + "/api/docs")
    page.wait_for_selector("#swagger-ui[data-rendered] .opblock", timeout=20000)
    assert page.locator(".opblock").count() > 20
    assert not outside, outside
    shoot_page(page, "api-docs-offline")
