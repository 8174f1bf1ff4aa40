"""Response shapes for the OpenAPI document: envelopes naming the release, and problem details."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Problem(BaseModel):
    """An RFC 9457 problem details body."""

    model_config = ConfigDict(extra="allow")
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    release: str | None = None


class Envelope(BaseModel):
    """Any JSON body: always carries the release id."""

    model_config = ConfigDict(extra="allow")
    release: str = Field(description="The warehouse release the data come from.")


class Source(BaseModel):
    """Provenance of one dataset."""

    model_config = ConfigDict(extra="allow")
    dataset: str
    publisher: str
    title: str
    version: str
    licence: str


class TableEnvelope(Envelope):
    """A table of rows with the sources they come from."""

    data: list[dict[str, Any]]
    sources: list[Source] = []


class PagedEnvelope(TableEnvelope):
    """A page of rows with totals and links."""

    pagination: dict[str, Any]


PROBLEM_CONTENT = {"application/problem+json": {"schema": Problem.model_json_schema()}}
PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Invalid parameter", "content": PROBLEM_CONTENT, "model": Problem},
    404: {"description": "Unknown area, indicator or file", "content": PROBLEM_CONTENT, "model": Problem},
    422: {"description": "Invalid request", "content": PROBLEM_CONTENT, "model": Problem},
    503: {"description": "No current release", "content": PROBLEM_CONTENT, "model": Problem},
}
DOWNLOADS: dict[int | str, dict[str, Any]] = {
    200: {"description": "JSON, or a CSV, Parquet or Excel download (parameter format)",
          "content": {"text/csv": {"schema": {"type": "string"}}, "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}}},
}
