"""Check a claim: suggestions read from a sentence, and the data bearing on the chosen measure, areas and year."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from observatory.api.deps import Release, check_area
from observatory.api.localise import Lang, localised_indicator, message, named_places
from observatory.api.models import PROBLEMS, Envelope
from observatory.api.problems import bad_request, not_found
from observatory.api.queries.catalogue import find_series
from observatory.api.queries.claims import SCHEMES, answer_claim, check_claim, parse_claim
from observatory.api.release_cache import ReleaseHandle
from observatory.api.responses import json_response
from observatory.i18n.phrases import said_in

router = APIRouter(tags=["claims"], responses=PROBLEMS)
Scheme = Literal["continent", "un_region", "sdg_region", "wb_income"]


@router.get("/claims/parse", response_model=Envelope, summary="Read a claim")
def read_claim(
    handle: Release,
    lang: Lang,
    text: Annotated[
        str, Query(min_length=3, max_length=300, description="The claim, e.g. 'Most African migrants go to Europe'.")
    ],
):
    """Suggested measure, origin, destination or area, year and number; a person confirms them before checking."""
    return json_response({"release": handle.release_id, **localised_reading(handle, parse_claim(handle, text), lang)})


@router.get("/claims/answer", response_model=Envelope, summary="Answer a claim with a verdict")
def answer(
    handle: Release,
    lang: Lang,
    text: Annotated[
        str, Query(min_length=3, max_length=300, description="The claim, e.g. 'Most refugees live in rich countries'.")
    ],
):
    """The claim as read, the figures that answer its question, and a verdict, or 'cannot read this claim'."""
    body = localised_reading(handle, answer_claim(handle, text), lang)
    return json_response({"release": handle.release_id, **body, "verdict_label": message(body["verdict"], lang)})


@router.get("/claims/check", response_model=Envelope, summary="The data bearing on a claim")
def check(
    handle: Release,
    lang: Lang,
    measure: Annotated[str, Query(max_length=80, description="Indicator or measure id.")],
    origin: Annotated[str | None, Query(max_length=64)] = None,
    destination: Annotated[str | None, Query(max_length=64)] = None,
    area: Annotated[str | None, Query(max_length=64)] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    scheme: Scheme = "continent",
):
    (
        """For corridor measures, how the origin's people are spread over groups of destinations; for area measures, """
        """the value."""
    )
    series = find_series(handle, measure)
    if series is None:
        raise not_found("measure or indicator", measure, "see /api/indicators and /api/measures")
    origin, destination, area = (
        check_area(handle, origin, "origin"),
        check_area(handle, destination, "destination"),
        check_area(handle, area),
    )
    if series.level == "corridor" and origin is None and destination is None:
        raise bad_request(f"{measure} is a corridor measure: give an origin (or a destination)")
    if series.level == "area" and (area or origin or destination) is None:
        raise bad_request(f"{measure} is an area measure: give an area")
    checked = check_claim(handle, series, origin=origin, destination=destination, area=area, year=year, scheme=scheme)
    return json_response({"release": handle.release_id, **localised_check(handle, checked, lang)})


def localised_reading(handle: ReleaseHandle, reading: dict[str, Any], lang: str) -> dict[str, Any]:
    """A claim as read, with the places it names, its statement and figures in `lang`, and its problems said in `lang`
    beside the English ones (which stay as given: clients match on them)."""
    return {
        **said_in(reading, lang),
        "mentions": named_places(handle, reading["mentions"], lang),
        "problem_labels": [message(problem, lang) for problem in reading["problems"]],
    }


def localised_check(handle: ReleaseHandle, checked: dict[str, Any], lang: str) -> dict[str, Any]:
    """The data bearing on a claim with its series' texts, places, scheme label and statement in `lang`."""
    out = said_in(checked, lang)
    if "series" in out:
        out["series"] = localised_indicator(out["series"], lang)
    # Places (anchor, focus, area, distribution, top partners) are said in `lang` by said_in: they are Place texts.
    if "scheme" in out:
        out["scheme_label"] = message(SCHEMES.get(out["scheme"], out["scheme"]), lang)
    return out
