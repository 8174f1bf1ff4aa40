"""Indicators: the catalogue, framework tags, and values filtered by area, corridor, year and sex."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from observatory.api.deps import Paging, Release, Years, check_area, offset_beyond, page_links, pagination_block
from observatory.api.formats import DOWNLOAD_MAX_ROWS, Format, Selection, table_response
from observatory.api.localise import Lang, localised_indicator, message, named_places
from observatory.api.models import DOWNLOADS, PROBLEMS, Envelope, PagedEnvelope, TableEnvelope
from observatory.api.problems import not_found
from observatory.api.queries.catalogue import cite, find_series, indicators
from observatory.api.queries.series import (
    SCHEME_LABELS,
    VALUE_COLUMNS,
    VALUE_TYPES,
    map_values,
    raw_chunks,
    raw_count,
    raw_sources,
    raw_values,
)
from observatory.api.responses import json_response
from observatory.indicators.query import revisions_sql

router = APIRouter(tags=["indicators"], responses=PROBLEMS)
Sex = Literal["total", "female", "male"]
CATALOGUE_COLUMNS = [
    "id",
    "title",
    "unit",
    "kind",
    "level",
    "sdg_indicator",
    "frameworks",
    "n_values",
    "first_year",
    "last_year",
    "definition",
    "note",
]
CATALOGUE_TYPES = {"n_values": "int64", "first_year": "int32", "last_year": "int32"}


def _indicator(handle, indicator_id: str):
    """The indicator as a Series, or 404."""
    series = find_series(handle, indicator_id)
    if series is None or series.kind != "indicator":
        raise not_found("indicator", indicator_id, "see /api/indicators")
    return series


@router.get("/indicators", response_model=TableEnvelope, responses=DOWNLOADS, summary="Indicator catalogue")
def list_indicators(
    handle: Release,
    lang: Lang,
    framework: Annotated[
        Literal["GCM", "GCR", "SDG"] | None, Query(description="Only indicators tagged to this framework.")
    ] = None,
    format: Format = Format.json,
):
    """Every indicator computed in this release, with definition, unit, framework tags and years covered."""
    rows = [
        i
        for i in indicators(handle).values()
        if framework is None or any(t["framework"] == framework for t in i["frameworks"])
    ]
    ids = sorted(r["id"] for r in rows)
    used = handle.memo(
        ("indicator_sources", tuple(ids)),
        lambda: [
            r["id"]
            for r in handle.rows(
                "SELECT DISTINCT unnest(sources) AS id FROM indicator_value "
                "WHERE indicator IN (SELECT unnest(?::VARCHAR[])) ORDER BY id",
                [ids],
            )
        ],
    )
    return table_response(
        format,
        [localised_indicator(row, lang) for row in rows],
        CATALOGUE_COLUMNS,
        release=handle.release_id,
        name="indicators",
        sources=cite(handle, used),
        types=CATALOGUE_TYPES,
    )


@router.get("/indicators/{indicator_id}", response_model=Envelope, summary="One indicator")
def get_indicator(indicator_id: str, handle: Release, lang: Lang):
    """Definition, unit, caveats, framework tags and the years with values."""
    _indicator(handle, indicator_id)
    indicator = localised_indicator(indicators(handle)[indicator_id], lang)
    return json_response({"release": handle.release_id, "indicator": indicator})


@router.get(
    "/indicators/{indicator_id}/values", response_model=PagedEnvelope, responses=DOWNLOADS, summary="Indicator values"
)
def indicator_values(
    request: Request,
    indicator_id: str,
    handle: Release,
    lang: Lang,
    years: Years,
    paging: Paging,
    area: Annotated[str | None, Query(max_length=64, description="Area code (country ISO3 or group code).")] = None,
    origin: Annotated[str | None, Query(max_length=64, description="Origin area code (corridor indicators).")] = None,
    destination: Annotated[
        str | None, Query(max_length=64, description="Destination area code (corridor indicators).")
    ] = None,
    sex: Sex | None = None,
    revision: Annotated[
        str | None,
        Query(max_length=32, description="An earlier edition of the revised inputs, e.g. 2020; default: the latest."),
    ] = None,
    format: Format = Format.json,
):
    """Values with their status, bounds, coverage (groups), source datasets and edition; paginated (limit, offset)."""
    series = _indicator(handle, indicator_id)
    if revision is not None:
        known = [row["revision"] for row in handle.rows(revisions_sql(), [indicator_id, indicator_id])]
        if revision not in known:
            raise not_found(
                "revision",
                revision,
                f"revisions of {indicator_id}'s inputs: {', '.join(known)}"
                if known
                else "its inputs have a single edition",
            )
    filters: dict[str, Any] = {
        "area": check_area(handle, area),
        "origin": check_area(handle, origin, "origin"),
        "destination": check_area(handle, destination, "destination"),
        "year_from": years.year_from,
        "year_to": years.year_to,
        "sex": sex,
        "revision": revision,
    }

    meta = {"indicator": localised_indicator({"id": series.id, "title": series.title, "unit": series.unit}, lang)}
    if format != Format.json:
        part = paging.for_download(DOWNLOAD_MAX_ROWS)
        total = raw_count(handle, series, **filters)
        offset_beyond(total, part)
        cited = raw_sources(handle, series, limit=part.limit, offset=part.offset, **filters)
        return table_response(
            format,
            raw_chunks(handle, series, limit=part.limit, offset=part.offset, **filters),
            VALUE_COLUMNS,
            release=handle.release_id,
            name=indicator_id,
            meta=meta,
            sources=cite(handle, cited),
            types=VALUE_TYPES,
            selection=Selection(
                total, part.offset, max(min(part.limit, total - part.offset), 0), page_links(request, total, part)
            ),
        )

    def compute():
        return raw_values(handle, series, limit=paging.limit, offset=paging.offset, **filters)

    key = ("values", indicator_id, tuple(filters.items()), paging.limit, paging.offset)
    total, rows = handle.memo(key, compute) if paging.limit <= 1000 else compute()
    offset_beyond(total, paging)
    used = {s for r in rows for s in (r["sources"] or [])}
    meta["pagination"] = pagination_block(request, total, paging)
    return table_response(
        format, rows, VALUE_COLUMNS, release=handle.release_id, name=indicator_id, meta=meta, sources=cite(handle, used)
    )


@router.get("/indicators/{indicator_id}/map", response_model=Envelope, summary="One value per country for a year")
def indicator_map(
    indicator_id: str,
    handle: Release,
    lang: Lang,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    sex: Sex = "total",
):
    (
        """Country values of an area-level indicator in one year (default: the latest well-covered year), and group """
        """values."""
    )
    series = _indicator(handle, indicator_id)
    if series.level != "area":
        raise not_found(
            "area-level indicator",
            indicator_id,
            "corridor indicators have no map; use /values with origin or destination",
        )
    data = map_values(handle, series, year, sex)
    if year is not None and year not in data["years"]:
        raise not_found(
            "year",
            str(year),
            f"years with values: {data['years'][:3]}…{data['years'][-3:]}"
            if data["years"]
            else "the indicator has no values",
        )
    groups = [
        {**group, "scheme_label": message(SCHEME_LABELS[group["scheme"]], lang)}
        if group["scheme"] in SCHEME_LABELS
        else group
        for group in named_places(handle, data["groups"], lang)
    ]
    return json_response(
        {
            "release": handle.release_id,
            "indicator": indicator_id,
            **data,
            "countries": named_places(handle, data["countries"], lang),
            "groups": groups,
            "sources": cite(handle, data["sources"]),
        }
    )
