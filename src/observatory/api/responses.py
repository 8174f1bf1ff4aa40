"""JSON responses that serialise dates and numpy values, and release-tied caching headers."""

from __future__ import annotations

import hashlib
import json
import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi.responses import Response

from observatory.settings import Settings

CACHE_CONTROL = "public, max-age=60, must-revalidate"


def _default(value: Any) -> Any:
    """JSON for values the json module does not know."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def _clean(value: Any) -> Any:
    """NaN and infinities become null (JSON has no such numbers)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def dumps(payload: Any) -> bytes:
    """Compact UTF-8 JSON."""
    return json.dumps(
        _clean(payload), default=_default, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def json_response(payload: Any, status_code: int = 200) -> Response:
    """A JSON response from plain data."""
    return Response(dumps(payload), status_code=status_code, media_type="application/json")


def mutable_store_paths(settings: Settings) -> tuple[Path, ...]:
    """Files of the stores that change between releases (with their write-ahead logs), for the stores stamp."""
    from observatory.evidence.store import store_path as evidence_store
    from observatory.knowledge.store import store_path as knowledge_store
    from observatory.publish.catalogue import catalogue_path

    files = (evidence_store(settings), knowledge_store(settings), catalogue_path(settings))
    return tuple(path for file in files for path in (file, file.with_name(file.name + ".wal"), Path(f"{file}-wal")))


def stores_stamp(paths) -> str:
    """A short fingerprint of the mutable stores beside the release (evidence, knowledge, publications catalogue).

    Pages and profiles show findings, policies and publication links from these stores, so their ETags and memo keys
    include this stamp: a published policy or finding changes the stamp and no reader keeps a stale page.
    """
    parts = []
    for path in paths:
        try:
            status = path.stat()
        except OSError:
            parts.append("-")
            continue
        parts.append(f"{status.st_mtime_ns}:{status.st_size}")
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:8]


def release_etag(release_id: str, url: str) -> str:
    """A weak ETag: same release and same URL give the same body, because releases never change."""
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]
    return f'W/"{release_id}-{digest}"'


def joined_objects(first: bytes, second: bytes) -> bytes:
    """Two serialised JSON objects as one (the second's members after the first's), without parsing either."""
    if first == b"{}":
        return second
    if second == b"{}":
        return first
    return first[:-1] + b"," + second[1:]


async def cached_json(handle, request, build) -> Response:
    """The JSON body of build() for this URL in this release, serialised once (releases never change)."""
    return await cached_body(handle, request, lambda: dumps(build()))


async def cached_body(handle, request, build) -> Response:
    """The JSON bytes build() gives for this URL in this release, made once; a hit never leaves the event loop."""
    from starlette.concurrency import run_in_threadpool

    # The middleware's key holds only the route's declared parameters (unknown ones were refused), sorted.
    validated = request.scope.get("state", {}).get("cache_key")
    stamp = request.scope.get("state", {}).get("stores_stamp")
    key = ("json", request.url.path, validated if validated is not None else request.url.query, stamp)
    body = handle.peek(key)
    if body is None:
        body = await run_in_threadpool(handle.memo, key, build)
    return Response(body, media_type="application/json")
