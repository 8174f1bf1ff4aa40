"""What every request passes before a route sees it: known query parameters only, given once; bounded bodies."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Hashable, Iterator
from dataclasses import dataclass
from re import Pattern
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from pydantic import BaseModel

MAX_JSON_BYTES = 64_000
# Raw uploads stream their own body under the firewall's larger limit (a file, never parsed as JSON here).
RAW_BODY_ROUTES = frozenset({("POST", "/api/vault/datasets/{dataset_id}/uploads")})
API_PREFIX = "/api"
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")
Receive = Callable[[], Awaitable[dict]]


class Refusal(Exception):
    """A request refused before routing: status, title and a detail that never quotes a value the client sent."""

    def __init__(self, status: int, title: str, detail: str):
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


@dataclass(frozen=True)
class RouteParameters:
    """One API route: its path pattern, methods and the names of the query parameters it declares."""

    path_format: str
    path_regex: Pattern[str]
    methods: frozenset[str]
    names: frozenset[str]


def _query_names(dependant: Any) -> frozenset[str]:
    """Query parameter names of a route's dependant, its dependencies included (routes without one take none)."""
    names: set[str] = set()
    pending = [dependant] if dependant is not None else []
    while pending:
        current = pending.pop()
        for field in current.query_params:
            model = getattr(field.field_info, "annotation", None)
            if isinstance(model, type) and issubclass(model, BaseModel):  # a model of query parameters: its fields
                names |= {info.alias or name for name, info in model.model_fields.items()}
            else:
                names.add(field.alias)
        pending.extend(current.dependencies)
    return frozenset(names)


def _route_path(scope: dict) -> str:
    """The request path as the routes see it (without the root path a proxy may add)."""
    path, root = scope["path"], scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def _route_contexts(app: FastAPI) -> Iterator[Any]:
    """Every route of the app, included routers flattened (FastAPI >= 0.165 keeps included routers nested)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: included routes are copied flat into the app's router
        yield from app.router.routes
        return
    yield from iter_route_contexts(app.router.routes)


class RouteIndex:
    """The API routes of an app and their query parameters, read once the routers are mounted."""

    def __init__(self, app: FastAPI):
        self.app = app
        self._routes: list[RouteParameters] | None = None

    def routes(self) -> list[RouteParameters]:
        """Every route with a path and methods (built on first use, after create_app mounted the routers)."""
        if self._routes is None:
            found = []
            for context in _route_contexts(self.app):
                path_format, regex = getattr(context, "path_format", None), getattr(context, "path_regex", None)
                if not isinstance(path_format, str) or regex is None or not getattr(context, "methods", None):
                    continue
                methods = frozenset(getattr(context, "methods", None) or ())
                found.append(
                    RouteParameters(path_format, regex, methods, _query_names(getattr(context, "dependant", None)))
                )
            self._routes = found
        return self._routes

    def match(self, scope: dict) -> RouteParameters | None:
        """The API route that will answer this request (path and method), or None (404 and 405 are the router's)."""
        path = _route_path(scope)
        for entry in self.routes():
            if (
                entry.path_format.startswith(API_PREFIX)
                and entry.path_regex.match(path)
                and scope["method"] in entry.methods
            ):
                return entry
        return None

    def allowed_methods(self, scope: dict) -> list[str]:
        """Every method some route accepts on this path (for the Allow header of a 405)."""
        path = _route_path(scope)
        return sorted({method for entry in self.routes() if entry.path_regex.match(path) for method in entry.methods})


def _shown(name: str) -> str:
    """A parameter name fit to quote back: short plain names only."""
    return repr(name) if _PLAIN_NAME.match(name) else "(a name that is not a plain word)"


def checked_query(entry: RouteParameters, query_string: bytes) -> Hashable:
    """The cache key of the query: sorted pairs of declared parameters; Refusal(400) for an unknown or repeated one."""
    try:
        pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, max_num_fields=100)
    except ValueError:
        raise Refusal(400, "Invalid parameter", "too many query parameters") from None
    names = [name for name, _ in pairs]
    unknown = sorted({name for name in names if name not in entry.names})
    if unknown:
        takes = ", ".join(sorted(entry.names)) or "no parameters"
        shown = ", ".join(_shown(name) for name in unknown[:3]) + (
            f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
        )
        raise Refusal(400, "Unknown parameter", f"unknown query parameter {shown}; this route takes {takes}")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise Refusal(400, "Invalid parameter", f"query parameter {_shown(repeated[0])} is given more than once")
    return tuple(sorted(pairs))


def raw_body_route(entry: RouteParameters | None, method: str) -> bool:
    """True for routes that read and limit their own raw body (uploads)."""
    return entry is not None and (method, entry.path_format) in RAW_BODY_ROUTES


async def bounded_body(scope: dict, receive: Receive, limit: int = MAX_JSON_BYTES) -> Receive:
    """A receive replaying the body read so far; Refusal(413) once the declared or streamed size passes limit."""
    headers = dict(scope.get("headers") or [])
    declared = headers.get(b"content-length")
    chunked = b"chunked" in headers.get(b"transfer-encoding", b"").lower()
    if declared is None and not chunked:
        return receive  # no body
    if declared is not None and (not declared.strip().isdigit() or int(declared) > limit):
        raise Refusal(413, "Request body too large", f"request bodies are limited to {limit} bytes")
    body, trailing = bytearray(), None
    while True:
        message = await receive()
        if message["type"] != "http.request":
            trailing = message  # a disconnect: hand it on after the body
            break
        body += message.get("body", b"")
        if len(body) > limit:
            raise Refusal(413, "Request body too large", f"request bodies are limited to {limit} bytes")
        if not message.get("more_body", False):
            break
    replayed = False

    async def replay() -> dict:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}
        return trailing if trailing is not None else await receive()

    return replay
