"""Defaults a person expects from the portal: names resolve, unavailable years are explained, global figures mean
something globally, map legends carry units, and coded categories say what they mean."""

from __future__ import annotations

import html
import json
import re

import httpx
import pytest


@pytest.fixture(scope="module")
def portal(portal_url):
    with httpx.Client(base_url=portal_url, timeout=120, follow_redirects=False) as client:
        yield client


def test_a_country_name_leads_to_its_page(portal):
    response = portal.get("/countries/nepal")
    assert response.status_code == 307
    assert response.headers["location"] == "/countries/NPL"
    page = portal.get("/countries/nepal", follow_redirects=True)
    assert page.status_code == 200
    assert "Nepal" in page.text


def test_a_lower_case_code_leads_to_the_country(portal):
    assert portal.get("/countries/npl").headers["location"] == "/countries/NPL"


def test_a_near_miss_suggests_the_code(portal):
    response = portal.get("/countries/nepl")
    assert response.status_code == 404
    detail = re.search(r"no country with that code or name[^<]*", html.unescape(response.text))
    assert detail and detail.group(0).endswith("did you mean NPL (Nepal)?")
    assert "nepl" not in detail.group(0).lower().replace("nepal", "")  # the message never echoes what was typed


def test_an_unknown_name_is_a_plain_404(portal):
    response = portal.get("/countries/zzzzqqq")
    assert response.status_code == 404
    detail = re.search(r"no country with that code or name[^<]*", html.unescape(response.text))
    assert detail and "zzzzqqq" not in detail.group(0)


def test_an_unavailable_year_is_explained_on_the_home_page(portal):
    page = html.unescape(portal.get("/", params={"year": 1901}).text)
    assert re.search(r"No values for 1901 in this series \(years with values: \d{4}–\d{4}\); showing \d{4}", page)


def test_an_available_year_has_no_notice(portal):
    page = portal.get("/").text
    year = re.search(r"World map: .*, (\d{4})</h2>", page).group(1)
    assert "No values for" not in portal.get("/", params={"year": year}).text


def test_an_unavailable_year_is_explained_on_an_indicator_page(portal):
    page = html.unescape(portal.get("/indicators/migrant_stock", params={"year": 1901}).text)
    assert "No values for 1901 in this series" in page
    corridor = html.unescape(portal.get("/indicators/corridor_stock", params={"year": 1901}).text)
    assert "No values for 1901 in this series" in corridor


def test_global_key_figures_leave_out_net_migration(portal):
    page = portal.get("/").text
    figures = page[page.index('id="figures-heading"') : page.index('id="map-heading"')]
    assert "/indicators/migrant_stock" in figures or "/indicators/migrant_stock_total" in figures
    assert "net_migration" not in figures


def test_map_legend_names_the_unit(portal):
    page = html.unescape(portal.get("/indicators/migrant_stock").text)
    specs = [json.loads(m) for m in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S)]
    legends = [
        layer["encoding"]["color"]["title"]
        for spec in specs
        for layer in (spec.get("spec", spec).get("layer") or [])
        if "color" in layer.get("encoding", {})
    ]
    assert legends and all("(" in title and title.endswith(")") for title in legends)


def test_corridor_page_shows_new_applications_with_their_meaning(portal):
    page = html.unescape(portal.get("/corridors", params={"origin": "MEX", "destination": "USA"}).text)
    shown = re.search(r'/indicators/unhcr_asylum_applications">[^<]*</a> <span class="muted">— ([^<]*)</span>', page)
    assert shown and shown.group(1) == "new applications"
    assert "(A)" not in page
    assert "appeals" in page  # each kind on its own, with its meaning
