"""HTTP routes of the vault (mounted under /api/vault): bearer-token guarded, errors as application/problem+json."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from observatory.api.guards import MAX_JSON_BYTES, Refusal, bounded_body
from observatory.firewall.declarations import available_schemas, load_schema
from observatory.firewall.errors import FirewallError, Unauthenticated, UploadTooLarge
from observatory.firewall.publish import PUBLICATION_ID
from observatory.firewall.rules import DATASET_ID, DisclosureRules
from observatory.firewall.tokens import ORG_PATTERN, Principal
from observatory.firewall.vault import Vault
from observatory.settings import Settings, get_settings

PROBLEM = "application/problem+json"
# A location part of a validation error shown as it is: field names of the models; a caller's dict key never is.
PLAIN_LOCATION = re.compile(r"[A-Za-z_]{1,40}")
log = logging.getLogger("observatory.firewall")
_PROBLEM_BODY = {
    PROBLEM: {
        "schema": {
            "type": "object",
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
            },
        }
    }
}
# Every status a vault route can answer, documented in the OpenAPI document (problem+json bodies).
VAULT_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {
        "description": "No or an invalid bearer token",
        "content": _PROBLEM_BODY,
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
    },
    403: {
        "description": "The token's role or organisation may not do this (e.g. upload into a dataset not granted)",
        "content": _PROBLEM_BODY,
    },
    404: {"description": "Unknown dataset, publication, upload, grant or token", "content": _PROBLEM_BODY},
    409: {
        "description": "Conflicts with the vault's state (already exists, already withdrawn)",
        "content": _PROBLEM_BODY,
    },
    413: {"description": "Upload or body too large", "content": _PROBLEM_BODY},
    422: {
        "description": "Invalid request or refused upload (names row and column position, never a value)",
        "content": _PROBLEM_BODY,
    },
    429: {
        "description": "Privacy budget of the dataset or analyst spent, or too many requests",
        "content": _PROBLEM_BODY,
    },
    503: {"description": "The vault key is missing or the audit log failed verification", "content": _PROBLEM_BODY},
}


def problem(status: int, title: str, detail: str) -> JSONResponse:
    """An RFC 9457 problem details response."""
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status_code=status,
        media_type=PROBLEM,
        headers=headers,
    )


def explain_request_errors(errors: Any) -> str:
    """Request validation errors in words, naming fields and never echoing the input."""
    parts = []
    for item in errors:
        where = ".".join(
            str(p) if isinstance(p, int) or PLAIN_LOCATION.fullmatch(str(p)) else "(key)"
            for p in item.get("loc", ())
            if p != "body"
        )
        parts.append(f"{where}: {item.get('msg', 'invalid')}" if where else str(item.get("msg", "invalid")))
    return "; ".join(parts) or "invalid request"


def to_problem(error: Exception) -> JSONResponse:
    """Turn any error into a problem response; unexpected ones become a bare 500 naming only the error type."""
    if isinstance(error, FirewallError):
        return problem(error.status, error.title, error.detail)
    if isinstance(error, RequestValidationError):
        return problem(422, "Invalid request", explain_request_errors(error.errors()))
    if isinstance(error, StarletteHTTPException):
        return problem(error.status_code, "HTTP error", str(error.detail))
    log.error("vault internal error: %s", type(error).__name__)
    return problem(500, "Internal error", "the vault could not complete the request; nothing was released")


class ProblemRoute(APIRoute):
    """A route whose errors are always problem+json and never leak values."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as error:  # noqa: BLE001 - every failure is answered as a problem, none escapes raw
                return to_problem(error)

        return guarded


def current_settings(request: Request) -> Settings:
    """The settings of the app serving the request, so the vault shares `serve --home` with the rest of the server."""
    # An app that holds no settings (a bare router mounted elsewhere) reads them from the environment.
    held = getattr(request.app.state, "settings", None)
    return held if isinstance(held, Settings) else get_settings()


def open_vault(settings: Annotated[Settings, Depends(current_settings)]) -> Vault:
    """The vault; refuses (503) when its key is missing or misplaced."""
    return Vault(settings)


