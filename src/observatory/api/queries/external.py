(
    """Optional neighbours looked up at run time: the publications' profile builder, the evidence library, written """
    """reports."""
)

from __future__ import annotations

import inspect
import json
import logging
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any, cast

from observatory.api.release_cache import ReleaseHandle
from observatory.api.responses import dumps
from observatory.settings import Settings

log = logging.getLogger("observatory.api")
PUBLICATION_FOLDERS = ("publications", "reports", "briefs", "profiles")
PUBLICATION_TYPES = {
    ".html": "text/html",
    ".pdf": "application/pdf",
    ".md": "text/markdown",
    ".json": "application/json",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".csv": "text/csv",
}


def _as_data(result: Any) -> Any:
    """A profile object as plain JSON data."""
    if isinstance(result, (dict, list)):
        return result
    if hasattr(result, "model_dump"):
        return result.model_dump(mode="json")
    try:
        from observatory.publish.render import to_json

        return json.loads(to_json(result))
    except Exception:  # fall back to the dataclass fields
        if is_dataclass(result):
            return json.loads(json.dumps(asdict(cast(Any, result)), default=str))
        raise


def profile_document(settings: Settings, code: str, data: Any = None) -> bytes:
    """The full profile's JSON members as one object, `{"document": ...}` (with `document_error` when the builder
    failed); `data` is an open ReleaseData of the release (opened for this call when None)."""
    try:
        from observatory.publish import profile as publish_profile
    except Exception:  # not installed yet: the API's own summary is used
        return dumps({"document": None})
    builder = getattr(publish_profile, "country_profile", None)
    if builder is None:
        return dumps({"document": None})
    try:
        first = next(iter(inspect.signature(builder).parameters))
        if first == "settings":
            return dumps({"document": _as_data(builder(settings, code))})
        return dumps({"document": _as_data(builder(data, code))})
    except Exception as error:  # a failing builder must not take the API down
        log.warning("publish profile for %s failed: %s", code, type(error).__name__)
        return dumps({"document": None, "document_error": f"{type(error).__name__}: {error}"})


def published_profile(settings: Settings, handle: ReleaseHandle, code: str, stamp: str | None) -> bytes:
    """The full profile of an area as JSON members (see profile_document), computed for this request; kept per
    release and stores stamp, since the document shows the evidence library."""

    def compute() -> bytes:
        from observatory.publish.data import ReleaseData

        data = ReleaseData(con=handle.connection.cursor(), release_id=handle.release_id, settings=settings)
        try:
            return profile_document(settings, code, data)
        finally:
            data.close()

    return handle.memo(("published_profile", code, stamp), compute)


def evidence_store_path(settings: Settings) -> Path:
    """Where the evidence library keeps its DuckDB file."""
    return settings.evidence_dir / "evidence.duckdb"


def search_evidence(settings: Settings, query: str, limit: int = 10, **filters: Any) -> dict[str, Any]:
    """Evidence records matching the query (hybrid search when the embedding model loads, else words only)."""
    path = evidence_store_path(settings)
    if not path.is_file():
        return {"available": False, "reason": f"no evidence library in {settings.evidence_dir}", "results": []}
    try:
        from observatory.evidence.search import search
        from observatory.evidence.store import EvidenceStore
    except Exception as error:  # the library is optional
        return {"available": False, "reason": f"evidence search unavailable ({type(error).__name__})", "results": []}
    store = EvidenceStore(path)
    try:
        return {"available": True, "mode": "hybrid", "results": search(query, limit, store=store, **filters)}
    except Exception as error:  # the embedding model may be missing: fall back to words
        log.info("semantic evidence search failed (%s); using words only", error)
        return {
            "available": True,
            "mode": "words",
            "results": search(query, limit, store=store, semantic=False, **filters),
        }


def evidence_for(
    settings: Settings,
    *,
    area: str | None = None,
    corridor: tuple[str, str] | None = None,
    indicator: str | None = None,
    limit: int = 10,
) -> list[dict[str, Any]]:
    """Records linked to an area, a corridor or an indicator; empty when the library is missing."""
    path = evidence_store_path(settings)
    if not path.is_file():
        return []
    try:
        from observatory.evidence import links
        from observatory.evidence.store import EvidenceStore

        store = EvidenceStore(path)
        if corridor is not None:
            return links.evidence_for_corridor(*corridor, limit=limit, store=store)
        if indicator is not None:
            return links.evidence_for_indicator(indicator, limit=limit, store=store)
        return links.evidence_for_area(area, limit=limit, store=store) if area else []
    except Exception as error:  # evidence is context, never a reason to fail a page
        log.warning("evidence links failed: %s", error)
        return []


def publication_files(settings: Settings) -> list[dict[str, Any]]:
    """Reports, briefs and profiles written under the home, newest first."""
    out = []
    for folder in PUBLICATION_FOLDERS:
        root = settings.home / folder
        if not root.is_dir() or root.is_symlink():
            continue
        resolved_root = root.resolve()
        for path in root.rglob("*"):
            # A link (or anything resolving outside the folder) is never listed, so it can never be served.
            if path.is_symlink() or not path.resolve().is_relative_to(resolved_root):
                continue
            if path.is_file() and path.suffix.lower() in PUBLICATION_TYPES and not path.name.startswith("."):
                stat = path.stat()
                relative = path.relative_to(settings.home).as_posix()
                out.append(
                    {
                        "path": relative,
                        "name": path.name,
                        "kind": folder.rstrip("s"),
                        "format": path.suffix.lower().lstrip("."),
                        "bytes": stat.st_size,
                        "modified": stat.st_mtime,
                    }
                )
    return sorted(out, key=lambda f: (-f["modified"], f["path"]))


def publication_path(settings: Settings, relative: str) -> Path | None:
    """The file for a listed publication path, or None (never outside the publication folders)."""
    for item in publication_files(settings):
        if item["path"] == relative:
            return settings.home / relative
    return None
