"""Publications where people look, in real headless Chromium: a country page's profile and brief links return the
documents (a PDF is a PDF), the catalogue lists what was made, the corridor page has the profile's sections."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

pytestmark = [pytest.mark.mirror, pytest.mark.slow]


def links_of(page, label: str) -> dict[str, str]:
    """Format name -> href of the 'Profile' or 'Brief' line of the publications panel."""
    item = page.locator("section.publications li", has_text=f"{label}:")
    return {a.inner_text(): a.get_attribute("href") for a in item.locator("a").all()}


def test_country_page_offers_its_profile_and_brief_and_they_work(page, portal_url, shoot_page):
    page.goto(portal_url + "/countries/SEN")
    panel = page.locator("section.publications")
    assert "data release r" in panel.inner_text() and "made when first asked for" in panel.inner_text()
    brief, profile = links_of(page, "Brief"), links_of(page, "Profile")
    assert list(brief) == list(profile) == ["PDF", "HTML", "Markdown", "JSON"]
    response = page.request.get(portal_url + brief["PDF"], timeout=120_000)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(response.body()))
    assert 1 <= len(pdf.pages) <= 2 and "Senegal" in pdf.pages[0].extract_text()
    again = page.request.get(portal_url + brief["PDF"])
    assert again.body() == response.body(), "the second request gets the kept file"
    page.get_by_role("link", name="HTML").first.click()  # the profile's HTML, in the same tab
    page.wait_for_url("**/countries/SEN/profile.html")
    assert page.locator("h1").inner_text() == "Migration Profile: Senegal"
    markdown = page.request.get(portal_url + profile["Markdown"])
    assert markdown.status == 200 and markdown.text().startswith("# Migration Profile: Senegal")
    # The browser may keep the page for a minute (release ETag); a fresh request names the brief now made.
    assert "Policy Briefs No." in page.request.get(portal_url + "/countries/SEN").text()
    shoot_page(page, "country-publications")
    assert not page.problems, page.problems


def test_reports_lists_every_made_publication(page, portal_url, shoot_page):
    page.request.get(portal_url + "/countries/MAR/brief.md", timeout=120_000)
    page.goto(portal_url + "/reports")
    table = page.locator("table.catalogue")
    assert "Morocco: migration in brief" in table.inner_text()
    page.get_by_role("link", name="Morocco: migration in brief").click()
    assert "Policy Briefs No." in page.locator("dl.facts").inner_text()
    assert page.locator("main a", has_text="MD").count() == 1
    page.goto(portal_url + "/reports?q=morocco&series=PB")
    assert page.locator("table.catalogue tbody tr").count() == 1
    feed = page.request.get(portal_url + "/api/publications/feed.atom")
    assert feed.status == 200 and "Morocco: migration in brief" in feed.text()
    shoot_page(page, "reports-catalogue")
    assert not page.problems, page.problems


def test_corridor_page_shows_what_the_corridor_profile_has(page, portal_url, shoot_page):
    page.goto(portal_url + "/corridors?origin=SYR&destination=DEU")
    page.wait_for_selector("section.profile-section")  # made after first paint when cold (portal.js loads them)
    headings = page.locator("main h2").all_inner_texts()
    for wanted in (
        "Refugees and asylum along the corridor",
        "Causes: drivers at both ends",
        "Costs: remittance prices, irregular crossings and deaths on the way",
        "Benefits: remittances",
        "Profile and brief",
        "Findings",
    ):
        assert wanted in headings, (wanted, headings)
    refugees = page.locator("section.profile-section").first
    assert refugees.locator("[data-sources*=unhcr]").count() > 0, "the UNHCR refugee series is shown with its source"
    assert "UNHCR" in page.locator("footer").inner_text()
    for chart in page.locator("figure.profile-chart").all():
        assert chart.locator("[role=img]").get_attribute("aria-label") and chart.locator("table").count() == 1
    brief = links_of(page, "Brief")
    assert brief["PDF"] == "/corridors/SYR/DEU/brief.pdf"
    response = page.request.get(portal_url + links_of(page, "Profile")["JSON"], timeout=120_000)
    assert response.status == 200 and response.json()["kind"] == "corridor-profile"
    shoot_page(page, "corridor-profile-sections")
    assert not page.problems, page.problems


def test_findings_page_and_unknown_publications(page, portal_url):
    page.goto(portal_url + "/findings")
    assert page.locator("h1").inner_text() == "Findings"
    for path, status in (
        ("/countries/SEN/atlas.pdf", 404),
        ("/countries/SEN/profile.exe", 404),
        ("/countries/ZZZ/profile.pdf", 404),
        ("/corridors/SYR/SYR/brief.pdf", 400),
        ("/reports/MP-9999", 404),
        ("/findings/fd-0000000000", 404),
    ):
        assert page.request.get(portal_url + path).status == status, path
