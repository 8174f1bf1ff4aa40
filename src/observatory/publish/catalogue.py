"""The publications catalogue: every generated or imported publication with series and number, kept in one file."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, field_validator

from observatory.settings import Settings

CATALOGUE_FILE = "catalogue.sqlite3"
PUBLICATIONS_FOLDER = "publications"
SCHEMA_VERSION = 1

# Series of the observatory: code -> (title, what it holds). A publication's number counts within its series.
SERIES = {
    "MP": ("Migration Profiles", "country Migration Profiles"),
    "CP": ("Corridor Profiles", "corridor profiles: causes, costs and benefits"),
    "PB": ("Policy Briefs", "two-page briefs on a country or a corridor"),
    "TR": ("Thematic Reports", "thematic reports built from an outline"),
    "AR": ("Assessment Reports", "assessment reports: chapters with lead authors, reviewed"),
    "DR": ("Dialogue Records", "records of dialogue workshops"),
    "BP": ("Background Papers", "background papers for a dialogue theme"),
}
FORMAT_TYPES = {
    "html": "text/html",
    "pdf": "application/pdf",
    "md": "text/markdown",
    "json": "application/json",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv",
}
SUBJECT = re.compile(r"[A-Za-z0-9][A-Za-z0-9:._-]{0,119}")
LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")
ENTRY_ID = re.compile(r"(?P<series>[A-Z]{2})-(?P<number>[0-9]{4,6})")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS publication (
    id TEXT PRIMARY KEY, series TEXT NOT NULL, number INTEGER NOT NULL, identity TEXT NOT NULL UNIQUE,
    subject TEXT NOT NULL, title TEXT NOT NULL, subtitle TEXT, published TEXT NOT NULL, language TEXT NOT NULL,
    authors TEXT NOT NULL, release TEXT, origin TEXT NOT NULL, summary TEXT, registered TEXT NOT NULL,
    updated TEXT NOT NULL, UNIQUE (series, number));
CREATE TABLE IF NOT EXISTS publication_format (
    publication_id TEXT NOT NULL, format TEXT NOT NULL, path TEXT NOT NULL, bytes INTEGER NOT NULL,
    written TEXT NOT NULL, PRIMARY KEY (publication_id, format));
"""


class CatalogueError(ValueError):
    """A publication that cannot be registered (unknown series, file outside the publications folder, bad field)."""


class NewPublication(BaseModel):
    """What a generator or an import tells the catalogue; `files` maps a format (pdf, html, ...) to a written file."""

    series: str = Field(description="Series code, one of SERIES (MP, CP, PB, TR, AR, DR, BP).")
    subject: str = Field(description="What the publication is about, stable across releases: DEU, SYR-DEU, theme:x.")
    title: str = Field(min_length=1, max_length=400)
    subtitle: str | None = Field(default=None, max_length=400)
    language: str = "en"
    authors: list[str] = Field(default_factory=list, max_length=200)
    release: str | None = Field(default=None, max_length=40, description="Warehouse release whose data it uses.")
    published: date | None = Field(default=None, description="Publication date; today (UTC) when not given.")
    summary: str | None = Field(default=None, max_length=4000)
    origin: str = Field(default="generated", pattern="^(generated|imported)$")
    files: dict[str, Path] = Field(default_factory=dict)

    @field_validator("series")
    @classmethod
    def _known_series(cls, value: str) -> str:
        if value not in SERIES:
            raise ValueError(f"series must be one of {', '.join(SERIES)}")
        return value

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str) -> str:
        if not SUBJECT.fullmatch(value):
            raise ValueError("subject must be letters, digits and : . _ - (at most 120)")
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if not LANGUAGE.fullmatch(value):
            raise ValueError("language must be a BCP 47 code such as en, fr or pt-BR")
        return value

    @field_validator("authors")
    @classmethod
    def _authors(cls, value: list[str]) -> list[str]:
        if any(not a.strip() or len(a) > 200 for a in value):
            raise ValueError("each author is a name of 1 to 200 characters")
        return [a.strip() for a in value]

    @field_validator("files")
    @classmethod
    def _formats(cls, value: dict[str, Path]) -> dict[str, Path]:
        unknown = set(value) - set(FORMAT_TYPES)
        if unknown:
            raise ValueError(f"formats must be among {', '.join(FORMAT_TYPES)}")
        return value


