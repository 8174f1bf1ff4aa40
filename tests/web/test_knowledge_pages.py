"""The knowledge pages in real headless Chromium: directory search, person page, policies, firewall map (drawn),
dialogues, assessments and the country page's policies section."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.mirror, pytest.mark.slow]


def _homes():
    """tests/knowledge/homes.py, imported by path (test folders are not one package)."""
    name = "knowledge_test_homes"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "knowledge" / "homes.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[name] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    return sys.modules[name]


@pytest.fixture(scope="module")
def knowledge_url(real_release, tmp_path_factory):
    """Base URL of a portal whose home holds a real corpus, the dialogue seed and published policies."""
    homes = _homes()
    home = homes.make_knowledge_home(real_release, tmp_path_factory.mktemp("knowledge-portal"))
    homes.add_assessment(home)
    with homes.server_module().running_server(home.settings, home.settings.home / "server.log") as base:
        yield base


PAGES = [
    ("/knowledge", "knowledge-hub", "Knowledge: people, policies and dialogues"),
    ("/knowledge/policies", "knowledge-policies", "Policies and practices"),
    ("/knowledge/dialogues", "knowledge-dialogues", "Dialogues"),
    ("/knowledge/dialogues/themes/idm-2011-human-security", "knowledge-theme", "Migration and human security"),
    (
        "/knowledge/dialogues/workshops/idm-2010-transnationalism",
        "knowledge-workshop",
        "Migration and transnationalism",
    ),
    ("/knowledge/assessments", "knowledge-assessments", "Assessments"),
]


@pytest.mark.parametrize(("path", "name", "heading"), PAGES, ids=[p[1] for p in PAGES])
def test_knowledge_page_renders(page, knowledge_url, path, name, heading, shoot_page):
    page.goto(knowledge_url + path)
    assert page.locator("h1").count() == 1 and heading in page.locator("h1").inner_text()
    assert "Data release r" in page.locator("footer").inner_text()
    shoot_page(page, name)
    assert not page.problems, page.problems


def test_directory_search_and_person_page(page, knowledge_url, shoot_page):
    page.goto(knowledge_url + "/knowledge/people")
    page.select_option("#theme", "climate_environment")
    page.select_option("#region", "Western Africa")
    with page.expect_navigation():
        page.get_by_role("button", name="Find people").click()
    assert "theme=climate_environment" in page.url and "region=Western+Africa" in page.url
    heading = page.locator("#result-heading").inner_text()
    assert "working on Climate and environment in Western Africa" in heading
    first = page.locator("tbody th a").first
    name = first.inner_text()
    shoot_page(page, "knowledge-people-west-africa")
    with page.expect_navigation():
        first.click()
    assert page.locator("h1").inner_text() == name
    assert "Climate and environment" in page.locator("#themes-heading + ul").inner_text()
    assert page.locator("#records-heading + ul li").count() >= 1
    shoot_page(page, "knowledge-person")
    assert not page.problems, page.problems


def test_firewall_map_draws_the_recorded_countries(page, knowledge_url, shoot_page):
    page.goto(knowledge_url + "/knowledge/firewalls")
    page.wait_for_selector("[data-rendered]", timeout=15000)
    figure = page.locator("figure.chart")
    served = httpx.get(knowledge_url + "/knowledge/firewalls", timeout=60).text
    assert 'aria-label="World map of the 1 countries with a recorded firewall arrangement' in served
    assert figure.locator("[data-rendered] svg").count() == 1
    table = figure.locator("table").text_content() or ""  # the data table sits in a closed <details>
    assert "Germany" in table and "Education" in table
    shoot_page(page, "knowledge-firewall-map")
    assert not page.problems, page.problems


def test_country_page_lists_its_policies_beside_sdg_10_7_2(page, knowledge_url, shoot_page):
    page.goto(knowledge_url + "/countries/DEU")
    section = page.locator("section[aria-labelledby=policies-heading]")
    text = section.inner_text()
    assert "SDG 10.7.2" in text and "Schools exempted" in text and "Skilled Immigration Act" in text
    assert "GCM objective 20: indicators" in text
    with page.expect_navigation():
        section.get_by_role("link", name="Remittance price comparison website").click()
    assert page.locator("h1").inner_text() == "Remittance price comparison website"
    assert "source checked" in page.locator("main").inner_text()
    shoot_page(page, "knowledge-policy")
    assert not page.problems, page.problems


def test_assessment_page_shows_chapters_authors_comments_and_answers(page, knowledge_url, shoot_page):
    page.goto(knowledge_url + "/knowledge/assessments")
    row = page.locator("tbody tr", has_text="Labour migration to Germany")
    assert "1 of 2" in row.inner_text()
    with page.expect_navigation():
        row.get_by_role("link", name="Labour migration to Germany").click()
    assert page.locator("h1").inner_text() == "Labour migration to Germany"
    chapters = page.locator("section.chapter")
    assert chapters.count() == 2
    assert chapters.nth(0).locator("h2").inner_text() == "Chapter 1. Who comes"
    authors = "p a[href^='/knowledge/people/']"
    assert "Approved" in chapters.nth(0).inner_text() and chapters.nth(0).locator(authors).count() == 2
    answered = page.locator("#chapter-1-comment-1")
    assert answered.get_attribute("data-answered") == "yes"
    assert "Give the source of the arrivals." in answered.inner_text() and "line 3" in answered.inner_text()
    assert "Added: the Central Register of Foreigners." in answered.inner_text()
    waiting = page.locator("#chapter-2-comment-1")
    assert waiting.get_attribute("data-answered") == "no" and "Not answered yet" in waiting.inner_text()
    text = chapters.nth(0).locator("details")
    assert not text.locator("pre").is_visible()
    text.locator("summary").click()
    assert "Most come from India." in text.locator("pre").inner_text()
    shoot_page(page, "knowledge-assessment")
    author = chapters.nth(1).locator(authors).first
    name = author.inner_text()
    with page.expect_navigation():
        author.click()
    assert page.locator("h1").inner_text() == name
    assert not page.problems, page.problems
