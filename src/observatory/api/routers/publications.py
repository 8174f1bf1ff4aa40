"""Reports, briefs and profiles written by the publications module: list and download."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from observatory.api.deps import AppSettings, Release
from observatory.api.models import PROBLEMS, Envelope
from observatory.api.problems import not_found
from observatory.api.queries.external import PUBLICATION_TYPES, publication_files, publication_path
from observatory.api.responses import json_response

router = APIRouter(tags=["publications"], responses=PROBLEMS)


@router.get("/publications", response_model=Envelope, summary="List reports and briefs")
def list_publications(handle: Release, settings: AppSettings):
    """Files written under the home's publications, reports, briefs and profiles folders (empty when none)."""
    files = publication_files(settings)
    for item in files:
        item["url"] = f"/api/publications/{item['path']}"
    return json_response({"release": handle.release_id, "files": files})


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
