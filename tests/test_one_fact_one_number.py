"""One fact, one number: a value drawn from the release reads the same on the API, CLI, publications and portal."""

from __future__ import annotations

import hashlib
import html
import importlib.util
import json
import re
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from observatory.cli.main import app
from observatory.indicators.cli import headline_rows
from observatory.publish import render
from observatory.publish.brief import country_brief
from observatory.publish.data import ReleaseData
from observatory.publish.profile import country_profile
from observatory.web.templating import number

# Keys per indicator: every indicator of the release is represented, so a sample of a few hundred keys covers
# countries, groups, corridors, coded categories and periods rather than only the largest series.
KEYS_PER_INDICATOR = 5
SURFACE_KEYS_MIN = 200
PORTAL_COUNTRIES = 8
PORTAL_KEYS_MIN = 30
PROFILE_COUNTRIES = 12
KEY_COLUMNS = ("indicator", "area", "origin", "destination", "year", "period", "sex", "age", "category")
FIGURE_KEY = ("area", "origin", "destination", "year", "period", "sex", "age", "category", "revision")
# The seed of the sample: md5 of the key with this salt orders rows, the same on every machine and every run.
SALT = "one-fact-one-number-1"


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
    """Base URL of the API and portal serving the real release."""
    with _server_module().running_server(real_release, tmp_path_factory.mktemp("logs") / "facts.log") as base:
        yield base


def _rows(con, sql: str, params: list | None = None) -> list[dict]:
    result = con.execute(sql, params or [])
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


@pytest.fixture(scope="module")
def sampled_keys(con) -> list[dict]:
    """A seeded sample of value keys, KEYS_PER_INDICATOR per indicator, chosen by a hash of the key."""
    key_text = "concat_ws('|', ?, " + ", ".join(f"coalesce(CAST({c} AS VARCHAR), '')" for c in KEY_COLUMNS) + ")"
    columns = ", ".join(KEY_COLUMNS)
    sql = (
        f"SELECT {columns} FROM (SELECT DISTINCT {columns}, md5({key_text}) AS draw FROM indicator_value) "
        f"QUALIFY row_number() OVER (PARTITION BY indicator ORDER BY draw) <= ? ORDER BY indicator, draw"
    )
    return _rows(con, sql, [SALT, KEYS_PER_INDICATOR])


def _release_facts(con, key: dict) -> list[tuple]:
    """(value, sorted sources, status) of the release rows with this key."""
    where = " AND ".join(f"{c} IS NOT DISTINCT FROM ?" for c in KEY_COLUMNS)
    rows = _rows(
        con, f"SELECT value, sources, status FROM indicator_value WHERE {where}", [key[c] for c in KEY_COLUMNS]
    )
    return _facts(rows)


def _facts(rows) -> list[tuple]:
    return sorted(((r["value"], tuple(sorted(r["sources"] or ())), r["status"]) for r in rows), key=repr)


def _sampled_countries(con, sampled_keys: list[dict], how_many: int) -> list[str]:
    """Countries of the sampled area keys, in a seeded order (not the alphabet's first few)."""
    countries = {r["code"] for r in _rows(con, "SELECT code FROM area WHERE kind = 'country'")}
    found = {k["area"] for k in sampled_keys if k["area"] in countries}
    return sorted(found, key=lambda code: hashlib.md5(f"{SALT}|{code}".encode()).hexdigest())[:how_many]


def _matches(row: dict, key: dict, columns=KEY_COLUMNS[1:]) -> bool:
    return all(row.get(c) == key[c] for c in columns)


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - the test's own local server
        return response.read()


def _api_facts(base_url: str, key: dict) -> list[tuple]:
    place = {c: key[c] for c in ("area", "origin", "destination") if key[c] is not None}
    query = urllib.parse.urlencode({**place, "year": key["year"], "sex": key["sex"], "limit": 1000})
    payload = json.loads(_get(f"{base_url}/api/indicators/{key['indicator']}/values?{query}"))
    rows = payload["data"]
    assert payload["pagination"]["total"] == len(rows), "the key's selection fits one page"
    cited = {source["dataset"] for source in payload["sources"]}
    assert {s for r in rows for s in r["sources"] or ()} <= cited, "every row's dataset is cited"
    return _facts([r for r in rows if _matches(r, key)])


def _cli_facts(key: dict) -> list[tuple]:
    args = ["indicator", key["indicator"], "--year", str(key["year"]), "--format", "json"]
    for column in ("area", "origin", "destination"):
        if key[column] is not None:
            args += [f"--{column}", key[column]]
    for column in ("period", "sex", "age", "category"):
        args += [f"--{column}", key[column]]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, (args, result.output)
    rows = json.loads(result.stdout) if result.stdout.strip() else []
    return _facts([r for r in rows if _matches(r, key)])


def test_sample_is_large_and_varied(sampled_keys):
    """The property is checked over at least 200 keys of many indicators, with areas and corridors."""
    assert len(sampled_keys) >= SURFACE_KEYS_MIN
    assert len({k["indicator"] for k in sampled_keys}) >= 40
    assert any(k["origin"] for k in sampled_keys) and any(k["area"] for k in sampled_keys)


