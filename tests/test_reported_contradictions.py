"""Every contradiction reported in issue 14 stays fixed: one test per example, on the release built from the mirror.

Examples already held by a test elsewhere (kept there, not repeated here):
- Mexico and Nepal profiles give one emigration number per period and method (JSON figures):
  tests/publish/test_real_release.py::test_every_section_of_a_profile_shows_one_value_per_key (the HTML tables are
  checked below).
- Germany brief names remittances received and paid for what they are:
  tests/publish/test_real_release.py::test_brief_says_which_way_the_money_goes.
- Corridor page: code A is appeals, the headline is new applications (53,985 in 2024), decision codes explained:
  tests/indicators/test_category_labels.py::test_mexico_usa_corridor_headlines_new_applications_not_appeals,
  ::test_every_coded_corridor_measure_names_its_categories,
  tests/web/test_portal_defaults.py::test_corridor_page_shows_new_applications_with_their_meaning,
  tests/api/test_series_headline_category.py::test_mexico_usa_applications_collapse_to_new_applications_not_appeals.
- "Europe is being invaded by African migrants" read as Africa -> Europe:
  tests/api/test_claims_corpus.py::test_invasion_claim_reads_who_moves_where.
- "Most refugees live in rich countries" shows the share: ::test_most_refugees_in_rich_countries_shows_the_share.
- Two routes to one question give one number: ::test_two_routes_to_the_same_question_agree.
- No exponent in claim headlines ("2.65519e+06"): ::test_people_numbers_never_print_exponents and
  ::test_headlines_are_formatted_for_people.
- Downloads of 30,000+ rows whole, stable and concatenable, fixed Parquet schemas, ranking download with sources:
  tests/api/test_api_downloads.py::test_a_large_csv_download_is_whole,
  ::test_a_large_parquet_download_is_whole_stable_and_concatenates, ::test_an_empty_download_keeps_the_schema,
  ::test_every_download_carries_its_sources.
- Home page key figures leave out the net migration residue:
  tests/web/test_portal_defaults.py::test_global_key_figures_leave_out_net_migration.
- CLI: people's numbers, 80 columns, one number for migrant_stock USA 2020:
  tests/cli/test_cli_defaults.py::test_migrant_stock_usa_2020_is_one_number, ::test_the_table_is_readable_in_80_columns,
  ::test_a_human_number_is_never_scientific_and_reads_back_close.
"""

from __future__ import annotations

import bisect
import html
import importlib.util
import json
import re
import statistics
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from observatory.api.queries.catalogue import find_series
from observatory.api.queries.series import map_values
from observatory.api.release_cache import ReleaseHandle
from observatory.cli.main import app
from observatory.indicators.spec import get_indicator
from observatory.publish import render
from observatory.publish.corridor import corridor_profile
from observatory.publish.data import ReleaseData
from observatory.publish.figures import format_number
from observatory.publish.profile import country_profile
from observatory.warehouse import releases
from observatory.web.charts import _class_breaks
from observatory.web.templating import number

pytestmark = pytest.mark.mirror
SPAN = re.compile(r'<span class="num[^"]*"(?P<attributes>[^>]*)>(?P<shown>[^<]*)</span>')
ATTRIBUTE = re.compile(r'data-(?P<name>[a-z-]+)="(?P<value>[^"]*)"')


def _server_module():
    """The server helper shared with the API tests (the tests folder is not a package)."""
    name = "portal_test_server"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parent / "api" / "server.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def base_url(real_release, tmp_path_factory):
    with _server_module().running_server(real_release, tmp_path_factory.mktemp("logs") / "contradictions.log") as base:
        yield base


@pytest.fixture(scope="module")
def data(real_release):
    reader = ReleaseData.open(real_release)
    yield reader
    reader.close()


@pytest.fixture(scope="module")
def handle(real_release):
    release = releases.require_current(real_release)
    opened = ReleaseHandle(release.release_id, release.path, releases.open_read_only(release.path))
    yield opened
    opened.close()


