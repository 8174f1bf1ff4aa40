"""The vault's metadata store (SQLite): tokens, datasets, grants, uploads (counts only), frames, budgets, publications.

Nothing here identifies a record: no digest of an upload or a row is kept, a withdrawn upload's row is deleted, and
deleted content is overwritten in the file (secure_delete). Every file and folder is owner-only."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

SCHEMA_VERSION = 2
TABLES = """
CREATE TABLE IF NOT EXISTS tokens (
    token_id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, role TEXT NOT NULL, org TEXT,
    label TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, expires_at TEXT NOT NULL, revoked_at TEXT);
CREATE TABLE IF NOT EXISTS datasets (
    dataset_id TEXT PRIMARY KEY, rules_json TEXT NOT NULL, rules_version INTEGER NOT NULL,
    released INTEGER NOT NULL DEFAULT 0, budget_spent REAL NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS grants (
    dataset_id TEXT NOT NULL, org TEXT NOT NULL, kind TEXT NOT NULL, granted_at TEXT NOT NULL,
    PRIMARY KEY (dataset_id, org));
CREATE TABLE IF NOT EXISTS uploads (
    upload_id TEXT PRIMARY KEY, dataset_id TEXT NOT NULL, org TEXT NOT NULL, n_records INTEGER NOT NULL,
    created_at TEXT NOT NULL, status TEXT NOT NULL, withdrawn_at TEXT);
CREATE TABLE IF NOT EXISTS frames (
    dataset_id TEXT NOT NULL, frame_key TEXT NOT NULL, frame_json TEXT NOT NULL, PRIMARY KEY (dataset_id, frame_key));
CREATE TABLE IF NOT EXISTS analyst_releases (
    dataset_id TEXT NOT NULL, analyst TEXT NOT NULL, release_id TEXT NOT NULL, epsilon REAL NOT NULL,
    PRIMARY KEY (dataset_id, analyst, release_id));
CREATE TABLE IF NOT EXISTS publications (
    pub_id TEXT PRIMARY KEY, dataset_id TEXT NOT NULL, spec_json TEXT NOT NULL, uploads_json TEXT NOT NULL,
    title TEXT NOT NULL, licence TEXT NOT NULL, citation TEXT NOT NULL, url_main TEXT NOT NULL,
    version INTEGER NOT NULL, created_at TEXT NOT NULL, status TEXT NOT NULL);
"""
# Version 1 kept the SHA-256 of every raw upload (brute-forceable for small uploads) and withdrawn uploads' rows.
MIGRATE_FROM_1 = """
CREATE TABLE uploads_v2 (
    upload_id TEXT PRIMARY KEY, dataset_id TEXT NOT NULL, org TEXT NOT NULL, n_records INTEGER NOT NULL,
    created_at TEXT NOT NULL, status TEXT NOT NULL, withdrawn_at TEXT);
INSERT INTO uploads_v2 (upload_id, dataset_id, org, n_records, created_at, status)
    SELECT upload_id, dataset_id, org, n_records, created_at, status FROM uploads WHERE status = 'active';
DROP TABLE uploads;
ALTER TABLE uploads_v2 RENAME TO uploads;
INSERT OR IGNORE INTO grants (dataset_id, org, kind, granted_at)
    SELECT DISTINCT dataset_id, org, 'contributor', created_at FROM uploads;
"""


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """A UTC timestamp as ISO 8601 text."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def private_dir(folder: Path) -> Path:
    """Create a folder (and missing parents) readable only by its owner; tighten it if it exists."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if folder.stat().st_mode & 0o077:
        os.chmod(folder, 0o700)
    return folder


def private_file(path: Path) -> Path:
    """Create an empty file readable only by its owner (or tighten an existing one) before anything writes to it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    return path


def _columns(connection: sqlite3.Connection, table: str) -> set[str]:
    """Column names of a table."""
    return {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}


def _run(connection: sqlite3.Connection, script: str) -> None:
    """Run statements one by one (executescript would commit the caller's transaction first)."""
    for statement in script.split(";\n"):
        if statement.strip():
            connection.execute(statement)


def _migrate(connection: sqlite3.Connection) -> None:
    """Bring an older store to the current schema (inside the caller's exclusive transaction)."""
    if "sha256" in _columns(connection, "uploads"):
        _run(connection, MIGRATE_FROM_1)
    connection.execute("DELETE FROM frames")  # a cache; frames of earlier versions lack what this one records
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


@contextmanager
def connect(vault_dir: Path) -> Iterator[sqlite3.Connection]:
    """Open the metadata store; the block runs in one immediate transaction, committed on success."""
    private_dir(vault_dir)
    # SQLite gives its rollback journal the database file's mode, so creating the file 0600 first covers both.
    path = private_file(vault_dir / "vault.sqlite")
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    connection.row_factory = sqlite3.Row
    try:
        connection.execute("PRAGMA secure_delete = ON")
        if connection.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            connection.execute("BEGIN EXCLUSIVE")
            try:
                _run(connection, TABLES)
                if connection.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                    _migrate(connection)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
    finally:
        connection.close()
