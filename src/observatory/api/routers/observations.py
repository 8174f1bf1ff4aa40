"""Raw observations (long format), filtered and paginated."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from observatory.api.deps import Paging, Release, Years, check_area, offset_beyond, page_links, pagination_block
from observatory.api.formats import DOWNLOAD_MAX_ROWS, Format, Selection, table_response
from observatory.api.models import DOWNLOADS, PROBLEMS, PagedEnvelope
from observatory.api.problems import bad_request, not_found
from observatory.api.queries.catalogue import cite, datasets, measures
from observatory.api.queries.series import chunked_rows
from observatory.sources.context import OBSERVATION_COLUMNS

router = APIRouter(tags=["observations"], responses=PROBLEMS)
COLUMNS = ["dataset_id", *OBSERVATION_COLUMNS]  # the release's observation columns
TYPES = {"year": "int32", "value": "float64", "lower": "float64", "upper": "float64"}


@router.get("/observations", response_model=PagedEnvelope, responses=DOWNLOADS, summary="Observations")
def list_observations(
    request: Request,
    handle: Release,
    years: Years,
    paging: Paging,
    measure: Annotated[str | None, Query(max_length=80, description="Measure id (see /api/measures).")] = None,
    dataset: Annotated[str | None, Query(max_length=80, description="Dataset id (see /api/datasets).")] = None,
    area: Annotated[str | None, Query(max_length=64)] = None,
    origin: Annotated[str | None, Query(max_length=64)] = None,
    destination: Annotated[str | None, Query(max_length=64)] = None,
    sex: Literal["total", "female", "male"] | None = None,
    format: Format = Format.json,
):
    """Observations as published by their datasets, one row per value; give at least a measure, a dataset or an area."""
    if measure is not None and measure not in measures(handle):
        raise not_found("measure", measure, "see /api/measures")
    if dataset is not None and dataset not in datasets(handle):
        raise not_found("dataset", dataset, "see /api/datasets")
    if not any((measure, dataset, area, origin, destination)):
        raise bad_request(
            "give at least one of measure, dataset, area, origin or destination (the whole table has millions of rows)"
        )
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (
        ("measure_id", measure),
        ("dataset_id", dataset),
        ("area", check_area(handle, area)),
        ("origin", check_area(handle, origin, "origin")),
        ("destination", check_area(handle, destination, "destination")),
        ("sex", sex),
    ):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if years.year_from is not None:
        clauses.append("year >= ?")
        params.append(years.year_from)
    if years.year_to is not None:
        clauses.append("year <= ?")
        params.append(years.year_to)
    where = " WHERE " + " AND ".join(clauses) if clauses else ""
    order = (
        "ORDER BY dataset_id, measure_id, year, area NULLS FIRST, origin NULLS FIRST, destination NULLS FIRST, "
        "period, sex, age, category, status, value NULLS FIRST"
    )
    name = measure or dataset or "observations"
    if format != Format.json:
        part = paging.for_download(DOWNLOAD_MAX_ROWS)
        total = handle.rows(f"SELECT count(*) AS n FROM observation{where}", params)[0]["n"]
        offset_beyond(total, part)
        select = f"SELECT {', '.join(COLUMNS)} FROM observation{where} {order} LIMIT ? OFFSET ?"
        cited = [
            r["dataset_id"]
            for r in handle.rows(f"SELECT DISTINCT dataset_id FROM ({select})", params + [part.limit, part.offset])
        ]
        return table_response(
            format,
            chunked_rows(handle, select, params + [part.limit, part.offset]),
            COLUMNS,
            release=handle.release_id,
            name=name,
            sources=cite(handle, cited),
            types=TYPES,
            selection=Selection(
                total, part.offset, max(min(part.limit, total - part.offset), 0), page_links(request, total, part)
            ),
        )

    def compute():
        total = handle.rows(f"SELECT count(*) AS n FROM observation{where}", params)[0]["n"]
        rows = handle.rows(
            f"SELECT {', '.join(COLUMNS)} FROM observation{where} {order} LIMIT ? OFFSET ?",
            params + [paging.limit, paging.offset],
        )
        return total, rows

    key = ("observations", where, tuple(params), paging.limit, paging.offset)
    total, rows = handle.memo(key, compute) if paging.limit <= 1000 else compute()
    offset_beyond(total, paging)
    used = {r["dataset_id"] for r in rows}
    return table_response(
        format,
        rows,
        COLUMNS,
        release=handle.release_id,
        name=name,
        meta={"pagination": pagination_block(request, total, paging)},
        sources=cite(handle, used),
    )
