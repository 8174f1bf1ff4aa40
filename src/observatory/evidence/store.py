"""The curated evidence store: one mutable DuckDB file under settings.evidence_dir."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import duckdb
import numpy as np
import pandas as pd

from observatory.evidence.records import Label, Record, first_author_family, title_key
from observatory.settings import Settings, get_settings
from observatory.warehouse.releases import open_locked_down

STORE_FILE = "evidence.duckdb"
LOCK_WAIT_SECONDS = 30.0
SCHEMA_VERSION = 2

SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS records (
    id VARCHAR PRIMARY KEY, title VARCHAR NOT NULL, authors VARCHAR[], year INTEGER, type VARCHAR,
    venue VARCHAR, doi VARCHAR, url VARCHAR, abstract VARCHAR, language VARCHAR, access VARCHAR,
    licence VARCHAR, method VARCHAR, peer_review VARCHAR, keywords VARCHAR[], sources VARCHAR[],
    source_keys VARCHAR[], note VARCHAR, embed_text BOOLEAN, title_key VARCHAR, status VARCHAR,
    submitted_by VARCHAR, created_at TIMESTAMP, updated_at TIMESTAMP, genre VARCHAR, work_key VARCHAR);
CREATE TABLE IF NOT EXISTS labels (
    record_id VARCHAR, kind VARCHAR, value VARCHAR, confidence DOUBLE, origin VARCHAR);
CREATE SEQUENCE IF NOT EXISTS curation_seq;
CREATE TABLE IF NOT EXISTS curations (
    seq BIGINT DEFAULT nextval('curation_seq'), record_id VARCHAR, kind VARCHAR, value VARCHAR,
    action VARCHAR, curator VARCHAR, comment VARCHAR, decided_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS embeddings (record_id VARCHAR PRIMARY KEY, text_sha VARCHAR, model VARCHAR, vector BLOB);
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value BIGINT);
CREATE TABLE IF NOT EXISTS findings (
    id VARCHAR PRIMARY KEY, statement VARCHAR, evidence VARCHAR, agreement VARCHAR, confidence VARCHAR,
    confidence_note VARCHAR, likelihood VARCHAR, probability_low DOUBLE, probability_high DOUBLE,
    author VARCHAR, created_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS finding_evidence (finding_id VARCHAR, record_id VARCHAR, stance VARCHAR, position INTEGER);
CREATE TABLE IF NOT EXISTS tokens (token_hash VARCHAR PRIMARY KEY, name VARCHAR, role VARCHAR, created_at """
    """TIMESTAMP, revoked BOOLEAN);
CREATE TABLE IF NOT EXISTS reviews (record_id VARCHAR, reviewer VARCHAR, decided_at TIMESTAMP, decision VARCHAR, """
    """comment VARCHAR);
CREATE OR REPLACE VIEW curation_latest AS
    SELECT * FROM curations QUALIFY row_number() OVER (PARTITION BY record_id, kind, value ORDER BY seq DESC) = 1;
CREATE OR REPLACE VIEW effective_labels AS
    SELECT l.record_id, l.kind, l.value,
           CASE WHEN c.action = 'confirm' THEN 1.0 ELSE l.confidence END AS confidence,
           CASE WHEN c.action = 'confirm' THEN l.origin || '; confirmed by ' || c.curator ELSE l.origin END AS origin,
           coalesce(c.action, 'auto') AS status
    FROM labels l LEFT JOIN curation_latest c USING (record_id, kind, value)
    WHERE coalesce(c.action, '') <> 'remove'
    UNION ALL
    SELECT c.record_id, c.kind, c.value, 1.0, 'curator:' || c.curator, 'added'
    FROM curation_latest c
    WHERE c.action IN ('add', 'confirm')
      AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.record_id = c.record_id AND l.kind = c.kind AND l.value = c.value);
"""
)

# A version 1 file gains the columns added since; work keys of its rows are filled in by EvidenceStore.
UPGRADE_FROM_1 = """
ALTER TABLE records ADD COLUMN IF NOT EXISTS genre VARCHAR;
ALTER TABLE records ADD COLUMN IF NOT EXISTS work_key VARCHAR;
"""

RECORD_COLUMNS = [
    "id",
    "title",
    "authors",
    "year",
    "type",
    "venue",
    "doi",
    "url",
    "abstract",
    "language",
    "access",
    "licence",
    "method",
    "peer_review",
    "keywords",
    "sources",
    "source_keys",
    "note",
    "embed_text",
    "title_key",
    "status",
    "submitted_by",
    "created_at",
    "updated_at",
    "genre",
    "work_key",
]
MERGE_FILL = ["genre", "year", "venue", "doi", "url", "abstract", "language", "access", "licence", "method", "note"]


