"""Evidence search and the records linked to an area, a corridor or an indicator."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import APIRouter, Query

from observatory.api.deps import AppSettings, Release, Years, check_area
from observatory.api.models import PROBLEMS, Envelope
from observatory.api.problems import ApiProblem
from observatory.api.queries.external import evidence_for, search_evidence
from observatory.api.responses import json_response
from observatory.evidence.records import resolve_theme, theme_ids

router = APIRouter(tags=["evidence"], responses=PROBLEMS)


@router.get("/evidence", response_model=Envelope, summary="Search the evidence library")
def evidence_search(
    handle: Release,
    settings: AppSettings,
    years: Years,
    q: Annotated[str, Query(min_length=1, max_length=300, description="Words to search for.")],
    area: Annotated[str | None, Query(max_length=64, description="Only records about this area.")] = None,
    theme: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
):
    """Research records ranked by words and meaning, with why each matched."""
    area = check_area(handle, area)
    if theme is not None:
        try:
            theme = resolve_theme(theme)
        except ValueError:
            raise ApiProblem(400, "Unknown theme", f"theme is one of: {', '.join(theme_ids())}") from None
    found = search_evidence(
        settings, q, limit, area=area, theme=theme, year_from=years.year_from, year_to=years.year_to
    )
    response = json_response({"release": handle.release_id, "query": q, **found})
    response.headers["Cache-Control"] = "no-cache"
    return response


@router.get("/evidence/areas/{code}", response_model=Envelope, summary="Evidence about an area")
def evidence_area(code: str, handle: Release, settings: AppSettings, limit: Annotated[int, Query(ge=1, le=100)] = 20):
    """Records linked to a country (or to a corridor it is an end of)."""
    code = cast(str, check_area(handle, code))
    return json_response(
        {"release": handle.release_id, "area": code, "results": evidence_for(settings, area=code, limit=limit)}
    )


@router.get("/evidence/corridors/{origin}/{destination}", response_model=Envelope, summary="Evidence about a corridor")
def evidence_corridor(
    origin: str,
    destination: str,
    handle: Release,
    settings: AppSettings,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
):
    """Records linked to one corridor."""
    origin, destination = (
        cast(str, check_area(handle, origin, "origin")),
        cast(str, check_area(handle, destination, "destination")),
    )
    return json_response(
        {
            "release": handle.release_id,
            "origin": origin,
            "destination": destination,
            "results": evidence_for(settings, corridor=(origin, destination), limit=limit),
        }
    )
