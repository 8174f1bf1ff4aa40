"""The portal in Arabic, Chinese and French in headless Chromium: screenshots, no sideways scroll at 390 px, Arabic
laid out right to left, a language switcher that keeps the page, and no WCAG 2.1 A/AA violation (axe-core)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = [pytest.mark.mirror, pytest.mark.slow]

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
CLAIM = "/claims?claim=Most+African+migrants+go+to+Europe"
PAGES = [("/", "home"), ("/countries/DEU", "country"), (CLAIM, "claims")]
LANGUAGES = ("ar", "zh", "fr")


def _open(tab, url: str) -> None:
    """Load a page and wait until its charts are drawn."""
    tab.goto(url)
    if tab.locator("[data-spec-id]").count():
        tab.wait_for_function(
            "[...document.querySelectorAll('[data-spec-id]')].every(c => c.hasAttribute('data-rendered'))",
            timeout=20000,
        )


def _overflow(tab) -> list[str]:
    """Elements reaching past either edge of the viewport (what makes a phone page scroll sideways)."""
    return tab.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            if (document.documentElement.scrollWidth <= width + 1) return [];
            return [...document.querySelectorAll('body *')]
                .filter(e => { const r = e.getBoundingClientRect(); return (r.right > width + 1 || r.left < -1)
                               && !e.closest('.table-wrap'); })
                .slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + e.className);
        }"""
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pages_in_a_language_fit_a_phone(browser, portal_url, shoot_page, lang):
    """Home, Germany's page and the claim check at 390 px: the language's own text, no sideways scroll."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    tab = context.new_page()
    problems = {}
    for path, name in PAGES:
        _open(tab, f"{portal_url}/{lang}{path}")
        assert tab.evaluate("document.documentElement.lang") == lang
        expected = "rtl" if lang == "ar" else "ltr"
        assert tab.evaluate("document.documentElement.dir") == expected
        found = _overflow(tab)
        if found:
            problems[path] = found
        shoot_page(tab, f"lang-{lang}-{name}-390")
    context.close()
    assert not problems, problems


@pytest.mark.parametrize("lang", LANGUAGES)
def test_wide_screenshots(page, portal_url, shoot_page, lang):
    """The three pages at desktop width, for looking at page by page (tests/artifacts/lang-*.png)."""
    for path, name in PAGES:
        _open(page, f"{portal_url}/{lang}{path}")
        assert page.locator("h1").inner_text().strip()
        shoot_page(page, f"lang-{lang}-{name}-1280")


def test_arabic_navigation_runs_right_to_left(page, portal_url):
    """In Arabic the first navigation link (home) is the rightmost, the next one left of it; a number stays LTR."""
    _open(page, f"{portal_url}/ar/countries/DEU")
    links = page.evaluate(
        "[...document.querySelectorAll('header.site nav')[0].querySelectorAll('li')].slice(0, 2)"
        ".map(li => li.getBoundingClientRect().left)"
    )
    assert links[0] > links[1], f"home is right of the next link: {links}"
    cells = page.evaluate(
        "[...document.querySelector('table tbody tr').children].slice(0, 2).map(c => c.getBoundingClientRect().left)"
    )
    assert cells[0] > cells[1], f"the first table column is on the right: {cells}"
    assert page.locator("td.num bdi").count() > 0, "numbers are isolated from the Arabic text around them"
    assert page.evaluate("getComputedStyle(document.querySelector('.chart-canvas')).direction") == "ltr"


def test_switcher_keeps_the_page(page, portal_url):
    """From Germany's English page, the French link leads to Germany's French page, and back to English."""
    _open(page, f"{portal_url}/countries/DEU")
    with page.expect_navigation():
        page.locator('nav.languages a[hreflang="fr"]').click()
    assert page.url == f"{portal_url}/fr/countries/DEU"
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator('a[href="/fr/countries"]').count() > 0, "links of the French page stay French"
    with page.expect_navigation():
        page.locator('nav.languages a[hreflang="en"]').click()
    assert page.url == f"{portal_url}/countries/DEU"


@pytest.mark.parametrize("lang", ("ar", "fr"))
def test_no_accessibility_violation(page, portal_url, lang):
    """axe-core: no WCAG 2.1 A/AA violation on the Arabic and French home and country pages."""
    problems = {}
    for path in ("/", "/countries/DEU"):
        _open(page, f"{portal_url}/{lang}{path}")
        found = Axe().run(page, options=AXE_OPTIONS).response["violations"]
        if found:
            problems[path] = [f"{v['id']}: {node['target']}" for v in found for node in v["nodes"]]
    assert not problems, problems