def now() -> datetime:
    """Current UTC time without tzinfo (DuckDB TIMESTAMP)."""
    return datetime.now(UTC).replace(tzinfo=None)


def store_path(settings: Settings | None = None) -> Path:
    """Path of the evidence DuckDB file."""
    return (settings or get_settings()).evidence_dir / STORE_FILE


@dataclass
class WriteResult:
    """What a batch write did: ids in input order, and which were new or merged into existing records."""

    ids: list[str] = field(default_factory=list)
    added: int = 0
    merged: int = 0


def _row_from_record(rec: Record, rid: str, status: str, submitted_by: str | None) -> dict:
    """Store row for a new record."""
    stamp = now()
    return {
        "id": rid,
        "title": rec.title,
        "authors": list(rec.authors),
        "year": rec.year,
        "type": rec.type.value,
        "venue": rec.venue,
        "doi": rec.doi,
        "url": rec.url,
        "abstract": rec.abstract,
        "language": rec.language,
        "access": rec.access,
        "licence": rec.licence,
        "method": rec.method.value if rec.method else None,
        "peer_review": rec.peer_review.value,
        "keywords": list(rec.keywords),
        "sources": [rec.source],
        "source_keys": [rec.source_key] if rec.source_key else [],
        "note": rec.note,
        "embed_text": rec.embed_text,
        "title_key": title_key(rec.title, rec.year),
        "status": status,
        "submitted_by": submitted_by,
        "created_at": stamp,
        "updated_at": stamp,
        "genre": rec.genre.value if rec.genre else None,
        "work_key": rec.work_key(),
    }


def _merge_row(row: dict, rec: Record) -> dict:
    """Fill the stored row's empty fields from an incoming duplicate; lists are unioned, nothing is dropped."""
    incoming = _row_from_record(rec, row["id"], row["status"], row["submitted_by"])
    merged = dict(row)
    for name in MERGE_FILL:
        if merged.get(name) in (None, "") and incoming.get(name) not in (None, ""):
            merged[name] = incoming[name]
    if not merged.get("authors"):
        merged["authors"] = incoming["authors"]
    if merged.get("peer_review") in (None, "unknown"):
        merged["peer_review"] = incoming["peer_review"]
    for name in ("keywords", "sources", "source_keys"):
        merged[name] = list(dict.fromkeys([*(merged.get(name) or []), *(incoming[name] or [])]))
    merged["embed_text"] = bool(merged.get("embed_text")) or bool(incoming["embed_text"])
    if merged.get("doi"):  # a DOI filled in from the duplicate now names the work
        merged["work_key"] = "doi:" + merged["doi"]
    elif not merged.get("work_key"):
        merged["work_key"] = incoming["work_key"]
    merged["updated_at"] = now()
    return merged


def mergeable(work_key: str | None) -> bool:
    """Whether a work key can identify a work: a DOI, or a title with letters or digits (not only its year)."""
    # A title with no Latin letters or digits normalises to nothing; such records would all share one key per
    # year and author, so they merge only by DOI or source key.
    return bool(work_key) and not str(work_key).startswith("work:|")


def content_key(stored_title_key: str | None, authors: Iterable[str] | None) -> str:
    """A stored row's work key without its DOI, as Record.work_key() gives it (normalised title, year, first author)."""
    return f"work:{stored_title_key or ''}|{first_author_family(list(authors or []))}"


