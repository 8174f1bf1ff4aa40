"""Every page template in headless Chromium: axe-core finds no WCAG 2.1 A/AA violation, no page scrolls sideways at
360 or 390 px, and the compare controls work from the keyboard."""

from __future__ import annotations

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = [pytest.mark.mirror, pytest.mark.slow]

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
CLAIM = "/claims?claim=Most+African+migrants+go+to+Europe"
# One URL per template and per state a template draws differently (empty form, results, each view).
TEMPLATES = [
    ("/", "home"),
    ("/countries", "countries"),
    ("/countries/DEU", "country"),
    ("/countries/DEU?compare=FRA,ITA,WLD", "country-compare"),
    ("/indicators", "indicators"),
    ("/indicators/migrant_stock", "indicator-map"),
    ("/indicators/migrant_stock?compare=DEU,FRA,ITA&view=chart", "indicator-chart"),
    ("/indicators/migrant_stock?compare=DEU&view=table&scale=per_capita", "indicator-table"),
    ("/indicators/migrant_stock?view=sources&scale=share", "indicator-sources"),
    ("/indicators/corridor_stock", "indicator-corridor"),
    ("/frameworks", "frameworks"),
    ("/frameworks/GCM", "framework"),
    ("/evidence", "evidence"),
    ("/evidence?q=remittances", "evidence-search"),
    ("/reports", "reports"),
    ("/sources", "sources"),
    ("/corridors", "corridors"),
    ("/corridors?origin=SYR", "corridors-ranking"),
    ("/corridors?origin=MEX&destination=USA", "corridor"),
    ("/claims", "claims"),
    (CLAIM, "claims-read"),
    (CLAIM + "&measure=migrant_stock&origin=CONT_AFRICA&destination=CONT_EUROPE&scheme=un_region", "claims-result"),
    ("/countries/nowhere-at-all", "error"),
    ("/api/docs", "api-docs"),
]
# Pages of the publications module (findings, gap map): part of every portal, checked the same way.
LATER_TEMPLATES = [("/findings", "findings"), ("/gaps", "gaps")]


def _open(tab, url: str) -> None:
    """Load a page and wait until its charts (or the API documentation) are drawn."""
    tab.goto(url)
    if tab.locator("[data-spec-id]").count():
        tab.wait_for_selector("[data-spec-id][data-rendered]", timeout=20000)
        tab.wait_for_function(
            "[...document.querySelectorAll('[data-spec-id]')].every(c => c.hasAttribute('data-rendered'))",
            timeout=20000,
        )
    if tab.locator("#swagger-ui[data-openapi-url]").count():
        tab.wait_for_selector("#swagger-ui[data-rendered] .opblock", timeout=20000)


def _violations(tab) -> list[str]:
    """axe-core's WCAG 2.1 A and AA violations, one line per element."""
    found = Axe().run(tab, options=AXE_OPTIONS).response["violations"]
    return [f"{v['id']} ({v['impact']}): {node['target']}" for v in found for node in v["nodes"]]


def _overflow(tab) -> list[str]:
    """Elements reaching past the right edge of the viewport (what makes a phone page scroll sideways)."""
    return tab.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            if (document.documentElement.scrollWidth <= width + 1) return [];
            return [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest('.table-wrap'))
                .slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + e.className);
        }"""
    )


def _templates(portal_url: str) -> list[tuple[str, str]]:
    """The templates to check. A page that fails is a failure here, never a page left out; only the gap map may
    answer 404 (its answer when the home has no evidence library, as this test portal's has not)."""
    checked = list(TEMPLATES)
    for path, name in LATER_TEMPLATES:
        status = httpx.get(portal_url + path, timeout=60).status_code
        assert status == 200 or (path == "/gaps" and status == 404), f"{path} answered {status}"
        if status == 200:
            checked.append((path, name))
    return checked


@pytest.mark.parametrize("width", [1280, 390, 360])
def test_no_accessibility_violation_and_no_sideways_scroll(browser, portal_url, shoot_page, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, is_mobile=width < 500)
    tab = context.new_page()
    problems = {}
    for path, name in _templates(portal_url):
        _open(tab, portal_url + path)
        found = _violations(tab) if width != 390 else []  # axe at the widest and the narrowest width
        found += [f"wider than {width} px: {e}" for e in _overflow(tab)]
        if found:
            problems[path] = found
        if name in ("home", "country-compare", "indicator-chart", "corridor", "claims-result", "api-docs"):
            shoot_page(tab, f"a11y-{name}-{width}")
    context.close()
    assert not problems, problems


def test_compare_controls_work_from_the_keyboard(page, portal_url):
    page.goto(portal_url + "/indicators/migrant_stock?compare=DEU,FRA&view=chart")
    reached = []
    for _ in range(80):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()"))
        if reached[-1] == "add":
            break
    assert "add" in reached and reached.count("×") == 2, reached  # each chosen area's remove link, then the select
    page.keyboard.press("End")  # the last option of the focused select (a country)
    chosen = page.locator("#add").input_value()
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(f"**compare=DEU,FRA,{chosen}**")
    outline = page.evaluate(
        "() => { const a = document.querySelector('.view-tabs a'); a.focus(); "
        "return getComputedStyle(a).outlineStyle; }"
    )
    assert outline == "solid", "keyboard focus is visible"
