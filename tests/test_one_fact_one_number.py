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
from observatory.indicators.spec import load_catalogue
from observatory.publish import render
from observatory.publish.brief import country_brief
from observatory.publish.corridor import corridor_profile
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


# Corridors whose publication and portal pages are compared (drawn from the sampled corridor keys, seeded).
CORRIDORS = 6
SCALES = {" billion": 1e9, " million": 1e6}


def _shown_number(text: str) -> tuple[float, float] | None:
    """The number a page shows and half a unit of its last printed digit (the rounding it allows), or None."""
    text = html.unescape(text).split(" (range")[0].strip()
    for prefix in ("at least ", "US$ ", "USD "):
        text = text.removeprefix(prefix)
    scale = 1.0
    for suffix, factor in SCALES.items():
        if text.endswith(suffix):
            text, scale = text.removesuffix(suffix), factor
    text = text.removesuffix(" per 1,000").removesuffix("%").strip().replace(",", "")
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        return None
    decimals = len(text.split(".")[1]) if "." in text else 0
    return float(text) * scale, 0.5 * 10**-decimals * scale


def _reads_as(text: str, value: float) -> bool:
    """Whether a shown text is the value rounded to the digits it prints."""
    shown = _shown_number(text)
    return shown is not None and abs(shown[0] - value) <= shown[1] + 1e-9 * abs(value)


SPAN = re.compile(r'<span class="num[^"]*"(?P<attributes>[^>]*)>(?P<shown>[^<]*)</span>')
ATTRIBUTE = re.compile(r'data-(?P<name>[a-z-]+)="(?P<value>[^"]*)"')


def _span_figures(page: str) -> list[dict]:
    """A publication page's indicator numbers as figures (key, value, sources from data-*) with the text shown."""
    figures = []
    for match in SPAN.finditer(page):
        data = {a["name"]: html.unescape(a["value"]) for a in ATTRIBUTE.finditer(match["attributes"])}
        if data.get("origin-kind") != "indicator" or not data.get("value"):
            continue
        figure = {c: data.get(c) or None for c in ("area", "origin", "destination", "revision")}
        figure.update({c: data.get(c, "") for c in ("period", "category")})
        figure.update(sex=data.get("sex") or "total", age=data.get("age") or "total", year=int(data["year"]))
        figure.update(key=data["key"], value=float(data["value"]), sources=(data.get("sources") or "").split())
        figures.append({**figure, "shown": match["shown"]})
    return figures


def _unit_disagreements(figures: list[dict], catalogue: dict) -> list[tuple]:
    """Publication figures whose unit is not the one the catalogue declares for their indicator."""
    return [
        (f["key"], f["unit"], catalogue[f["key"]]["unit"]) for f in figures if f["unit"] != catalogue[f["key"]]["unit"]
    ]


def _sampled_corridors(con, sampled_keys: list[dict], how_many: int) -> list[tuple[str, str]]:
    """Country-to-country corridors of the sampled keys, in a seeded order."""
    countries = {r["code"] for r in _rows(con, "SELECT code FROM area WHERE kind = 'country'")}
    found = {(k["origin"], k["destination"]) for k in sampled_keys if {k["origin"], k["destination"]} <= countries}
    ranked = sorted(found, key=lambda pair: hashlib.md5(f"{SALT}|{pair[0]}|{pair[1]}".encode()).hexdigest())
    return ranked[:how_many]


def _publication_disagreements(con, document, catalogue: dict) -> tuple[int, list[tuple]]:
    """How many numbers a publication shows (JSON and HTML), and those not the release's value, unit or rounding."""
    figures = _indicator_figures(render.to_json(document))
    spans = _span_figures(render.to_html(document))
    wrong = _figure_disagreements(con, figures) + _figure_disagreements(con, spans)
    wrong += _unit_disagreements(figures, catalogue)
    wrong += [(s["key"], s["year"], s["value"], s["shown"]) for s in spans if not _reads_as(s["shown"], s["value"])]
    return len(figures) + len(spans), wrong


def test_profile_brief_and_corridor_html_show_the_release_value(sampled_keys, con, real_release):
    """Profile, brief and corridor profile numbers (HTML and JSON): the release's value, sources, unit and rounding."""
    catalogue = {r["id"]: r for r in _rows(con, "SELECT * FROM indicator")}
    countries = _sampled_countries(con, sampled_keys, PORTAL_COUNTRIES)
    corridors = _sampled_corridors(con, sampled_keys, CORRIDORS)
    data = ReleaseData.open(real_release)
    shown, wrong = 0, []
    try:
        documents = [country_profile(data, c) for c in countries] + [country_brief(data, c) for c in countries]
        documents += [corridor_profile(data, o, d) for o, d in corridors]
        for document in documents:
            count, errors = _publication_disagreements(con, document, catalogue)
            shown, wrong = shown + count, wrong + errors
    finally:
        data.close()
    assert len(corridors) == CORRIDORS and shown >= SURFACE_KEYS_MIN
    assert not wrong, wrong[:10]


STOCK_ROW = re.compile(r'<tr><th scope="row">(?P<year>\d{4})</th>(?P<cells>(?:<td class="num">[^<]*</td>){5})</tr>')