def _get(base_url: str, path: str, **params) -> str:
    query = f"?{urllib.parse.urlencode(params)}" if params else ""
    with urllib.request.urlopen(f"{base_url}{path}{query}", timeout=120) as response:  # noqa: S310 - local server
        return response.read().decode("utf-8")


def _spans(page: str) -> list[dict]:
    """The numbers of a publication page: their data-* attributes and the text shown."""
    return [
        {**{a["name"]: html.unescape(a["value"]) for a in ATTRIBUTE.finditer(m["attributes"])}, "shown": m["shown"]}
        for m in SPAN.finditer(page)
    ]


def _cli_json(*args: str) -> list[dict]:
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _release_value(con, indicator: str, **key) -> float:
    where = " AND ".join(f"{column} = ?" for column in key)
    rows = con.execute(
        f"SELECT value FROM indicator_value WHERE indicator = ? AND sex = 'total' AND age = 'total' AND {where}",
        [indicator, *key.values()],
    ).fetchall()
    assert len(rows) == 1, (indicator, key, rows)
    return rows[0][0]


def test_mexico_usa_flow_2015_2020_is_one_number_everywhere(con, data, base_url, real_release, monkeypatch):
    """Reported: 256,545 on the portal, 1.64 M in the corridor PDF; every surface now leads with the declared method."""
    flow = get_indicator("corridor_flow")
    key = {"origin": "MEX", "destination": "USA", "period": "2015-2020"}
    expected = _release_value(con, "corridor_flow", category=flow.headline_category, **key)
    other = _release_value(con, "corridor_flow", category="da_min_closed", **key)
    assert (expected, other) == (1635815, 256545)  # Abel & Cohen: da_pb_closed and da_min_closed, 2015-2020
    # Portal corridor page: the flow row of the corridor's statistics shows the headline method, named.
    page = html.unescape(_get(base_url, "/corridors", origin="MEX", destination="USA"))
    row = re.search(
        r'/indicators/migration_flow">[^<]*</a> <span class="muted">— ([^<]*)</span></th><td class="num">([^<]*)</td>',
        page,
    )
    assert row and row.groups() == (flow.category_labels[flow.headline_category], number(expected, flow.unit))
    # The other methods are shown only as labelled kinds of their own, never as the corridor's flow.
    other_row = re.search(r'<th scope="row">([^<]*)</th><td>([a-z_]+)</td><td class="num">256,545</td>', page)
    assert other_row and other_row.groups() == (flow.category_labels["da_min_closed"], "da_min_closed")
    # API corridor profile.
    api = json.loads(_get(base_url, "/api/corridors/MEX/USA"))
    measure = next(m for m in api["measures"] if m["measure"] == "migration_flow")
    assert (measure["category"], {v["period"]: v["value"] for v in measure["series"]}["2015-2020"]) == (
        flow.headline_category,
        expected,
    )
    # Corridor profile publication (JSON and HTML): every figure of the corridor's 2015-2020 flow is the headline.
    document = corridor_profile(data, "MEX", "USA")
    figures = [
        f
        for f in json.loads(render.to_json(document))["figures"]
        if f["key"] == "corridor_flow" and f["period"] == "2015-2020" and f["origin"] == "MEX" and f["value"]
    ]
    assert figures and {(f["category"], f["value"]) for f in figures} == {(flow.headline_category, expected)}
    spans = [
        s
        for s in _spans(render.to_html(document))
        if s.get("key") == "corridor_flow" and s.get("period") == "2015-2020" and s.get("origin") == "MEX"
    ]
    assert spans and {s["shown"].split(" (range")[0] for s in spans} == {format_number(expected, flow.unit)}
    # CLI: the default answer is the headline method, one row.
    monkeypatch.setenv("OBSERVATORY_HOME", str(real_release.home))
    rows = _cli_json("indicator", "corridor_flow", "--origin", "MEX", "--destination", "USA", "--year", "2015")
    assert [(r["category"], r["value"]) for r in rows] == [(flow.headline_category, expected)]


