"""The vault's metadata store (SQLite): tokens, datasets and rules, uploads (counts only), frames, publications."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

TABLES = """
CREATE TABLE IF NOT EXISTS tokens (
    token_id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, role TEXT NOT NULL, org TEXT,
    label TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, expires_at TEXT NOT NULL, revoked_at TEXT);
CREATE TABLE IF NOT EXISTS datasets (
    dataset_id TEXT PRIMARY KEY, rules_json TEXT NOT NULL, rules_version INTEGER NOT NULL,
    released INTEGER NOT NULL DEFAULT 0, budget_spent REAL NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS uploads (
    upload_id TEXT PRIMARY KEY, dataset_id TEXT NOT NULL, org TEXT NOT NULL, n_records INTEGER NOT NULL,
    sha256 TEXT NOT NULL, created_at TEXT NOT NULL, status TEXT NOT NULL, withdrawn_at TEXT);
CREATE TABLE IF NOT EXISTS frames (
    dataset_id TEXT NOT NULL, frame_key TEXT NOT NULL, frame_json TEXT NOT NULL, PRIMARY KEY (dataset_id, frame_key));
CREATE TABLE IF NOT EXISTS publications (
    pub_id TEXT PRIMARY KEY, dataset_id TEXT NOT NULL, spec_json TEXT NOT NULL, uploads_json TEXT NOT NULL,
    title TEXT NOT NULL, licence TEXT NOT NULL, citation TEXT NOT NULL, url_main TEXT NOT NULL,
    version INTEGER NOT NULL, created_at TEXT NOT NULL, status TEXT NOT NULL);
"""


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """A UTC timestamp as ISO 8601 text."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@contextmanager
def connect(vault_dir: Path) -> Iterator[sqlite3.Connection]:
    """Open the metadata store; the block runs in one immediate transaction, committed on success."""
    vault_dir.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(vault_dir / "vault.sqlite", timeout=30, isolation_level=None)
    connection.row_factory = sqlite3.Row
    try:
        connection.execute("PRAGMA secure_delete = ON")
        connection.executescript(TABLES)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
    finally:
        connection.close()