class WorkIndex:
    """Stored records by work key and source key: which stored record, if any, is the same work as a new one."""

    SQL = "SELECT id, doi, work_key, title_key, authors[1:1] AS first_author, source_keys FROM records ORDER BY id"

    def __init__(self, stored: Iterable[tuple]):
        self.ids: set[str] = set()
        self.by_work: dict[str, str] = {}  # the DOI key of a record with a DOI, else its title-year-author key
        # Title-year-author keys of records that have a DOI: a new record without a DOI may be the same work.
        self.by_content_of_doi: dict[str, str] = {}
        self.by_source_key: dict[str, str] = {}
        for rid, doi, work_key, stored_title_key, first_author, source_keys in stored:
            content = content_key(stored_title_key, first_author)
            self._index(rid, work_key or (f"doi:{doi}" if doi else content), content if doi else None, source_keys)

    def _index(self, rid: str, work_key: str, content_of_doi: str | None, source_keys: Iterable[str] | None) -> None:
        self.ids.add(rid)
        if mergeable(work_key):
            self.by_work.setdefault(work_key, rid)
        if content_of_doi is not None and mergeable(content_of_doi):
            self.by_content_of_doi.setdefault(content_of_doi, rid)
        for key in source_keys or ():
            self.by_source_key.setdefault(key, rid)

    def find(self, rec: Record) -> str | None:
        """The stored record that is the same work as `rec`, or None."""
        found = self.by_source_key.get(rec.source_key) if rec.source_key else None
        work_key = rec.work_key()
        if found is None and mergeable(work_key):
            found = self.by_work.get(work_key)
        content = rec.content_key()
        if found is None and mergeable(content):
            # With a DOI: a stored record of the same title, year and author that has none yet is this work; two
            # different DOIs are two works however alike their titles. Without one: any record of that content.
            found = self.by_work.get(content) if rec.doi else self.by_content_of_doi.get(content)
        return found

    def add(self, rid: str, rec: Record) -> None:
        """Index a record just written (new or merged) so later records of the same batch find it."""
        content = rec.content_key()
        self._index(rid, rec.work_key(), content if rec.doi else None, [rec.source_key] if rec.source_key else [])
        if rec.doi and self.by_work.get(content) == rid:
            del self.by_work[content]  # the record has a DOI now: a record with another DOI is another work

    def new_id(self, rec: Record) -> str:
        """An id for a new record: its usual stable id, or one from its work key when another work holds that."""
        rid = rec.record_id()
        if rid in self.ids:  # e.g. two works sharing title and year, told apart by their authors
            basis = rec.work_key()
            rid = "ev-" + hashlib.sha1(f"work:{basis}".encode()).hexdigest()[:12]
            counter = 1
            while rid in self.ids:
                rid = "ev-" + hashlib.sha1(f"work:{basis}#{counter}".encode()).hexdigest()[:12]
                counter += 1
        return rid


