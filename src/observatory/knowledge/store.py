"""The knowledge store: one DuckDB file beside the evidence store, one schema, versioned migrations."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from observatory.settings import Settings, get_settings
from observatory.warehouse.releases import open_locked_down

STORE_FILE = "knowledge.duckdb"

# Each step moves the file from version N-1 to N; a file is migrated step by step, never rebuilt, so nothing is lost.
MIGRATIONS: tuple[str, ...] = (
    # 1: the research directory.
    """
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value BIGINT);
CREATE TABLE people (
    id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, family VARCHAR, given VARCHAR, orcid VARCHAR, country VARCHAR,
    expertise VARCHAR[], regions VARCHAR[], origin VARCHAR, state VARCHAR, merged_into VARCHAR,
    submitted_by VARCHAR, created_at TIMESTAMP, updated_at TIMESTAMP);
CREATE TABLE person_names (name_key VARCHAR PRIMARY KEY, person_id VARCHAR, display VARCHAR);
CREATE TABLE institutions (
    id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, ror VARCHAR, country VARCHAR, kind VARCHAR,
    expertise VARCHAR[], regions VARCHAR[], origin VARCHAR, state VARCHAR, submitted_by VARCHAR,
    created_at TIMESTAMP, updated_at TIMESTAMP);
CREATE TABLE affiliations (person_id VARCHAR, institution_id VARCHAR, role VARCHAR);
CREATE TABLE authorships (name_key VARCHAR, record_id VARCHAR, position INTEGER);
CREATE TABLE record_topics (record_id VARCHAR, kind VARCHAR, value VARCHAR, confidence DOUBLE);
CREATE TABLE issuers (institution_id VARCHAR, record_id VARCHAR);
CREATE SEQUENCE history_seq;
CREATE TABLE history (
    seq BIGINT DEFAULT nextval('history_seq'), entity VARCHAR, entity_id VARCHAR, action VARCHAR, who VARCHAR,
    happened_at TIMESTAMP, comment VARCHAR, snapshot VARCHAR);
CREATE TABLE proposals (
    id VARCHAR PRIMARY KEY, kind VARCHAR, subjects VARCHAR[], reason VARCHAR, payload VARCHAR, state VARCHAR,
    proposed_by VARCHAR, created_at TIMESTAMP, decided_by VARCHAR, decided_at TIMESTAMP);
""",
    # 2: the policy and practice registry, and the dialogues.
    """
CREATE TABLE policies (
    id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, title VARCHAR NOT NULL, country VARCHAR, region VARCHAR,
    adopted DATE, in_force_from DATE, ended DATE, status VARCHAR NOT NULL, gcm INTEGER[], themes VARCHAR[],
    firewall_kind VARCHAR, summary VARCHAR, source VARCHAR NOT NULL, record_ids VARCHAR[], finding_ids VARCHAR[],
    state VARCHAR, submitted_by VARCHAR, created_at TIMESTAMP, updated_at TIMESTAMP);
CREATE TABLE dialogue_themes (
    id VARCHAR PRIMARY KEY, title VARCHAR NOT NULL, year INTEGER, proposed_by VARCHAR, rationale VARCHAR,
    evidence_themes VARCHAR[], status VARCHAR, source VARCHAR NOT NULL, submitted_by VARCHAR,
    created_at TIMESTAMP, updated_at TIMESTAMP);
CREATE TABLE endorsements (
    theme_id VARCHAR, member VARCHAR, position VARCHAR, note VARCHAR, source VARCHAR, recorded_by VARCHAR,
    recorded_at TIMESTAMP);
CREATE TABLE workshops (
    id VARCHAR PRIMARY KEY, theme_id VARCHAR, title VARCHAR NOT NULL, starts DATE, ends DATE, place VARCHAR,
    state VARCHAR, agenda VARCHAR[], participants VARCHAR, participants_total INTEGER, institution_ids VARCHAR[],
    background_paper VARCHAR, presentations VARCHAR[], key_themes VARCHAR[], common_understandings VARCHAR[],
    evidence_themes VARCHAR[], source VARCHAR NOT NULL, recorded_by VARCHAR, created_at TIMESTAMP,
    updated_at TIMESTAMP);
""",
    # 3: the panel's assessments: outline, chapters with lead authors, every submitted text, review comments and
    # their answers (a comment is never deleted; its answer is kept in the same row, beside it).
    """
CREATE TABLE assessments (
    id VARCHAR PRIMARY KEY, title VARCHAR NOT NULL, subtitle VARCHAR, scope VARCHAR, refs VARCHAR,
    state VARCHAR NOT NULL, created_by VARCHAR, created_at TIMESTAMP, updated_at TIMESTAMP,
    publication_id VARCHAR, release VARCHAR, published_by VARCHAR, published_at TIMESTAMP);
