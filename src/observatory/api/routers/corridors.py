"""Corridors: one origin -> destination profile, and a country's largest corridors."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from observatory.api.deps import Release, check_area
from observatory.api.formats import Format, table_response
from observatory.api.localise import Lang, localised_corridor, place_name
from observatory.api.models import DOWNLOADS, PROBLEMS, Envelope, TableEnvelope
from observatory.api.problems import bad_request, not_found
from observatory.api.queries.catalogue import cite
from observatory.api.queries.corridors import corridor_profile, stock_series, stock_years, top_partners
from observatory.api.queries.series import series_sources
from observatory.api.responses import cached_json

router = APIRouter(tags=["corridors"], responses=PROBLEMS)
DEFAULT_PARTNERS, MAX_PARTNERS = 20, 300  # a ranking of every partner has fewer than 300 areas
CORRIDOR_TYPES = {
    "year": "int32",
    "total": "float64",
    "female": "float64",
    "male": "float64",
    "share_of_origin_emigrants": "float64",
    "share_of_destination_immigrants": "float64",
}


@router.get("/corridors", response_model=TableEnvelope, responses=DOWNLOADS, summary="Largest corridors of a country")
def list_corridors(
    handle: Release,
    lang: Lang,
    origin: Annotated[str | None, Query(max_length=64, description="Rank the destinations of this origin.")] = None,
    destination: Annotated[
        str | None, Query(max_length=64, description="Rank the origins of this destination.")
    ] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    limit: Annotated[
        int | None, Query(ge=1, le=MAX_PARTNERS, description="Corridors to rank (default 20; downloads: all).")
    ] = None,
    format: Format = Format.json,
):
    """Corridors ranked by migrant stock, from one origin or into one destination."""
    origin, destination = (
        cast(str, check_area(handle, origin, "origin")),
        cast(str, check_area(handle, destination, "destination")),
    )
    if (origin is None) == (destination is None):
        raise bad_request("give exactly one of origin or destination")
    if year is not None and year not in stock_years(handle):
        raise not_found("year", str(year), f"corridor stock years: {', '.join(map(str, stock_years(handle)))}")
    code, direction = (origin, "out") if origin else (destination, "in")
    if limit is None:
        limit = DEFAULT_PARTNERS if format == Format.json else MAX_PARTNERS
    ranking = top_partners(handle, cast(str, code), direction, year, limit)
    rows = [
        {
            "origin": code if direction == "out" else r["code"],
            "destination": r["code"] if direction == "out" else code,
            "partner_name": place_name(handle, r["code"], lang, r["name"]),
            "year": ranking["year"],
            "value": r["value"],
            "share": r["share"],
        }
        for r in ranking["rows"]
    ]
    rows.sort(key=lambda r: (-(r["value"] or 0.0), r["origin"], r["destination"]))
    series = stock_series(handle)
    side = {"origin": code} if direction == "out" else {"destination": code}
    used = (
        handle.memo(
            ("ranking_sources", series.kind, series.id, direction, code, ranking["year"]),
            lambda: series_sources(handle, series, **side, year_from=ranking["year"], year_to=ranking["year"]),
        )
        if series and ranking["year"] is not None
        else []
    )
    sources = cite(handle, used)
    meta = {
        "series": ranking["series"],
        "area": {"code": code, "name": place_name(handle, code, lang)},
        "direction": direction,
        "total": ranking["total"],
    }
    return table_response(
        format,
        rows,
        ["origin", "destination", "partner_name", "year", "value", "share"],
        release=handle.release_id,
        name=f"corridors-{code}",
        meta=meta,
        sources=sources,
        types={"year": "int32", "value": "float64", "share": "float64"},
    )


@router.get(
    "/corridors/{origin}/{destination}", response_model=Envelope, responses=DOWNLOADS, summary="Corridor profile"
)
async def get_corridor(
    request: Request, origin: str, destination: str, handle: Release, lang: Lang, format: Format = Format.json
):
    (
        """Stock by year and sex, shares of the origin's emigrants and the destination's immigrants, and every other """
        """corridor measure."""
    )
    origin, destination = (
        cast(str, check_area(handle, origin, "origin")),
        cast(str, check_area(handle, destination, "destination")),
    )
    if origin == destination:
        raise bad_request("origin and destination are the same area")
    if format == Format.json:
        return await cached_json(
            handle,
            request,
            lambda: {
                "release": handle.release_id,
                **localised_corridor(handle, corridor_profile(handle, origin, destination), lang),
            },
        )
    return await run_in_threadpool(_corridor_download, handle, origin, destination, format)


def _corridor_download(handle, origin: str, destination: str, format: Format):
    """The corridor's series as one table in a download format."""
    profile = corridor_profile(handle, origin, destination)
    rows = [
        {"origin": origin, "destination": destination, "series": profile["stock_series"], **r} for r in profile["stock"]
    ]
    for item in profile["measures"]:
        rows += [
            {
                "origin": origin,
                "destination": destination,
                "series": item["measure"],
                "year": v["year"],
                "period": v["period"],
                "total": v["value"],
            }
            for v in item["series"]
        ]
    rows.sort(key=lambda r: (r["series"] or "", r["year"], r.get("period") or ""))
    columns = [
        "origin",
        "destination",
        "series",
        "year",
        "period",
        "total",
        "female",
        "male",
        "share_of_origin_emigrants",
        "share_of_destination_immigrants",
    ]
    return table_response(
        format,
        rows,
        columns,
        release=handle.release_id,
        name=f"corridor-{origin}-{destination}",
        sources=profile["sources"],
        types=CORRIDOR_TYPES,
    )
