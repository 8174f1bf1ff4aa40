"""Errors as RFC 9457 problem details (application/problem+json), never a bare 500 page."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from observatory.warehouse.releases import ReleaseError

PROBLEM_TYPE = "application/problem+json"
log = logging.getLogger("observatory.api")


class ApiProblem(Exception):
    """A request the API refuses, with a status and a message for people."""

    def __init__(self, status: int, title: str, detail: str):
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


def not_found(what: str, value: str, hint: str = "") -> ApiProblem:
    """404 for an unknown code or id."""
    return ApiProblem(404, f"Unknown {what}", f"no {what} {value!r} in this release" + (f"; {hint}" if hint else ""))


def bad_request(detail: str) -> ApiProblem:
    """400 for a parameter that is well-formed but makes no sense."""
    return ApiProblem(400, "Invalid parameter", detail)


def problem_response(
    request: Request, status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> Response:
    (
        """The problem body, with the release id when one was resolved for this request; portal pages get an HTML """
        """page """
        """instead."""
    )
    app = request.scope.get("app")
    html_problem = getattr(app.state, "html_problem", None) if app is not None else None
    if html_problem is not None and not request.url.path.startswith(("/api", "/static", "/geo")):
        response = html_problem(request, status, title, detail)
        response.headers.update(headers or {})
        return response
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "instance": request.url.path}
    release = request.scope.get("state", {}).get("release_id")
    if release:
        body["release"] = release
    return JSONResponse(body, status_code=status, media_type=PROBLEM_TYPE, headers=headers)


def allowed_methods(request: Request) -> str:
    """The methods the routes of this path accept, for the Allow header of a 405."""
    app = request.scope.get("app")
    index = getattr(app.state, "route_index", None) if app is not None else None
    methods = index.allowed_methods(request.scope) if index is not None else []
    return ", ".join(methods)


def describe_validation(error: RequestValidationError) -> str:
    """Validation errors in words: which parameter, what is wrong."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item.get("loc", ()) if p not in ("query", "path", "body"))
        parts.append(f"{where}: {item.get('msg', 'invalid')}" if where else str(item.get("msg", "invalid")))
    return "; ".join(parts) or "invalid request"


def install_problem_handlers(app: FastAPI) -> None:
    """Every error the app raises becomes a problem+json response."""

    @app.exception_handler(ApiProblem)
    async def _api_problem(request: Request, error: ApiProblem) -> Response:
        return problem_response(request, error.status, error.title, error.detail)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> Response:
        return problem_response(request, 422, "Invalid request", describe_validation(error))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        headers = dict(error.headers or {})
        if error.status_code == 404:
            return problem_response(request, 404, "Not found", "no route for this path; see /api/openapi.json", headers)
        if error.status_code == 405:  # every method of every route on this path, not only the first route's
            headers["Allow"] = allowed_methods(request) or headers.get("Allow", "")
            detail = f"this method is not allowed here; allowed: {headers['Allow']}"
            return problem_response(request, 405, "Method not allowed", detail, headers)
        return problem_response(request, error.status_code, "HTTP error", str(error.detail), headers)

    @app.exception_handler(ReleaseError)
    async def _no_release(request: Request, error: ReleaseError) -> Response:
        return problem_response(request, 503, "No release", str(error))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        return problem_response(
            request, 500, "Internal error", f"the server failed ({type(error).__name__}); please report the URL"
        )