def utc_now() -> str:
    """The current UTC time as ISO 8601 with seconds and a Z."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def publications_root(settings: Settings) -> Path:
    """Folder holding every publication file of a home (served by /api/publications/...)."""
    return settings.home / PUBLICATIONS_FOLDER


def release_folder(settings: Settings, release_id: str, series: str) -> Path:
    """Where a generator writes the files of one series for one release: publications/<release>/<series>/."""
    if series not in SERIES:
        raise CatalogueError(f"series must be one of {', '.join(SERIES)}")
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", release_id) or release_id.startswith("."):
        raise CatalogueError("a release id is letters, digits, '_', '.' and '-'")
    return publications_root(settings) / release_id / series.lower()


def catalogue_path(settings: Settings) -> Path:
    """The catalogue's SQLite file (SQLite because the portal and the CLI register at the same time)."""
    return settings.home / CATALOGUE_FILE


@contextmanager
def connect(settings: Settings) -> Iterator[sqlite3.Connection]:
    """A connection to the catalogue (created on first use), closed on exit."""
    path = catalogue_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA journal_mode=WAL")
        connection.executescript(SCHEMA)
        connection.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        yield connection
    finally:
        connection.close()


def _relative_file(settings: Settings, path: Path) -> tuple[str, int]:
    """(path relative to the home, size) of a publication file; it must be a plain file under publications/."""
    root = publications_root(settings).resolve()
    path = Path(path)
    if path.is_symlink() or not path.is_file():
        raise CatalogueError(f"publication file {path.name} does not exist or is a link")
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        raise CatalogueError(f"publication files must be written under {root} (use import_publication to copy one)")
    return resolved.relative_to(settings.home.resolve()).as_posix(), resolved.stat().st_size


def register_publication(settings: Settings, publication: NewPublication) -> dict[str, Any]:
    """Add a publication (or update the one with the same series, subject, release and language); returns its entry."""
    files = {fmt: _relative_file(settings, path) for fmt, path in publication.files.items()}
    identity = "|".join([publication.series, publication.subject, publication.release or "", publication.language])
    stamp = utc_now()
    published = (publication.published or datetime.now(UTC).date()).isoformat()
    with connect(settings) as con:
        con.execute("BEGIN IMMEDIATE")  # one writer at a time: numbers are never given twice
        try:
            row = con.execute("SELECT id FROM publication WHERE identity = ?", [identity]).fetchone()
            fields = [
                publication.subject,
                publication.title,
                publication.subtitle,
                published,
                publication.language,
                json.dumps(publication.authors, ensure_ascii=False),
                publication.release,
                publication.origin,
                publication.summary,
            ]
            if row is None:
                number = con.execute(
                    "SELECT coalesce(max(number), 0) + 1 FROM publication WHERE series = ?", [publication.series]
                ).fetchone()[0]
                entry_id = f"{publication.series}-{number:04d}"
                con.execute(
                    "INSERT INTO publication VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [entry_id, publication.series, number, identity, *fields, stamp, stamp],
                )
            else:
                entry_id = row[0]
                con.execute(
                    "UPDATE publication SET subject = ?, title = ?, subtitle = ?, published = ?, language = ?, "
                    "authors = ?, release = ?, origin = ?, summary = ?, updated = ? WHERE id = ?",
                    [*fields, stamp, entry_id],
                )
            for fmt, (relative, size) in files.items():
                con.execute(
                    "INSERT OR REPLACE INTO publication_format VALUES (?, ?, ?, ?, ?)",
                    [entry_id, fmt, relative, size, stamp],
                )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    found = get_publication(settings, entry_id)
    assert found is not None  # just written in the same home
    return found


def import_publication(settings: Settings, publication: NewPublication) -> dict[str, Any]:
    """Copy files made elsewhere into publications/imported/<series>/ and register them as an imported publication."""
    folder = publications_root(settings) / "imported" / publication.series.lower()
    folder.mkdir(parents=True, exist_ok=True)
    copied: dict[str, Path] = {}
    for fmt, source in publication.files.items():
        source = Path(source)
        if source.is_symlink() or not source.is_file():
            raise CatalogueError(f"file for format {fmt} does not exist or is a link")
        target = folder / f"{publication.subject.replace(':', '_')}.{publication.language}.{fmt}"
        shutil.copyfile(source, target)
        copied[fmt] = target
    return register_publication(settings, publication.model_copy(update={"files": copied, "origin": "imported"}))