def test_api_cli_and_reader_give_the_release_value(sampled_keys, con, real_release, base_url, monkeypatch):
    """For each sampled key the API JSON, the CLI json and the publications reader give the release's value."""
    monkeypatch.setenv("OBSERVATORY_HOME", str(real_release.home))
    data = ReleaseData.open(real_release)
    disagreements = []
    try:
        for key in sampled_keys:
            expected = _release_facts(con, key)
            reader = _facts(
                data.indicator_rows(
                    key["indicator"],
                    **{c: key[c] for c in KEY_COLUMNS[1:]},
                )
            )
            shown = {"api": _api_facts(base_url, key), "cli": _cli_facts(key), "reader": reader}
            for surface, facts in shown.items():
                if facts != expected:
                    disagreements.append((surface, key, expected, facts))
    finally:
        data.close()
    assert not disagreements, disagreements[:10]


def _indicator_figures(document_json: str) -> list[dict]:
    return [
        f for f in json.loads(document_json)["figures"] if f["origin_kind"] == "indicator" and f["value"] is not None
    ]


def _figure_disagreements(con, figures: list[dict]) -> list[tuple]:
    """Figures whose value or sources differ from the release row with the same key and edition."""
    wrong = []
    for figure in figures:
        where = " AND ".join(f"{c} IS NOT DISTINCT FROM ?" for c in FIGURE_KEY)
        # An earlier edition shown beside the latest (revision blocks) is read from the editions table.
        params = [figure["key"], *[figure[c] for c in FIGURE_KEY]]
        rows = _rows(
            con,
            f"SELECT value, sources FROM indicator_value WHERE indicator = ? AND {where} UNION ALL "
            f"SELECT value, sources FROM indicator_value_revision WHERE indicator = ? AND {where}",
            params + params,
        )
        found = {(r["value"], tuple(sorted(r["sources"]))) for r in rows}
        if (figure["value"], tuple(sorted(figure["sources"]))) not in found:
            wrong.append((figure["key"], {c: figure[c] for c in FIGURE_KEY}, figure["value"], sorted(found)))
    return wrong


def test_country_profiles_show_the_release_value(sampled_keys, con, real_release):
    """Profile JSON figures with a sampled key, and every indicator figure of those profiles, match the release."""
    chosen = _sampled_countries(con, sampled_keys, PROFILE_COUNTRIES)
    data = ReleaseData.open(real_release)
    compared, swept, wrong = 0, 0, []
    try:
        for code in chosen:
            figures = _indicator_figures(render.to_json(country_profile(data, code)))
            swept += len(figures)
            wrong += _figure_disagreements(con, figures)
            for key in (k for k in sampled_keys if k["area"] == code):
                matching = [f for f in figures if f["key"] == key["indicator"] and _matches(f, key)]
                compared += len(matching)
                wrong += [
                    (f["key"], key, f["value"], _release_facts(con, key))
                    for f in matching
                    if (f["value"], tuple(sorted(f["sources"]))) not in {e[:2] for e in _release_facts(con, key)}
                ]
    finally:
        data.close()
    assert len(chosen) == PROFILE_COUNTRIES and swept >= SURFACE_KEYS_MIN and compared >= 1
    assert not wrong, wrong[:10]


def test_briefs_show_the_release_value(sampled_keys, con, real_release):
    """Every indicator figure of the country brief of sampled countries is the release's value with its sources."""
    chosen = _sampled_countries(con, sampled_keys, PORTAL_COUNTRIES)
    data = ReleaseData.open(real_release)
    figures = []
    try:
        for code in chosen:
            figures += _indicator_figures(render.to_json(country_brief(data, code)))
    finally:
        data.close()
    assert len(figures) >= PORTAL_KEYS_MIN
    wrong = _figure_disagreements(con, figures)
    assert not wrong, wrong[:10]


ROW = re.compile(
    r'<tr><th scope="row"><a href="/indicators/(?P<id>[a-z0-9_]+)\?area=(?P<area>[A-Z0-9]+)">[^<]*</a></th>'
    r'<td class="num">(?P<value>[^<]*)</td><td>[^<]*</td><td>(?P<year>\d{4})(?: \((?P<period>[^)]*)\))?</td>'
)


def _headline_text(con, indicator: dict, area: str, year: int, period: str) -> set[str]:
    """The portal text of the release's headline value (the total, or the declared headline) for one place-year."""
    rows = _rows(
        con,
        "SELECT * FROM indicator_value WHERE indicator = ? AND area = ? AND year = ? AND period = ? "
        "AND value IS NOT NULL",
        [indicator["id"], area, year, period],
    )
    rows, _ = headline_rows(rows, set(), indicator.get("headline_category"), indicator.get("headline_age"))
    return {number(r["value"], indicator["unit"]) for r in rows}


def test_portal_country_pages_show_the_release_value(sampled_keys, con, base_url):
    """The indicator table of a sampled country's portal page shows the release's headline value, rounded."""
    catalogue = {r["id"]: r for r in _rows(con, "SELECT * FROM indicator")}
    chosen = _sampled_countries(con, sampled_keys, PORTAL_COUNTRIES)
    checked, wrong = 0, []
    for code in chosen:
        page = _get(f"{base_url}/countries/{code}").decode("utf-8")
        for match in ROW.finditer(page):
            indicator = catalogue[match["id"]]
            shown = html.unescape(match["value"])
            expected = _headline_text(con, indicator, match["area"], int(match["year"]), match["period"] or "")
            checked += 1
            if shown not in expected:
                wrong.append((code, match["id"], match["year"], match["period"], shown, sorted(expected)))
    assert checked >= PORTAL_KEYS_MIN
    assert not wrong, wrong[:10]
