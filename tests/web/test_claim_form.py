"""The claim form tells same-named groups apart (Africa the continent, Africa the UN region) and names the end of
the corridor it groups."""

from __future__ import annotations

import html
import re

import httpx
import pytest

pytestmark = [pytest.mark.mirror, pytest.mark.slow]


@pytest.fixture(scope="module")
def portal(portal_url):
    with httpx.Client(base_url=portal_url, timeout=120) as client:
        yield client


def _options(page: str, select_id: str) -> list[str]:
    block = page.split(f'<select id="{select_id}"', 1)[1].split("</select>", 1)[0]
    return [html.unescape(t).strip() for t in re.findall(r"<option[^>]*>([^<]*)</option>", block)]


def test_no_two_group_options_read_the_same(portal):
    page = portal.get("/claims").text
    options = [o for o in _options(page, "origin") if o != "—"]
    assert len(options) == len(set(options)), sorted({o for o in options if options.count(o) > 1})
    assert "Africa (Continent)" in options and "Africa (UN region)" in options
    labels = re.findall(r'<optgroup label="([^"]+)"', page.split('<select id="origin"', 1)[1].split("</select>")[0])
    assert labels[:2] == ["World", "Continent"] and "UN region" in labels and labels[-1] == "Countries and territories"


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ({"measure": "migrant_stock", "origin": "CONT_AFRICA", "destination": "CONT_EUROPE"}, "Group destinations by"),
        ({"measure": "migrant_stock", "destination": "DEU"}, "Group origins by"),
        ({}, "Group partner countries by"),
    ],
)
def test_the_grouping_label_names_the_grouped_end(portal, query, label):
    page = html.unescape(portal.get("/claims", params=query).text)
    assert f'<label for="scheme">{label}</label>' in page