def caller(
    vault: Annotated[Vault, Depends(open_vault)], authorization: Annotated[str | None, Header()] = None
) -> Principal:
    """The principal of the bearer token (no header: the anonymous public)."""
    if authorization is None:
        return vault.authenticate(None)
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("use the header 'Authorization: Bearer <token>'")
    return vault.authenticate(token.strip())


VaultDep = Annotated[Vault, Depends(open_vault)]
CallerDep = Annotated[Principal, Depends(caller)]
router = APIRouter(route_class=ProblemRoute, tags=["vault"], responses=VAULT_RESPONSES)


class QueryBody(BaseModel):
    """An aggregate request body."""

    model_config = ConfigDict(extra="forbid")
    by: list[str] = Field(default_factory=list, max_length=4)
    filters: dict[str, str] = Field(default_factory=dict, max_length=4)


class PublishBody(QueryBody):
    """A publication request body."""

    dataset: str = Field(pattern=f"^{DATASET_ID.pattern}$")
    id: str = Field(pattern=f"^{PUBLICATION_ID.pattern}$")
    title: str = ""
    licence: str = "CC-BY-4.0"
    citation: str = ""
    url_main: str = ""


class GrantBody(BaseModel):
    """A grant request body."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["owner", "contributor"] = "contributor"


class TokenBody(BaseModel):
    """A token request body."""

    model_config = ConfigDict(extra="forbid")
    role: Literal["public", "researcher", "contributor", "steward", "admin"]
    org: str | None = Field(None, pattern=f"^{ORG_PATTERN.pattern}$", description="Needed for a contributor.")
    days: float = Field(30, gt=0, le=366)
    label: str = ""


@router.get("/publications")
def list_publications(vault: VaultDep, who: CallerDep) -> list[dict[str, Any]]:
    """Published contributed datasets (public)."""
    return vault.list_publications(who)


@router.post("/publications", status_code=201)
def publish(body: PublishBody, vault: VaultDep, who: CallerDep) -> dict[str, Any]:
    """Publish an approved aggregate as a contributed dataset (steward)."""
    result = vault.publish(
        who,
        body.dataset,
        body.id,
        by=body.by,
        filters=body.filters,
        title=body.title,
        licence=body.licence,
        citation=body.citation,
        url_main=body.url_main,
    )
    result.pop("path", None)
    return result


@router.delete("/publications/{pub_id}")
def unpublish(
    pub_id: Annotated[str, Path(pattern=f"^{PUBLICATION_ID.pattern}$")], vault: VaultDep, who: CallerDep
) -> dict[str, Any]:
    """Remove a publication (steward)."""
    return vault.unpublish(who, pub_id)


@router.get("/datasets/{dataset_id}/rules")
def get_rules(dataset_id: str, vault: VaultDep, who: CallerDep) -> dict[str, Any]:
    """A dataset's disclosure rules and budget (any token)."""
    return vault.get_rules(who, dataset_id)


# The rules are validated by the vault (its messages never echo a value); the document shows their model.
RULES_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": DisclosureRules.model_json_schema()}},
    }
}


@router.put("/datasets/{dataset_id}/rules", openapi_extra=RULES_BODY)
def set_rules(dataset_id: str, body: dict[str, Any], vault: VaultDep, who: CallerDep) -> dict[str, Any]:
    """Set a dataset's disclosure rules (steward)."""
    return vault.set_rules(who, dataset_id, body)


@router.get("/datasets/{dataset_id}/grants")
def list_grants(dataset_id: str, vault: VaultDep, who: CallerDep) -> list[dict[str, str]]:
    """Organisations that may upload into a dataset (steward)."""
    return vault.list_grants(who, dataset_id)


@router.put("/datasets/{dataset_id}/grants/{org}")
def grant(dataset_id: str, org: str, vault: VaultDep, who: CallerDep, body: GrantBody | None = None) -> dict[str, str]:
    """Let an organisation upload into a dataset, as owner or co-contributor (steward)."""
    return vault.grant(who, dataset_id, org, (body or GrantBody()).kind)


@router.delete("/datasets/{dataset_id}/grants/{org}")
def revoke_grant(dataset_id: str, org: str, vault: VaultDep, who: CallerDep) -> dict[str, str]:
    """Stop an organisation uploading into a dataset (steward)."""
    return vault.revoke_grant(who, dataset_id, org)


