"""One schema, migrated step by step: an old file keeps its data and gains the new tables."""

from __future__ import annotations

import duckdb
import pytest

from observatory.knowledge.store import SCHEMA_VERSION, KnowledgeStore


def test_a_version_1_file_is_migrated_without_loss(tmp_path):
    path = tmp_path / "knowledge.duckdb"
    old = KnowledgeStore(path, target_version=1)
    assert old.schema_version() == 1
    with old.connect() as con:
        con.execute(
            "INSERT INTO people (id, name, origin, state, expertise, regions) VALUES ('pe-1', 'Ana Lopez', 'import', "
            "'published', ['health'], [])"
        )
        with pytest.raises(duckdb.CatalogException, match="Table with name policies does not exist"):
            con.execute("SELECT count(*) FROM policies")
    store = KnowledgeStore(path)
    assert store.schema_version() == SCHEMA_VERSION == 3
    assert store.rows("SELECT name, expertise FROM people") == [{"name": "Ana Lopez", "expertise": ["health"]}]
    assert store.rows("SELECT count(*) AS n FROM policies") == [{"n": 0}]
    assert store.rows("SELECT count(*) AS n FROM review_comments") == [{"n": 0}]
    assert store.migrate() == []  # nothing left to apply


def test_a_file_from_a_newer_program_is_refused(tmp_path):
    store = KnowledgeStore(tmp_path / "knowledge.duckdb")
    with store.connect() as con:
        con.execute("UPDATE meta SET value = 99 WHERE key = 'schema_version'")
    with pytest.raises(RuntimeError, match="newer"):
        KnowledgeStore(tmp_path / "knowledge.duckdb")


def test_history_is_append_only_and_ordered(tmp_path):
    store = KnowledgeStore(tmp_path / "knowledge.duckdb")
    with store.connect() as con:
        store.log(con, "policy", "po-1", "contributed", "ana")
        store.log(con, "policy", "po-1", "accept", "rita", "checked")
    assert [(h["action"], h["who"], h["comment"]) for h in store.history("policy", "po-1")] == [
        ("contributed", "ana", None),
        ("accept", "rita", "checked"),
    ]


def test_a_version_2_file_gains_the_assessment_tables_and_keeps_its_policies(tmp_path):
    path = tmp_path / "knowledge.duckdb"
    old = KnowledgeStore(path, target_version=2)
    with old.connect() as con:
        con.execute(
            "INSERT INTO policies (id, kind, title, country, status, source, state) VALUES ('po-1', 'law', "
            "'A law', 'SEN', 'proposed', '{\"title\": \"Bill\"}', 'published')"
        )
        with pytest.raises(duckdb.CatalogException, match="Table with name assessments does not exist"):
            con.execute("SELECT count(*) FROM assessments")
    store = KnowledgeStore(path)
    assert store.schema_version() == 3
    assert store.rows("SELECT id, title FROM policies") == [{"id": "po-1", "title": "A law"}]
    assert store.rows("SELECT count(*) AS n FROM assessments") == [{"n": 0}]
    assert store.rows("SELECT count(*) AS n FROM chapter_versions") == [{"n": 0}]