def test_portal_and_api_corridor_pages_show_the_release_value(sampled_keys, con, base_url):
    """The corridor page's stock table and the corridor API give the release's corridor stock and declared shares."""
    corridors = _sampled_corridors(con, sampled_keys, CORRIDORS)
    checked, wrong = 0, []
    for origin, destination in corridors:
        release = {
            (r["indicator"], r["year"]): r["value"]
            for r in _rows(
                con,
                "SELECT indicator, year, value FROM indicator_value WHERE origin = ? AND destination = ? AND "
                "sex = 'total' AND age = 'total' AND category = '' AND period = '' AND indicator IN "
                "('corridor_stock', 'corridor_share_of_origin_emigrants', 'corridor_share_of_destination_immigrants')",
                [origin, destination],
            )
        }
        api = json.loads(_get(f"{base_url}/api/corridors/{origin}/{destination}"))
        page = html.unescape(_get(f"{base_url}/corridors?origin={origin}&destination={destination}").decode("utf-8"))
        table = {
            int(m["year"]): re.findall(r'<td class="num">([^<]*)</td>', m["cells"]) for m in STOCK_ROW.finditer(page)
        }
        for row in api["stock"]:
            expected = [
                release.get(("corridor_stock", row["year"])),
                release.get(("corridor_share_of_origin_emigrants", row["year"])),
                release.get(("corridor_share_of_destination_immigrants", row["year"])),
            ]
            given = [
                row["total"],
                None if row["share_of_origin_emigrants"] is None else 100 * row["share_of_origin_emigrants"],
                None
                if row["share_of_destination_immigrants"] is None
                else 100 * row["share_of_destination_immigrants"],
            ]
            cells = table.get(row["year"], [])
            printed = [cells[0], cells[3], cells[4]] if len(cells) == 5 else []
            checked += 1
            if any(
                (e is None) != (g is None) or (e is not None and abs(e - g) > 1e-9 * abs(e))
                for e, g in zip(expected, given, strict=True)
            ):
                wrong.append(("api", origin, destination, row["year"], expected, given))
            if not printed or not all(e is None or _reads_as(p, e) for e, p in zip(expected, printed, strict=True)):
                wrong.append(("portal", origin, destination, row["year"], expected, printed))
    assert len(corridors) == CORRIDORS and checked >= CORRIDORS
    assert not wrong, wrong[:10]


PORTAL_ROW = re.compile(
    r'<tr><th scope="row"><a href="/indicators/(?P<id>[a-z0-9_]+)\?area=[A-Z0-9]+">(?P<title>[^<]*)</a></th>'
    r'<td class="num">[^<]*</td><td>(?P<unit>[^<]*)</td>'
)


def test_labels_and_units_follow_the_catalogue(sampled_keys, con, base_url, real_release, monkeypatch):
    """For each sampled key the API, the CLI and the portal name the indicator and its unit as the catalogue does."""
    declared = {spec.id: spec for spec in load_catalogue()}
    monkeypatch.setenv("OBSERVATORY_HOME", str(real_release.home))
    wrong = []
    for key in sampled_keys:
        spec = declared[key["indicator"]]
        about = json.loads(_get(f"{base_url}/api/indicators/{key['indicator']}"))["indicator"]
        if (about["title"], about["unit"]) != (spec.title, spec.unit):
            wrong.append(("api", spec.id, about["title"], about["unit"]))
        args = ["indicator", spec.id, "--year", str(key["year"]), "--format", "json"]
        for column in ("area", "origin", "destination"):
            if key[column] is not None:
                args += [f"--{column}", key[column]]
        result = CliRunner().invoke(app, args)
        units = {r["unit"] for r in json.loads(result.stdout)} if result.exit_code == 0 else {None}
        if units != {spec.unit}:
            wrong.append(("cli", spec.id, units))
    checked = 0
    for code in _sampled_countries(con, sampled_keys, PORTAL_COUNTRIES):
        page = html.unescape(_get(f"{base_url}/countries/{code}").decode("utf-8"))
        for match in PORTAL_ROW.finditer(page):
            spec = declared[match["id"]]
            checked += 1
            if (match["title"], match["unit"]) != (spec.title, spec.unit):
                wrong.append(("portal", code, spec.id, match["title"], match["unit"]))
    assert checked >= PORTAL_KEYS_MIN
    assert not wrong, wrong[:10]


def test_shown_numbers_are_read_back_with_their_rounding():
    """The parser the property tests use reads every format the surfaces print, and refuses what is not a number."""
    assert _shown_number("16.75 million") == (16.75e6, 0.005e6)
    assert _shown_number("US$ 19.29 billion") == (19.29e9, 0.005e9)
    assert _shown_number("17.9 %") == (17.9, 0.05) and _shown_number("22.1%") == (22.1, 0.05)
    assert _shown_number("at least 1,234 (range 1,000 – 2,000)") == (1234.0, 0.5)
    assert _shown_number("no data") is None and _shown_number("–") is None
    assert _reads_as("1.64 million", 1635815) and not _reads_as("1.64 million", 256545)