@pytest.mark.parametrize(("code", "expected"), [("MEX", 1764341), ("NPL", 648081)])
def test_profile_flow_tables_show_one_emigration_number(con, data, code, expected):
    """Reported: Mexico 1,764,341 and 320,137; Nepal's tables 8 and 11 gave 648,081 and 324,219 for one period."""
    headline = get_indicator("emigration_flow").headline_category
    assert _release_value(con, "emigration_flow", area=code, period="2015-2020", category=headline) == expected
    page = render.to_html(country_profile(data, code))
    spans = [s for s in _spans(page) if s.get("key") == "emigration_flow" and s.get("period") == "2015-2020"]
    assert spans and {(s["category"], float(s["value"])) for s in spans} == {(headline, expected)}
    assert {s["shown"].split(" (range")[0] for s in spans} == {format_number(expected, "persons")}


@pytest.mark.parametrize(("origin", "destination"), [("MEX", "USA"), ("SYR", "TUR")])
def test_share_of_the_destinations_immigrants_is_one_number(
    con, data, base_url, real_release, monkeypatch, origin, destination
):
    """Reported: 23.3 % on the portal, 21.4 % in the PDF and the indicator (Syria -> Türkiye 64.1 % vs 62.7 %)."""
    indicator = "corridor_share_of_destination_immigrants"
    expected = _release_value(con, indicator, origin=origin, destination=destination, year=2020)
    # The indicator's definition: the corridor's stock over every immigrant of the destination, unknown origins too.
    corridor = _release_value(con, "corridor_stock", origin=origin, destination=destination, year=2020)
    immigrants = _release_value(con, "migrant_stock", area=destination, year=2020)
    assert expected == pytest.approx(100 * corridor / immigrants, rel=1e-9)
    # API corridor profile and the corridor ranking (fractions).
    api = json.loads(_get(base_url, f"/api/corridors/{origin}/{destination}"))
    share = next(r["share_of_destination_immigrants"] for r in api["stock"] if r["year"] == 2020)
    assert 100 * share == pytest.approx(expected, rel=1e-9)
    ranking = json.loads(_get(base_url, "/api/corridors", destination=destination, year=2020))
    ranked = next(r["share"] for r in ranking["data"] if r["origin"] == origin)
    assert 100 * ranked == pytest.approx(expected, rel=1e-9)
    # Portal corridor page: the 2020 row of the stock table.
    page = html.unescape(_get(base_url, "/corridors", origin=origin, destination=destination))
    row = re.search(r'<tr><th scope="row">2020</th>((?:<td class="num">[^<]*</td>){5})</tr>', page)
    assert row and re.findall(r'<td class="num">([^<]*)</td>', row.group(1))[4] == f"{expected:.1f}%"
    # Corridor profile publication and the CLI.
    figures = [
        f
        for f in json.loads(render.to_json(corridor_profile(data, origin, destination)))["figures"]
        if f["key"] == indicator and f["year"] == 2020
    ]
    assert figures and {f["value"] for f in figures} == {expected}
    monkeypatch.setenv("OBSERVATORY_HOME", str(real_release.home))
    cli = _cli_json("indicator", indicator, "--origin", origin, "--destination", destination, "--year", "2020")
    assert [r["value"] for r in cli] == [expected]


def test_the_real_map_sets_the_largest_destinations_apart(handle):
    """Reported: quantile classes gave the USA's 10.85 M the colour of far smaller destinations."""
    countries = map_values(handle, find_series(handle, "migrant_stock"))["countries"]
    values = sorted(c["value"] for c in countries)
    breaks = _class_breaks(values)
    shade = {c["code"]: bisect.bisect_right(breaks, c["value"]) for c in countries}
    top = max(shade.values())
    assert shade["USA"] == top and sum(s == top for s in shade.values()) <= 5
    median_shade = bisect.bisect_right(breaks, statistics.median(values))
    assert shade["USA"] - median_shade >= 2
