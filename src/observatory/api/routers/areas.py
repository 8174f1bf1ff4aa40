"""Areas: countries, territories, groups (regions, income groups) and their memberships."""

from __future__ import annotations

from typing import Annotated, Literal, cast

from fastapi import APIRouter, Query

from observatory.api.deps import Release, check_area
from observatory.api.formats import Format, table_response
from observatory.api.localise import Lang, localised_area, named_places
from observatory.api.models import DOWNLOADS, PROBLEMS, Envelope, TableEnvelope
from observatory.api.queries.catalogue import area_label, areas, cite, members, memberships
from observatory.api.responses import json_response
from observatory.sources import registry

router = APIRouter(tags=["areas"], responses=PROBLEMS)
AREA_COLUMNS = ["code", "m49", "iso2", "name", "short_name", "kind", "scheme", "note"]
Kind = Literal["country", "group", "special", "historical", "other_entity"]


@router.get("/areas", response_model=TableEnvelope, responses=DOWNLOADS, summary="List areas")
def list_areas(
    handle: Release,
    lang: Lang,
    kind: Annotated[Kind | None, Query(description="Only this kind of area.")] = None,
    scheme: Annotated[
        str | None,
        Query(max_length=40, description="Only groups of this scheme (continent, sdg_region, wb_income, ...)."),
    ] = None,
    format: Format = Format.json,
):
    """Countries, groups and special areas with their codes (ISO 3166 alpha-3 for countries)."""
    rows = [
        a
        for a in areas(handle).values()
        if (kind is None or a["kind"] == kind) and (scheme is None or a["scheme"] == scheme)
    ]
    # The order of the release's (English) names, made total by the code: the same rows in the same order in every
    # language, so a reader's table lines up with anyone else's.
    rows.sort(key=lambda a: (a["name"], a["code"]))
    rows = [localised_area(handle, a, lang) for a in rows]
    reference = [spec.id for spec in registry.all_specs() if spec.provides == "areas"]
    return table_response(
        format,
        rows,
        AREA_COLUMNS,
        release=handle.release_id,
        name="areas",
        sources=cite(handle, reference),
        types={"m49": "int32"},
    )


@router.get("/areas/{code}", response_model=Envelope, summary="One area")
def get_area(code: str, handle: Release, lang: Lang):
    """An area, the groups it belongs to, and for a group its members."""
    code = cast(str, check_area(handle, code))
    area = areas(handle)[code]
    groups = [
        {"scheme": s, "code": g, "name": area_label(handle, g)} for s, g in memberships(handle).get(code, {}).items()
    ]
    body = {
        "release": handle.release_id,
        "area": localised_area(handle, area, lang),
        "groups": named_places(handle, groups, lang),
    }
    if area["kind"] == "group":
        body["members"] = named_places(
            handle, [{"code": m, "name": area_label(handle, m)} for m in members(handle, code)], lang
        )
    return json_response(body)