def _entry(row: sqlite3.Row, formats: list[sqlite3.Row], home: Path) -> dict[str, Any]:
    """A catalogue row as JSON-ready data; formats whose file is gone are left out."""
    title, _ = SERIES[row["series"]]
    present = [f for f in formats if (home / f["path"]).is_file()]
    return {
        "id": row["id"],
        "series": row["series"],
        "series_title": title,
        "number": row["number"],
        "citation_number": f"{title} No. {row['number']}",
        "subject": row["subject"],
        "title": row["title"],
        "subtitle": row["subtitle"],
        "date": row["published"],
        "language": row["language"],
        "authors": json.loads(row["authors"]),
        "release": row["release"],
        "origin": row["origin"],
        "summary": row["summary"],
        "registered": row["registered"],
        "updated": row["updated"],
        "formats": [
            {
                "format": f["format"],
                "media_type": FORMAT_TYPES[f["format"]],
                "path": f["path"],
                "url": f"/api/publications/{f['path']}",
                "bytes": f["bytes"],
                "written": f["written"],
            }
            for f in sorted(present, key=lambda f: list(FORMAT_TYPES).index(f["format"]))
        ],
    }


def _like(text: str) -> str:
    """A LIKE pattern matching the text literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_publications(
    settings: Settings,
    q: str | None = None,
    *,
    series: str | None = None,
    language: str | None = None,
    release: str | None = None,
    subject: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Publications matching every word of q (title, subtitle, authors, subject, id, summary), newest first; total."""
    if not catalogue_path(settings).is_file():
        return [], 0
    where, params = [], []
    for word in (q or "").split()[:12]:
        where.append(
            "(title || ' ' || coalesce(subtitle, '') || ' ' || authors || ' ' || subject || ' ' || id || ' ' || "
            "coalesce(summary, '') || ' ' || series) LIKE ? ESCAPE '\\'"
        )
        params.append(_like(word))
    for column, value in (("series", series), ("language", language), ("release", release), ("subject", subject)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    clause = " WHERE " + " AND ".join(where) if where else ""
    with connect(settings) as con:
        total = con.execute(f"SELECT count(*) FROM publication{clause}", params).fetchone()[0]
        rows = con.execute(
            f"SELECT * FROM publication{clause} ORDER BY published DESC, updated DESC, id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        formats = _formats_of(con, [r["id"] for r in rows])
    return [_entry(r, formats.get(r["id"], []), settings.home) for r in rows], total


def _formats_of(con: sqlite3.Connection, ids: list[str]) -> dict[str, list[sqlite3.Row]]:
    """Format rows of the given publications."""
    out: dict[str, list[sqlite3.Row]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for f in con.execute(f"SELECT * FROM publication_format WHERE publication_id IN ({marks})", chunk):
            out.setdefault(f["publication_id"], []).append(f)
    return out


def get_publication(settings: Settings, entry_id: str) -> dict[str, Any] | None:
    """One catalogue entry by id (MP-0001), or None."""
    if not ENTRY_ID.fullmatch(entry_id) or not catalogue_path(settings).is_file():
        return None
    with connect(settings) as con:
        row = con.execute("SELECT * FROM publication WHERE id = ?", [entry_id]).fetchone()
        if row is None:
            return None
        formats = _formats_of(con, [entry_id]).get(entry_id, [])
    return _entry(row, formats, settings.home)


def find_publication(
    settings: Settings, series: str, subject: str, release: str | None, language: str = "en"
) -> dict[str, Any] | None:
    """The entry of one series, subject, release and language, or None."""
    if not catalogue_path(settings).is_file():
        return None
    identity = "|".join([series, subject, release or "", language])
    with connect(settings) as con:
        row = con.execute("SELECT id FROM publication WHERE identity = ?", [identity]).fetchone()
    return get_publication(settings, row[0]) if row else None