CREATE TABLE assessment_chapters (
    assessment_id VARCHAR NOT NULL, number INTEGER NOT NULL, title VARCHAR NOT NULL, scope VARCHAR,
    lead_authors VARCHAR[] NOT NULL, state VARCHAR NOT NULL, version INTEGER NOT NULL, approved_by VARCHAR,
    created_at TIMESTAMP, updated_at TIMESTAMP, PRIMARY KEY (assessment_id, number));
CREATE TABLE chapter_versions (
    assessment_id VARCHAR NOT NULL, chapter INTEGER NOT NULL, version INTEGER NOT NULL, text VARCHAR NOT NULL,
    submitted_by VARCHAR NOT NULL, submitted_at TIMESTAMP, PRIMARY KEY (assessment_id, chapter, version));
CREATE TABLE review_comments (
    assessment_id VARCHAR NOT NULL, chapter INTEGER NOT NULL, number INTEGER NOT NULL, version INTEGER NOT NULL,
    line INTEGER, body VARCHAR NOT NULL, author VARCHAR NOT NULL, created_at TIMESTAMP, answer VARCHAR,
    answered_by VARCHAR, answered_at TIMESTAMP, PRIMARY KEY (assessment_id, chapter, number));
""",
)
SCHEMA_VERSION = len(MIGRATIONS)


def now() -> datetime:
    """Current UTC time without tzinfo (DuckDB TIMESTAMP)."""
    return datetime.now(UTC).replace(tzinfo=None)


def store_path(settings: Settings | None = None) -> Path:
    """Path of the knowledge DuckDB file (beside the evidence store, whose tokens it shares)."""
    return (settings or get_settings()).evidence_dir / STORE_FILE


def plain(value: Any) -> Any:
    """JSON-safe value: dates as ISO text, nested lists and dicts converted."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


class KnowledgeStore:
    """Read and write the knowledge DuckDB file; one short-lived connection per operation."""

    def __init__(self, path: Path | str | None = None, target_version: int = SCHEMA_VERSION):
        self.path = Path(path) if path is not None else store_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.migrate(target_version)

    def schema_version(self) -> int:
        """Version of the file's schema (0 for a new file)."""
        if not self.path.exists():
            return 0
        with self.connect(read_only=True) as con:
            try:
                row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            except duckdb.CatalogException:
                return 0
        return int(row[0]) if row else 0

    def migrate(self, target_version: int = SCHEMA_VERSION) -> list[int]:
        """Apply the missing migration steps up to target_version, each in its own transaction; returns them."""
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise RuntimeError(f"knowledge store schema {current} is newer than this program ({SCHEMA_VERSION})")
        applied = []
        for version in range(current + 1, target_version + 1):
            with self.connect() as con:
                con.execute("BEGIN")
                con.execute(MIGRATIONS[version - 1])
                con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [version])
                con.execute("COMMIT")
            applied.append(version)
        return applied

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A locked-down connection (no files, network or extensions reachable from SQL), closed on exit."""
        con = open_locked_down(self.path, read_only=read_only)
        try:
            yield con
        finally:
            con.close()

    def rows(self, sql: str, params: list | None = None) -> list[dict[str, Any]]:
        """Query results as dicts."""
        with self.connect(read_only=True) as con:
            cursor = con.execute(sql, params or [])
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def version(self) -> int:
        """Counter bumped by every write (ETags of knowledge pages are made from it)."""
        with self.connect(read_only=True) as con:
            row = con.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    def bump(con: duckdb.DuckDBPyConnection) -> None:
        """Increment the store version inside an open connection."""
        con.execute("INSERT INTO meta VALUES ('version', 1) ON CONFLICT (key) DO UPDATE SET value = meta.value + 1")

    @staticmethod
    def log(
        con: duckdb.DuckDBPyConnection,
        entity: str,
        entity_id: str,
        action: str,
        who: str,
        comment: str | None = None,
        snapshot: Any = None,
    ) -> None:
        """Append one history entry (entries are never updated or deleted)."""
        con.execute(
            "INSERT INTO history (entity, entity_id, action, who, happened_at, comment, snapshot) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [entity, entity_id, action, who, now(), comment, json.dumps(plain(snapshot)) if snapshot else None],
        )

    def history(self, entity: str, entity_id: str) -> list[dict[str, Any]]:
        """Who did what to an entry, when, with which comment (oldest first)."""
        rows = self.rows(
            "SELECT action, who, happened_at AS at, comment FROM history "
            "WHERE entity = ? AND entity_id = ? ORDER BY seq",
            [entity, entity_id],
        )
        return [{**r, "at": r["at"].isoformat()} for r in rows]
