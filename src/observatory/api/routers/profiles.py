"""Country profiles as JSON: the publications' full profile when available, else a summary from indicator values."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, Query, Request

from observatory.api.deps import AppSettings, Release, check_area
from observatory.api.localise import Lang, localised_area, localised_indicator, named_places
from observatory.api.models import PROBLEMS, Envelope
from observatory.api.queries.external import published_profile
from observatory.api.queries.profiles import country_summary
from observatory.api.release_cache import ReleaseHandle
from observatory.api.responses import cached_body, dumps, joined_objects

router = APIRouter(tags=["profiles"], responses=PROBLEMS)


@router.get("/profiles/{code}", response_model=Envelope, summary="Country profile")
async def get_profile(
    request: Request,
    code: str,
    handle: Release,
    settings: AppSettings,
    lang: Lang,
    full: Annotated[
        bool, Query(description="Include the full profile document from the publications module when it is available.")
    ] = False,
):
    """Identity, groups, key figures, indicators, main corridors and sources of one country or group (the full
    document is the publications' own, in English)."""
    code = cast(str, check_area(handle, code))
    stamp = request.scope.get("state", {}).get("stores_stamp")
    precomputer = request.app.state.precomputer

    def build() -> bytes:
        summary = dumps(
            {"release": handle.release_id, **localised_summary(handle, country_summary(handle, code), lang)}
        )
        if not full:
            return summary
        # The document of the release's precomputed pass when it was made with these stores, else computed now.
        document = precomputer.document(handle, code, stamp)
        if document is None:
            document = published_profile(settings, handle, code, stamp)
        return joined_objects(summary, document)

    return await cached_body(handle, request, build)


def localised_summary(handle: ReleaseHandle, summary: dict[str, Any], lang: str) -> dict[str, Any]:
    """A country summary with its names, indicator titles and units in `lang`."""
    partners = ("top_destinations_of_emigrants", "top_origins_of_immigrants")
    return {
        **summary,
        "area": localised_area(handle, summary["area"], lang),
        "groups": named_places(handle, summary["groups"], lang),
        "key_figures": [localised_indicator(figure, lang) for figure in summary["key_figures"]],
        "indicators": [localised_indicator(figure, lang) for figure in summary["indicators"]],
        **{key: {**summary[key], "rows": named_places(handle, summary[key]["rows"], lang)} for key in partners},
    }
