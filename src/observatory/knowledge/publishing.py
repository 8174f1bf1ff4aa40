"""Generated knowledge publications (assessment reports, dialogue records, background papers) into the catalogue."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from observatory.publish.catalogue import NewPublication, find_publication, register_publication, release_folder
from observatory.publish.document import Document
from observatory.publish.render import FORMATS, write
from observatory.settings import Settings

DEFAULT_FORMATS = ("html", "md", "json")
OBSERVATORY_AUTHOR = "Migration Observatory"


def check_formats(formats: Iterable[str]) -> tuple[str, ...]:
    """The asked formats, once each, in the asked order; ValueError naming the field for an unknown one."""
    chosen = tuple(dict.fromkeys(formats))
    if not chosen or any(f not in FORMATS for f in chosen):
        raise ValueError(f"formats: choose among {', '.join(FORMATS)}")
    return chosen


def write_atomically(document: Document, fmt: str, target: Path) -> Path:
    """Render one format to a hidden temporary name, then rename it: the portal never serves half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        write(document, fmt, temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def write_and_register(
    settings: Settings,
    document: Document,
    *,
    series: str,
    subject: str,
    stem: str,
    formats: Iterable[str],
    authors: list[str],
    folder: Path | None = None,
) -> dict[str, Any]:
    """Write the formats under publications/<release>/<series>/ and register them (formats made earlier are kept)."""
    chosen = check_formats(formats)
    target_folder = folder or release_folder(settings, document.release_id, series)
    written = {fmt: write_atomically(document, fmt, target_folder / f"{stem}.{fmt}") for fmt in chosen}
    known = find_publication(settings, series, subject, document.release_id)
    kept = {f["format"]: settings.home / f["path"] for f in (known or {}).get("formats", [])}
    return register_publication(
        settings,
        NewPublication(
            series=series,
            subject=subject,
            title=document.title[:400],
            subtitle=document.subtitle[:400] or None,
            authors=authors,
            release=document.release_id,
            files={**kept, **written},
        ),
    )
