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
    200: {
        "description": "JSON, or a CSV, Parquet or Excel download (parameter format)",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
        },
    },
}
COMMON_RESPONSES: dict[str, dict[str, Any]] = {
    "400": {
        "description": "Invalid parameter: an unknown or repeated query parameter, or values that do not fit together",
        "content": PROBLEM_CONTENT,
    },
    "413": {"description": "Request body too large (checked before it is read)", "content": PROBLEM_CONTENT},
    "503": {"description": "No current release", "content": PROBLEM_CONTENT},
}
NOT_MODIFIED = {"description": "Not modified: If-None-Match named the ETag of this release and URL"}
METHOD_NOT_ALLOWED = {
    "description": "Method not allowed on this path; the Allow header lists the methods it accepts",
    "headers": {"Allow": {"description": "Methods the path accepts", "schema": {"type": "string"}}},
    "content": PROBLEM_CONTENT,
}


def document_statuses(app: Any, etag_exempt: tuple[str, ...]) -> None:
    """Make the app's OpenAPI document list the statuses every route can answer, besides those each route declares."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        if schema.get("x-common-statuses"):
            return schema
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                for status, response in COMMON_RESPONSES.items():
                    responses.setdefault(status, response)
                if "422" in responses:  # every validation error of this app (API and vault) is answered as problem+json
                    description = responses["422"].get("description", "Invalid request")
                    responses["422"] = {"description": description, "content": PROBLEM_CONTENT}
                if method == "get" and not path.startswith(etag_exempt):
                    responses.setdefault("304", NOT_MODIFIED)
        schema.setdefault("components", {}).setdefault("responses", {})["MethodNotAllowed"] = METHOD_NOT_ALLOWED
        schema["x-common-statuses"] = True
        return schema

    app.openapi = openapi