@router.post("/datasets/{dataset_id}/aggregate")
def aggregate(dataset_id: str, body: QueryBody, vault: VaultDep, who: CallerDep) -> dict[str, Any]:
    """A disclosure-controlled aggregate (researcher, steward)."""
    return vault.aggregate(who, dataset_id, by=body.by, filters=body.filters)


def _upload_limit() -> int:
    """The largest upload any declared schema accepts."""
    return max(load_schema(s).limits.max_bytes for s in available_schemas())


@router.post("/datasets/{dataset_id}/uploads", status_code=201)
async def upload(
    dataset_id: str, request: Request, vault: VaultDep, who: CallerDep, filename: Annotated[str, Query(max_length=200)]
) -> dict[str, Any]:
    """Upload a CSV or XLSX file as the raw request body (contributor); it is held in memory only."""
    limit = _upload_limit()
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise UploadTooLarge(f"is {declared} bytes (limit {limit})")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise UploadTooLarge(f"is over the limit of {limit} bytes")
        chunks.append(chunk)
    return await run_in_threadpool(vault.upload, who, dataset_id, filename, b"".join(chunks))


@router.get("/uploads")
def list_uploads(vault: VaultDep, who: CallerDep) -> list[dict[str, Any]]:
    """Uploads as counts (contributor: own only; steward, admin: all)."""
    return vault.list_uploads(who)


@router.get("/uploads/{upload_id}")
def get_upload(upload_id: str, vault: VaultDep, who: CallerDep) -> dict[str, Any]:
    """One upload's counts (another organisation's is not found)."""
    return vault.get_upload(who, upload_id)


@router.delete("/uploads/{upload_id}")
def withdraw(upload_id: str, vault: VaultDep, who: CallerDep) -> dict[str, Any]:
    """Withdraw an upload: its records are destroyed and aggregates rebuilt (contributor, own uploads)."""
    return vault.withdraw(who, upload_id)


@router.post("/tokens", status_code=201)
def create_token(body: TokenBody, vault: VaultDep, who: CallerDep) -> dict[str, str]:
    """Create a token (admin); shown once. The first admin comes from `observatory token create`, never over HTTP."""
    return vault.create_token(who, body.role, org=body.org, days=body.days, label=body.label)


@router.delete("/tokens/{token_id}")
def revoke_token(token_id: str, vault: VaultDep, who: CallerDep) -> dict[str, str]:
    """Revoke a token (admin)."""
    return vault.revoke_token(who, token_id)


# The upload route streams and limits its own raw body (a file, under the schema's larger limit); every other route
# reads JSON, capped before parsing as on the full portal (observatory.api.guards).
_RAW_UPLOAD_PATH = re.compile(r"^/api/vault/datasets/[^/]{1,200}/uploads/?$")


class BoundedJsonBodies:
    """ASGI middleware of the standalone vault: refuse (413) a JSON body over the cap before any route parses it."""

    def __init__(self, app: Any, limit: int = MAX_JSON_BYTES):
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or (scope["method"] == "POST" and _RAW_UPLOAD_PATH.match(scope["path"])):
            await self.app(scope, receive, send)
            return
        try:
            receive = await bounded_body(scope, receive, self.limit)
        except Refusal as refusal:
            await problem(refusal.status, refusal.title, refusal.detail)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    (
        """A standalone app serving only the vault under /api/vault (e.g. `uvicorn """
        """observatory.firewall.api:create_app """
        """--factory`)."""
    )
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        try:  # sign a checkpoint at the head of the audit chain on the way out
            await run_in_threadpool(lambda: Vault(settings).audit.checkpoint())
        except FirewallError as error:
            log.error("vault audit checkpoint at shutdown failed: %s", error.title)

    app = FastAPI(title="Migration Observatory vault", docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.settings = settings
    app.include_router(router, prefix="/api/vault")

    async def handle(_request: Request, error: Exception) -> Response:
        return to_problem(error)

    app.add_exception_handler(StarletteHTTPException, handle)
    app.add_exception_handler(RequestValidationError, handle)
    app.add_middleware(BoundedJsonBodies)
    return app
