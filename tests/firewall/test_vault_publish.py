"""Publishing (issue 13, item 10, vault side): every permitted frame shape becomes a well-formed contributed folder that
the warehouse's own observation table accepts; publication texts a spreadsheet or browser would run are refused."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from observatory.firewall.errors import InvalidQuery
from observatory.firewall.publish import ContributedMeta, list_contributed
from observatory.sources.context import OBSERVATION_COLUMNS

from .conftest import RULES

CANONICAL = ["dataset_id", *OBSERVATION_COLUMNS]  # the release's observation columns
SCHEMA_SQL = Path(__file__).resolve().parents[2] / "src" / "observatory" / "warehouse" / "schema.sql"
SHAPES = [
    (["sex", "legal_status"], ["sex", "legal_status"], {}),
    (["sex", "legal_status"], ["sex"], {"legal_status": "refugee"}),
    (["month"], ["month"], {}),
    (["nationality", "month"], ["nationality", "month"], {}),
    (["sex", "month"], ["sex"], {"month": "2024-03"}),
    (["age_band", "sex", "service"], ["age_band", "sex", "service"], {}),
    (["location"], ["location"], {}),
    (["nationality", "sex", "service"], [], {}),
]


def observation_table() -> duckdb.DuckDBPyConnection:
    """An in-memory copy of the warehouse's observation table, with its NOT NULL and CHECK constraints."""
    ddl = re.search(r"CREATE TABLE observation \(.*?\);", SCHEMA_SQL.read_text(), re.DOTALL).group()
    connection = duckdb.connect()
    connection.execute(ddl)
    return connection


@pytest.mark.parametrize(("dims", "by", "filters"), SHAPES, ids=["-".join(s[1]) or "total" for s in SHAPES])
def test_every_permitted_shape_is_a_well_formed_frame(vault, people, dataset, loaded, settings, dims, by, filters):
    vault.set_rules(people.steward, dataset, {**RULES, "dimensions": dims})
    vault.publish(people.steward, dataset, "shape-pub", by=by, filters=filters)
    folder = settings.home / "contributed" / "shape-pub"
    assert list_contributed(settings) == [folder] and sorted(p.name for p in folder.iterdir()) == [
        "dataset.json",
        "observations.parquet",
    ]
    meta = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
    assert ContributedMeta.model_validate(meta).id == "shape-pub"
    table = pq.read_table(folder / "observations.parquet")
    assert table.column_names == CANONICAL
    rows = table.to_pylist()
    assert rows and all(r["year"] == 2024 and r["dataset_id"] == "shape-pub" and r["area"] == "GRC" for r in rows)
    assert all(r["period"] == "" or re.fullmatch(r"2024-(0[1-9]|1[0-2])", r["period"]) for r in rows)
    assert all(isinstance(r[c], str) for r in rows for c in ("period", "sex", "age", "category", "status", "note"))
    assert all((r["value"] is None) == (r["note"] == "suppressed") for r in rows)
    assert len({(r["origin"], r["period"], r["sex"], r["age"], r["category"]) for r in rows}) == len(rows)
    if "month" in by:
        assert {r["period"] for r in rows} > {""}
    if "month" in filters:
        assert {r["period"] for r in rows} == {filters["month"]}
    connection = observation_table()
    connection.execute("INSERT INTO observation SELECT * FROM read_parquet(?)", [str(folder / "observations.parquet")])
    assert connection.execute("SELECT COUNT(*) FROM observation").fetchone()[0] == len(rows)


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("title", '=HYPERLINK("http://evil","x")'),
        ("title", "+1+cmd|' /C calc'!A0"),
        ("citation", "@SUM(A1:A2)"),
        ("citation", "-2+3"),
        ("url_main", "javascript:alert(1)"),
        ("url_main", "JAVASCRIPT:alert(1)"),
        ("url_main", "data:text/html,<script>"),
        ("title", "tab\there"),
        ("licence", "=1"),
    ],
)
def test_publication_texts_that_would_run_are_refused(vault, people, dataset, loaded, settings, field, text):
    with pytest.raises(InvalidQuery, match=field):
        vault.publish(people.steward, dataset, "text-pub", by=["sex"], **{field: text})
    assert list_contributed(settings) == []


def test_plain_publication_texts_are_kept(vault, people, dataset, loaded, settings):
    vault.publish(
        people.steward,
        dataset,
        "text-pub",
        by=["sex"],
        title="People served, 2024",
        citation="Shelter A (2024).",
        url_main="https://shelter-a.example.org/data?year=2024",
    )
    meta = json.loads((settings.home / "contributed" / "text-pub" / "dataset.json").read_text())
    assert meta["title"] == "People served, 2024" and meta["url_main"] == "https://shelter-a.example.org/data?year=2024"
    assert meta["note"].startswith("contributed by clinic-b, shelter-a, disclosure-controlled (cell-key perturbation")