class EvidenceStore:
    """Read and write the evidence DuckDB file; one short-lived connection per operation."""

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path is not None else store_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self._schema_version() < SCHEMA_VERSION:
            with self.connect() as con:
                con.execute(SCHEMA)
                con.execute(UPGRADE_FROM_1)
                self._fill_work_keys(con)
                con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])

    @staticmethod
    def _fill_work_keys(con: duckdb.DuckDBPyConnection) -> None:
        """Work keys of rows stored before the column existed, as Record.work_key() gives them."""
        stored = con.execute("SELECT id, doi, title_key, authors FROM records WHERE work_key IS NULL").fetchall()
        if not stored:
            return
        keys = [
            (rid, f"doi:{doi}" if doi else content_key(stored_title_key, authors))
            for rid, doi, stored_title_key, authors in stored
        ]
        con.register("filled", pd.DataFrame(keys, columns=["id", "work_key"]))
        con.execute("UPDATE records SET work_key = filled.work_key FROM filled WHERE records.id = filled.id")
        con.unregister("filled")

    def _schema_version(self) -> int:
        """Schema version of an existing file (read-only look), 0 for a new or older file."""
        if not self.path.exists():
            return 0
        try:
            with self.connect(read_only=True) as con:
                row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except duckdb.CatalogException:
            return 0
        return int(row[0]) if row else 0

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the store, closed on exit."""
        # Same lock-down as release connections: SQL on the store can reach no file, network or extension.
        con = self._open(read_only)
        try:
            yield con
        finally:
            con.close()

    def _open(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        """Open the file, waiting while another process holds it (e.g. `evidence embed` running beside the server)."""
        # DuckDB lets one process write or several read a file; each side holds it only for one short operation here,
        # so waiting a little is enough.
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        delay = 0.02
        while True:
            try:
                return open_locked_down(self.path, read_only=read_only)
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower() or time.monotonic() + delay > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    def meta_value(self, key: str) -> int | None:
        """A value of the meta table, or None."""
        with self.connect(read_only=True) as con:
            row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return int(row[0]) if row else None

    def set_meta_value(self, key: str, value: int) -> None:
        """Set a value of the meta table."""
        with self.connect() as con:
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    def version(self) -> int:
        """Counter bumped by every write; search indexes are cached against it."""
        with self.connect(read_only=True) as con:
            row = con.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    def bump(con: duckdb.DuckDBPyConnection) -> None:
        """Increment the store version inside an open connection."""
        con.execute("INSERT INTO meta VALUES ('version', 1) ON CONFLICT (key) DO UPDATE SET value = meta.value + 1")

    def write_records(
        self, records: Iterable[Record], status: str = "public", submitted_by: str | None = None
    ) -> WriteResult:
        """Insert records, merging each into a stored one of the same work (DOI, source key or work key)."""
        records = list(records)
        result = WriteResult()
        if not records:
            return result
        with self.connect() as con:
            index = WorkIndex(con.execute(WorkIndex.SQL).fetchall())
            rows: dict[str, dict] = {}
            pending: list[tuple[str, Record]] = []
            for rec in records:
                rid = index.find(rec)
                if rid is None:
                    rid = index.new_id(rec)
                    rows[rid] = _row_from_record(rec, rid, status, submitted_by)
                    result.added += 1
                else:
                    pending.append((rid, rec))
                    result.merged += 1
                index.add(rid, rec)
                result.ids.append(rid)
            stored_ids = [rid for rid, _ in pending if rid not in rows]
            for row in self._row_dicts(con, stored_ids):
                rows[row["id"]] = row
            for rid, rec in pending:
                rows[rid] = _merge_row(rows[rid], rec)
            self._replace_rows(con, list(rows.values()))
            self.bump(con)
        return result

    def find_duplicate(self, rec: Record) -> str | None:
        """Id of a stored record that `rec` would merge into (the same work), if any."""
        with self.connect(read_only=True) as con:
            return WorkIndex(con.execute(WorkIndex.SQL).fetchall()).find(rec)

    @staticmethod
    def _replace_rows(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
        """Delete then insert the given full rows in one transaction."""
        frame = pd.DataFrame(rows, columns=RECORD_COLUMNS)
        con.execute("BEGIN")
        con.register("incoming", frame)
        con.execute("DELETE FROM records WHERE id IN (SELECT id FROM incoming)")
        columns = ", ".join(RECORD_COLUMNS)
        con.execute(f"INSERT INTO records ({columns}) SELECT {columns} FROM incoming")
        con.unregister("incoming")
        con.execute("COMMIT")

    def set_auto_labels(self, labels_by_record: dict[str, list[Label]]) -> None:
        """Replace the machine labels of the given records (curator decisions are kept separately)."""
        if not labels_by_record:
            return
        rows = [
            (rid, lab.kind.value, lab.value, round(lab.confidence, 3), lab.origin)
            for rid, labs in labels_by_record.items()
            for lab in {(x.kind, x.value): x for x in labs}.values()
        ]
        frame = pd.DataFrame(rows, columns=["record_id", "kind", "value", "confidence", "origin"])
        ids = pd.DataFrame({"id": list(labels_by_record)})
        with self.connect() as con:
            con.execute("BEGIN")
            con.register("ids", ids)
            con.register("incoming", frame)
            con.execute("DELETE FROM labels WHERE record_id IN (SELECT id FROM ids)")
            con.execute("INSERT INTO labels SELECT * FROM incoming")
            con.execute("COMMIT")
            self.bump(con)

    def curate(
        self, record_id: str, kind: str, value: str, action: str, curator: str, comment: str | None = None
    ) -> None:
        """Record a curator's decision on a label: confirm, add or remove; it survives re-imports."""
        if action not in ("confirm", "add", "remove"):
            raise ValueError(f"unknown curation action {action!r}")
        with self.connect() as con:
            if not con.execute("SELECT 1 FROM records WHERE id = ?", [record_id]).fetchone():
                raise KeyError(f"no record {record_id}")
            con.execute(
                "INSERT INTO curations (record_id, kind, value, action, curator, comment, decided_at) VALUES (?, ?, "
                "?, ?, ?, ?, ?)",
                [record_id, kind, value, action, curator, comment, now()],
            )
            self.bump(con)

    def labels(self, record_id: str) -> list[dict]:
        """Effective labels of a record (machine labels with curator decisions applied)."""
        with self.connect(read_only=True) as con:
            frame = con.execute(
                "SELECT kind, value, confidence, origin, status FROM effective_labels WHERE record_id = ? ORDER BY "
                "kind, confidence DESC, value",
                [record_id],
            ).df()
        return frame.to_dict("records")

    def get(self, record_id: str) -> dict | None:
        """One record as a dict with its effective labels, or None."""
        with self.connect(read_only=True) as con:
            frame = con.execute("SELECT * FROM records WHERE id = ?", [record_id]).df()
        if frame.empty:
            return None
        row = clean_row(frame.to_dict("records")[0])
        row["labels"] = self.labels(record_id)
        return row

    def count(self, status: str | None = "public") -> int:
        """Number of records (with the given status, or all)."""
        with self.connect(read_only=True) as con:
            if status is None:
                return cast(tuple, con.execute("SELECT count(*) FROM records").fetchone())[0]
            return cast(tuple, con.execute("SELECT count(*) FROM records WHERE status = ?", [status]).fetchone())[0]

    def records_frame(self, status: str = "public") -> pd.DataFrame:
        """Records with the given status as a DataFrame."""
        with self.connect(read_only=True) as con:
            return con.execute("SELECT * FROM records WHERE status = ? ORDER BY id", [status]).df()

    def row_dicts_by_ids(self, ids: list[str]) -> list[dict]:
        """Stored rows (any status) for the given ids, as plain Python values."""
        with self.connect(read_only=True) as con:
            return self._row_dicts(con, ids)

    @staticmethod
    def _row_dicts(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[dict]:
        """Rows of the given ids; DuckDB's own Python values (lists, datetimes, None) need no DataFrame clean-up."""
        if not ids:
            return []
        con.register("wanted", pd.DataFrame({"id": list(dict.fromkeys(ids))}))
        cursor = con.execute("SELECT r.* FROM records r JOIN wanted USING (id)")
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
        con.unregister("wanted")
        return rows

    def rows_by_ids(self, ids: list[str]) -> pd.DataFrame:
        """Stored rows (any status) for the given ids."""
        with self.connect(read_only=True) as con:
            con.register("wanted", pd.DataFrame({"id": list(dict.fromkeys(ids))}))
            return con.execute("SELECT r.* FROM records r JOIN wanted USING (id)").df()

    def labels_frame(self, status: str = "public") -> pd.DataFrame:
        """Effective labels of records with the given status."""
        with self.connect(read_only=True) as con:
            return con.execute(
                "SELECT l.* FROM effective_labels l JOIN records r ON r.id = l.record_id WHERE r.status = ?", [status]
            ).df()

    def texts_to_embed(self) -> dict[str, str]:
        """Record id -> text for records whose embedding is missing or stale."""
        with self.connect(read_only=True) as con:
            frame = con.execute(
                """SELECT r.id, r.title, r.abstract, r.keywords, e.text_sha FROM records r
                   LEFT JOIN embeddings e ON e.record_id = r.id WHERE r.embed_text"""
            ).df()
        out = {}
        for row in frame.itertuples(index=False):
            text = embedding_text(row.title, row.abstract)
            if row.text_sha != text_sha(text):
                out[row.id] = text
        return out

    def put_embeddings(self, vectors: dict[str, tuple[str, np.ndarray]], model: str) -> None:
        """Store embeddings: record id -> (text, vector)."""
        if not vectors:
            return
        frame = pd.DataFrame(
            [(rid, text_sha(text), model, vec.astype(np.float32).tobytes()) for rid, (text, vec) in vectors.items()],
            columns=["record_id", "text_sha", "model", "vector"],
        )
        with self.connect() as con:
            con.execute("BEGIN")
            con.register("incoming", frame)
            con.execute("DELETE FROM embeddings WHERE record_id IN (SELECT record_id FROM incoming)")
            con.execute("INSERT INTO embeddings SELECT * FROM incoming")
            self.bump(con)
            con.execute("COMMIT")

    def embeddings(self) -> tuple[list[str], np.ndarray]:
        """All stored embeddings as (record ids, float32 matrix)."""
        with self.connect(read_only=True) as con:
            rows = con.execute("SELECT record_id, vector FROM embeddings ORDER BY record_id").fetchall()
        if not rows:
            return [], np.zeros((0, 384), dtype=np.float32)
        matrix = np.frombuffer(b"".join(bytes(v) for _, v in rows), dtype=np.float32).reshape(len(rows), -1)
        return [r for r, _ in rows], matrix


def embedding_text(title: str, abstract: str | None) -> str:
    """The text embedded for a record: title and abstract."""
    return f"{title}. {abstract}" if abstract else title


def text_sha(text: str) -> str:
    """Short hash of an embedded text, to know when an embedding is stale."""
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def clean_row(row: dict) -> dict:
    """Plain Python values from a DataFrame row (NaN -> None, arrays -> lists)."""
    out = {}
    for key, value in row.items():
        if isinstance(value, np.ndarray):
            value = value.tolist()
        elif value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
            value = None
        elif isinstance(value, np.integer) or (key == "year" and isinstance(value, float)):
            value = int(value)
        elif isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        out[key] = value
    return out
