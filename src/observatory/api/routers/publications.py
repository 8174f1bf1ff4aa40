"""The publications catalogue (search, one entry, Atom feed) and the files written by the publications module."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response

from observatory.api.deps import AppSettings, Paging, Release, pagination_block
from observatory.api.models import PROBLEMS, Envelope
from observatory.api.problems import not_found
from observatory.api.queries.external import PUBLICATION_TYPES, publication_files, publication_path
from observatory.api.responses import json_response
from observatory.publish.catalogue import SERIES, get_publication, search_publications

router = APIRouter(tags=["publications"], responses=PROBLEMS)
SeriesCode = Annotated[str | None, Query(pattern=f"^({'|'.join(SERIES)})$", description="Series code.")]


@router.get("/publications", response_model=Envelope, summary="Search the publications catalogue")
def list_publications(
    request: Request,
    handle: Release,
    settings: AppSettings,
    paging: Paging,
    q: Annotated[str | None, Query(max_length=300, description="Words in title, authors, subject or id.")] = None,
    series: SeriesCode = None,
    language: Annotated[str | None, Query(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")] = None,
    release: Annotated[str | None, Query(max_length=40, description="Data release used.")] = None,
    subject: Annotated[str | None, Query(max_length=120, description="DEU, SYR-DEU, theme:...")] = None,
):
    """Catalogue entries (series and number, title, date, language, authors, data release, formats), newest first;
    `files` lists every publication file of the home."""
    entries, total = search_publications(
        settings,
        q,
        series=series,
        language=language,
        release=release,
        subject=subject,
        limit=paging.limit,
        offset=paging.offset,
    )
    files = publication_files(settings)
    for item in files:
        item["url"] = f"/api/publications/{item['path']}"
    body = {
        "release": handle.release_id,
        "series": {code: title for code, (title, _) in SERIES.items()},
        "publications": entries,
        "pagination": pagination_block(request, total, paging),
        "files": files,
    }
    return json_response(body)


@router.get(
    "/publications/feed.atom",
    summary="Atom feed of new publications",
    responses={200: {"content": {"application/atom+xml": {"schema": {"type": "string"}}}}},
)
def publications_feed(request: Request, handle: Release, settings: AppSettings):
    """The 50 newest catalogue entries as an Atom 1.0 feed (RFC 4287), each with its formats as enclosures."""
    from observatory.publish.feed import atom_feed

    base = f"{request.url.scheme}://{request.url.netloc}"
    return Response(atom_feed(settings, base), media_type="application/atom+xml")


@router.get("/publications/catalogue/{entry_id}", response_model=Envelope, summary="One catalogue entry")
def catalogue_entry(entry_id: str, handle: Release, settings: AppSettings):
    """A publication by its id (MP-0001): series and number, metadata and the URL of every format."""
    entry = get_publication(settings, entry_id)
    if entry is None:
        raise not_found("publication", entry_id, "see /api/publications")
    return json_response({"release": handle.release_id, **entry})


@router.get(
    "/publications/{path:path}",
    summary="Download a report or brief",
    responses={
        200: {
            "description": "The file",
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}} for t in sorted(set(PUBLICATION_TYPES.values()))
            },
        }
    },
)
def download_publication(path: str, handle: Release, settings: AppSettings):
    """One listed file; anything not listed is 404."""
    found = publication_path(settings, path)
    if found is None:
        raise not_found("publication", path, "see /api/publications")
    return FileResponse(found, media_type=PUBLICATION_TYPES[found.suffix.lower()], filename=found.name)
