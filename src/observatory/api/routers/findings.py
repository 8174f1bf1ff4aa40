"""Findings with calibrated confidence and the knowledge-gap map of the evidence library."""

from __future__ import annotations

import hashlib
import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from observatory.api.deps import AppSettings, Release, check_area
from observatory.api.models import PROBLEMS, Envelope
from observatory.api.problems import ApiProblem, not_found
from observatory.api.queries.external import evidence_store_path
from observatory.api.responses import json_response
from observatory.settings import Settings

router = APIRouter(tags=["findings"], responses=PROBLEMS)
log = logging.getLogger("observatory.api")
FINDING_ID = r"^fd-[0-9a-z]{4,40}$"
Confidence = Literal["very low", "low", "medium", "high", "very high"]
GapAxis = Literal["region", "gcm", "theme"]


def _store(settings: Settings):
    """The evidence store of the home, or None when the library has not been created."""
    from observatory.evidence.store import EvidenceStore

    path = evidence_store_path(settings)
    return EvidenceStore(path) if path.is_file() else None


def _fresh(response: Response, release_id: str, request: Request, version: int) -> Response:
    """Findings change with the evidence store, not the release: an ETag of both, revalidated on every use."""
    tag = hashlib.sha1(f"{release_id}|{version}|{request.url.path}?{request.url.query}".encode()).hexdigest()[:20]
    response.headers["ETag"] = f'"fd-{tag}"'
    response.headers["Cache-Control"] = "no-cache"
    return response


def findings_list(
    settings: Settings,
    q: str | None = None,
    confidence: str | None = None,
    area: str | None = None,
    corridor: tuple[str, str] | None = None,
    limit: int = 100,
) -> tuple[list[dict[str, Any]], int]:
    """Matching findings and the store version (empty and 0 without a library)."""
    from observatory.evidence.findings import search_findings

    store = _store(settings)
    if store is None:
        return [], 0
    found = search_findings(q, confidence=confidence, area=area, corridor=corridor, limit=limit, store=store)
    return found, store.version()


@router.get("/findings", response_model=Envelope, summary="Findings with their confidence")
def list_findings(
    request: Request,
    handle: Release,
    settings: AppSettings,
    q: Annotated[str | None, Query(max_length=300, description="Words the statement must contain.")] = None,
    confidence: Annotated[Confidence | None, Query(description="At least this confidence.")] = None,
    area: Annotated[str | None, Query(max_length=64, description="About this country (via its evidence).")] = None,
    origin: Annotated[str | None, Query(max_length=64, description="Corridor origin (with destination).")] = None,
    destination: Annotated[str | None, Query(max_length=64, description="Corridor destination.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
):
    """Statements with evidence, agreement, confidence (IPCC matrix), likelihood and number of references."""
    area = check_area(handle, area)
    origin, destination = check_area(handle, origin, "origin"), check_area(handle, destination, "destination")
    if (origin is None) != (destination is None):
        raise ApiProblem(400, "Bad request", "a corridor needs both origin and destination")
    corridor = (origin, destination) if origin and destination else None
    found, version = findings_list(settings, q, confidence, area, corridor, limit)
    for finding in found:
        finding["url"] = f"/api/findings/{finding['id']}"
    body = {"release": handle.release_id, "available": _store(settings) is not None, "findings": found}
    return _fresh(json_response(body), handle.release_id, request, version)


@router.get("/findings/{finding_id}", response_model=Envelope, summary="One finding with its references")
def get_finding(request: Request, finding_id: str, handle: Release, settings: AppSettings):
    """The finding, its references (stance, title, link, places) and its Markdown with {confidence}."""
    from observatory.evidence.findings import finding_detail

    store = _store(settings)
    if store is None or not re.fullmatch(FINDING_ID, finding_id):
        raise not_found("finding", finding_id, "see /api/findings")
    try:
        detail = finding_detail(finding_id, store)
    except KeyError:
        raise not_found("finding", finding_id, "see /api/findings") from None
    return _fresh(json_response({"release": handle.release_id, **detail}), handle.release_id, request, store.version())


@lru_cache(maxsize=8)
def _gap_table(store_path: Path, version: int, by: str, raw_dir: Path) -> Any:
    """The gap table for one store version (recomputed only when the store changes)."""
    from observatory.evidence.gaps import gap_map
    from observatory.evidence.store import EvidenceStore

    return gap_map(by, store=EvidenceStore(store_path), mirror=raw_dir)


def gap_table(settings: Settings, by: str) -> tuple[Any, int]:
    """(gap table, store version); ApiProblem 404 without a library or the migrant-stock files (there is no gap map in
    this home: not a server failure)."""
    store = _store(settings)
    if store is None:
        raise ApiProblem(404, "No evidence library", "the gap map needs an evidence library in this home")
    version = store.version()
    try:
        return _gap_table(store.path, version, by, settings.raw_dir()), version
    except FileNotFoundError:
        raise ApiProblem(
            404, "Gap map unavailable", "the gap map needs the UN DESA stock and region files in the mirror or cache"
        ) from None


@router.get(
    "/gaps",
    response_model=Envelope,
    summary="Knowledge-gap map",
    responses={200: {"content": {"application/json": {}, "image/svg+xml": {}, "text/csv": {}}}},
)
def gaps(
    request: Request,
    handle: Release,
    settings: AppSettings,
    by: Annotated[GapAxis, Query(description="Themes x regions, x GCM objectives, or themes alone.")] = "region",
    format: Annotated[Literal["json", "svg", "csv"], Query(description="json, svg (heat map) or csv.")] = "json",
    limit: Annotated[int, Query(ge=1, le=5000)] = 5000,
):
    """Evidence records per theme and region (or GCM objective) per million migrants, emptiest cells first."""
    from observatory.evidence.gaps import render_svg

    table, version = gap_table(settings, by)
    if format == "svg":
        response = Response(render_svg(table, title=f"Evidence coverage: themes x {by}"), media_type="image/svg+xml")
    elif format == "csv":
        response = Response(table.head(limit).to_csv(index=False), media_type="text/csv")
    else:
        rows = table.head(limit).astype(object).where(table.head(limit).notna(), None).to_dict("records")
        response = json_response({"release": handle.release_id, "by": by, "cells": len(table), "rows": rows})
    return _fresh(response, handle.release_id, request, version)
