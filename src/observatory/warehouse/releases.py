"""Release files on disk: which one is current, switching atomically, keeping the last N, opening read-only."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from observatory.settings import Settings

CURRENT_FILE = "CURRENT"
SUFFIX = ".duckdb"
_RELEASE_ID = re.compile(r"^r\d{8}T\d{6}Z(-\d+)?$")
# Settings of every connection opened on a release. External access off: no file, network, extension or other-database
# access from SQL (COPY, ATTACH, read_*/glob/sniff_csv, direct paths, INSTALL/LOAD). No extension is installed or loaded
# behind our back. lock_configuration comes last, so that SET/RESET/PRAGMA cannot turn any of this back on.
READ_ONLY_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,
}


class ReleaseError(Exception):
    """No release, or an unknown one, was asked for."""


@dataclass(frozen=True)
class Release:
    release_id: str
    path: Path

    @property
    def created(self) -> datetime:
        stamp = self.release_id[1:17]
        return datetime.strptime(stamp, "%Y%m%dT%H%M%S").replace(tzinfo=UTC)


def new_release_id(settings: Settings) -> str:
    """A sortable id from the UTC time, unique within the releases folder."""
    base = "r" + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    candidate, counter = base, 1
    while (settings.releases_dir / f"{candidate}{SUFFIX}").exists() or (
        settings.releases_dir / f"{candidate}{SUFFIX}.building"
    ).exists():
        counter += 1
        candidate = f"{base}-{counter}"
    return candidate


def list_releases(settings: Settings) -> list[Release]:
    """Published releases, oldest first (files still being built are not releases)."""
    if not settings.releases_dir.is_dir():
        return []
    found = [
        Release(path.name[: -len(SUFFIX)], path)
        for path in settings.releases_dir.glob(f"*{SUFFIX}")
        if _RELEASE_ID.match(path.name[: -len(SUFFIX)])
    ]
    return sorted(found, key=lambda release: release.release_id)


def current_release(settings: Settings) -> Release | None:
    pointer = settings.releases_dir / CURRENT_FILE
    if not pointer.is_file():
        return None
    release_id = pointer.read_text(encoding="utf-8").strip()
    path = settings.releases_dir / f"{release_id}{SUFFIX}"
    return Release(release_id, path) if path.is_file() else None


def require_current(settings: Settings) -> Release:
    release = current_release(settings)
    if release is None:
        raise ReleaseError(f"no current release in {settings.releases_dir}; run `observatory build` first")
    return release


def set_current(settings: Settings, release_id: str) -> Release:
    """Point CURRENT at a release with one atomic rename, so readers see the old or the new one, never half."""
    path = settings.releases_dir / f"{release_id}{SUFFIX}"
    if not path.is_file():
        known = ", ".join(r.release_id for r in list_releases(settings)) or "none"
        raise ReleaseError(f"unknown release {release_id!r}; releases on disk: {known}")
    temporary = settings.releases_dir / f".{CURRENT_FILE}.{os.getpid()}"
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(release_id + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, settings.releases_dir / CURRENT_FILE)
    return Release(release_id, path)


def prune(settings: Settings) -> list[str]:
    """Delete the oldest releases beyond `keep_releases`; the current one is always kept."""
    current = current_release(settings)
    releases = list_releases(settings)
    removable = [r for r in releases if current is None or r.release_id != current.release_id]
    excess = len(releases) - settings.keep_releases
    removed = []
    for release in removable[: max(excess, 0)]:
        release.path.unlink(missing_ok=True)
        removed.append(release.release_id)
    return removed


def rollback(settings: Settings, release_id: str | None = None) -> Release:
    """Make an earlier release current: the named one, or the one before the current."""
    if release_id is None:
        current = require_current(settings)
        older = [r for r in list_releases(settings) if r.release_id < current.release_id]
        if not older:
            raise ReleaseError(f"no release older than {current.release_id} to roll back to")
        release_id = older[-1].release_id
    return set_current(settings, release_id)


def open_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a release file that cannot reach outside it, with its configuration locked."""
    return open_locked_down(path, read_only=True)


def open_locked_down(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A connection to a DuckDB file (a release, the evidence or knowledge store) that cannot reach outside it."""
    return duckdb.connect(str(path), read_only=read_only, config=dict(READ_ONLY_CONFIG))


def connect(settings: Settings, release_id: str | None = None) -> tuple[Release, duckdb.DuckDBPyConnection]:
    """A read-only connection to the current (or a named) release; release files are immutable once published."""
    if release_id is None:
        release = require_current(settings)
    else:
        release = Release(release_id, settings.releases_dir / f"{release_id}{SUFFIX}")
        if not release.path.is_file():
            raise ReleaseError(f"unknown release {release_id!r}")
    return release, open_read_only(release.path)
