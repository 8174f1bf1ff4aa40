"""The release itself, its datasets (provenance) and its measures."""

from __future__ import annotations

from fastapi import APIRouter, Request

from observatory.api.deps import Release
from observatory.api.formats import Format, table_response
from observatory.api.models import DOWNLOADS, PROBLEMS, Envelope, TableEnvelope
from observatory.api.problems import not_found
from observatory.api.queries.catalogue import cite, datasets, measures, release_info
from observatory.api.responses import json_response
from observatory.api.safe_text import safe_url

router = APIRouter(tags=["release"], responses=PROBLEMS)


@router.get("/release/precompute", response_model=Envelope, summary="How far the release's precompute pass is")
def get_precompute(request: Request, handle: Release):
    """Whether the per-release digest behind country and corridor pages is built, and how many full profile
    documents are made (answers are the same either way; only their speed differs)."""
    precomputer = request.app.state.precomputer
    return json_response(
        {"release": handle.release_id, "digest": handle.digest is not None, **precomputer.status(handle.release_id)}
    )


@router.get("/release", response_model=Envelope, summary="The current release")
def get_release(handle: Release):
    """Release id, build time and code version, and the datasets it holds."""
    return json_response(
        {"release": handle.release_id, "info": release_info(handle), "datasets": cite(handle, list(datasets(handle)))}
    )


@router.get("/datasets", response_model=TableEnvelope, responses=DOWNLOADS, summary="Datasets with provenance")
def list_datasets(handle: Release, format: Format = Format.json):
    """Every dataset: publisher, producer version, licence, citation, URL, rows."""
    rows = [{k: v for k, v in ds.items()} for ds in datasets(handle).values()]
    columns = [
        "id",
        "title",
        "publisher",
        "producer",
        "version_producer",
        "licence",
        "citation_full",
        "url_main",
        "date_published",
        "retrieved_at",
        "row_count",
    ]
    rows.sort(key=lambda ds: ds["id"])
    return table_response(
        format,
        rows,
        columns,
        release=handle.release_id,
        name="datasets",
        sources=cite(handle, [ds["id"] for ds in rows]),
        types={"retrieved_at": "timestamp", "row_count": "int64"},
    )


@router.get("/datasets/{dataset_id}", response_model=Envelope, summary="One dataset")
def get_dataset(dataset_id: str, handle: Release):
    """One dataset with its files, checksums and measures."""
    ds = datasets(handle).get(dataset_id)
    if ds is None:
        raise not_found("dataset", dataset_id, "see /api/datasets")
    sql = "SELECT path, sha256, bytes, url_download FROM dataset_file WHERE dataset_id = ? ORDER BY path"
    files = handle.memo(
        ("dataset_files", dataset_id),
        lambda: [{**row, "url_download": safe_url(row["url_download"])} for row in handle.rows(sql, [dataset_id])],
    )
    owned = [m for m in measures(handle).values() if m["dataset_id"] == dataset_id]
    return json_response({"release": handle.release_id, "dataset": ds, "files": files, "measures": owned})


@router.get("/measures", response_model=TableEnvelope, responses=DOWNLOADS, summary="Measures (raw statistics)")
def list_measures(handle: Release, format: Format = Format.json):
    """Every measure: label, kind (stock, flow, ...), unit, level (area or corridor), definition, dataset."""
    rows = sorted(measures(handle).values(), key=lambda m: (m["id"], m["dataset_id"]))
    return table_response(
        format,
        rows,
        ["id", "dataset_id", "label", "kind", "unit", "level", "definition", "category_label"],
        release=handle.release_id,
        name="measures",
        sources=cite(handle, [m["dataset_id"] for m in rows]),
    )
