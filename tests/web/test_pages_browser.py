(
    """Every page type in real headless Chromium: charts draw, tables and sources are there, the explorer and the """
    """claim check work."""
)

from __future__ import annotations

import pytest

from observatory.web.templating import number

pytestmark = [pytest.mark.mirror, pytest.mark.slow]

PAGES = [
    ("/", "home", "Key global figures"),
    ("/countries", "countries", "Countries and territories"),
    ("/countries/DEU", "country", "Germany: migration profile"),
    ("/indicators", "indicators", "Indicators and statistics"),
    ("/indicators/migrant_stock", "indicator", "International migrant stock"),
    ("/indicators/corridor_stock", "indicator-corridor", "corridor"),
    ("/frameworks", "frameworks", "Monitoring frameworks"),
    ("/frameworks/GCM", "framework-gcm", "Global Compact"),
    ("/evidence?q=remittances", "evidence", "Evidence library"),
    ("/reports", "reports", "Reports and briefs"),
    ("/sources", "sources", "Sources and provenance"),
    ("/corridors?origin=SYR", "corridors-ranking", "Largest corridors"),
]


@pytest.mark.parametrize(("path", "name", "heading"), PAGES, ids=[p[1] for p in PAGES])
def test_page_renders(page, portal_url, path, name, heading, shoot_page):
    page.goto(portal_url + path)
    assert heading.lower() in page.locator("main").inner_text().lower()
    assert page.locator("h1").count() == 1
    if page.locator("[data-spec-id]").count():
        page.wait_for_selector("[data-rendered]", timeout=15000)
        charts = page.locator("figure.chart").all()
        assert charts, "a page with chart specs shows no chart"
        for figure in charts:
            assert figure.locator("table").count() == 1, "every chart has a data table"
            assert figure.locator(".chart-canvas").get_attribute("aria-label"), "every chart has a text alternative"
    footer = page.locator("footer").inner_text()
    assert "Data release r" in footer and "Permalink" in footer
    shoot_page(page, name)
    assert not page.problems, page.problems


def test_corridor_explorer_click_through(page, portal_url, shoot_page):
    page.goto(portal_url + "/corridors")
    page.select_option("#origin", "MEX")
    page.select_option("#destination", "USA")
    page.get_by_role("button", name="Show corridor").click()
    page.wait_for_url("**/corridors?origin=MEX&destination=USA")
    assert page.locator("h1").inner_text() == "Corridor: Mexico → United States"
    page.wait_for_selector("[data-rendered]", timeout=15000)
    assert "of all emigrants from Mexico" in page.locator("main").inner_text()
    page.get_by_role("link", name="Reverse direction").click()
    page.wait_for_url("**/corridors?origin=USA&destination=MEX")
    shoot_page(page, "corridor-usa-mex")
    page.goto(portal_url + "/corridors?origin=MEX&destination=USA")
    page.wait_for_selector("[data-rendered]", timeout=15000)
    shoot_page(page, "corridor-mex-usa")
    assert not page.problems, page.problems


def test_claim_check_click_through(page, portal_url, shoot_page):
    page.goto(portal_url + "/claims")
    page.fill("#claim", "Most African migrants go to Europe")
    with page.expect_navigation():
        page.get_by_role("button", name="Read my claim").click()
    page.wait_for_selector(".statement")
    assert page.locator("#origin").input_value() == "CONT_AFRICA"
    assert page.locator("#destination").input_value() == "CONT_EUROPE"
    with page.expect_navigation():
        page.get_by_role("button", name="Show the data").click()
    page.wait_for_selector("[data-rendered]", timeout=15000)
    statement = page.locator(".statement").inner_text()
    assert "Africa" in statement and "Europe accounted for" in statement
    assert page.locator("h1").inner_text() == "Check a claim"
    assert "measure=" in page.url, "the confirmed view has a permalink"
    assert "United Nations" in page.locator("footer").inner_text()
    shoot_page(page, "claim-africa-europe")
    page.select_option("#scheme", "sdg_region")
    with page.expect_navigation():
        page.get_by_role("button", name="Show the data").click()
    page.wait_for_selector("[data-rendered]", timeout=15000)
    assert "Sub-Saharan Africa" in page.locator(".result > .table-wrap").inner_text()
    assert not page.problems, page.problems


def test_keyboard_and_phone(browser, portal_url, shoot_page):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    tab = context.new_page()
    tab.goto(portal_url + "/countries/SEN")
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.className") == "skip"
    tab.keyboard.press("Enter")
    assert tab.evaluate("location.hash") == "#main"
    assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (
        "no sideways scrolling on a phone"
    )
    tab.wait_for_selector("[data-rendered]", timeout=15000)
    shoot_page(tab, "country-phone")
    context.close()


def test_number_formatting():
    assert number(8_524_876, "persons") == "8.52 million"
    assert number(13.1, "percent") == "13.1%"
    assert number(790.8e9, "current USD") == "USD 790.80 billion"
    assert number(None) == "–"
