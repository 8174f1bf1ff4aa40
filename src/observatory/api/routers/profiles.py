"""Country profiles as JSON: the publications' full profile when available, else a summary from indicator values."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import APIRouter, Query, Request

from observatory.api.deps import AppSettings, Release, check_area
from observatory.api.models import PROBLEMS, Envelope
from observatory.api.queries.external import published_profile
from observatory.api.queries.profiles import country_summary
from observatory.api.responses import cached_json

router = APIRouter(tags=["profiles"], responses=PROBLEMS)


@router.get("/profiles/{code}", response_model=Envelope, summary="Country profile")
async def get_profile(
    request: Request,
    code: str,
    handle: Release,
    settings: AppSettings,
    full: Annotated[
        bool, Query(description="Include the full profile document from the publications module when it is available.")
    ] = False,
):
    """Identity, groups, key figures, indicators, main corridors and sources of one country or group."""
    code = cast(str, check_area(handle, code))

    def build() -> dict:
        body = {"release": handle.release_id, **country_summary(handle, code)}
        if full:
            document = published_profile(settings, handle, code)
            body["document"] = document.get("document") if document else None
            if document and "error" in document:
                body["document_error"] = document["error"]
        return body

    return await cached_json(handle, request, build)
