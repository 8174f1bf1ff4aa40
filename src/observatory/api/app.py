"""The FastAPI application: API routers, portal pages, static files, release headers and caching."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import Response

from observatory.api.problems import install_problem_handlers, problem_response
from observatory.api.release_cache import ReleaseRegistry
from observatory.api.responses import CACHE_CONTROL, release_etag
from observatory.settings import Settings, get_settings
from observatory.warehouse.releases import ReleaseError

log = logging.getLogger("observatory.api")
# Paths whose content depends on more than the release (evidence store, publication files, the vault): no release ETag.
VOLATILE_PREFIXES = ("/api/evidence", "/api/publications", "/api/vault", "/evidence", "/reports", "/static", "/geo")


def _mount_routers(app: FastAPI) -> None:
    """Every API router and the portal pages."""
    from observatory.api.routers import areas, claims, corridors, datasets, evidence, frameworks, indicators, observations, profiles, publications

    for module in (datasets, areas, indicators, corridors, observations, frameworks, profiles, evidence, publications, claims):
        app.include_router(module.router, prefix="/api")
    try:
        from observatory.firewall.api import router as vault_router
    except Exception as error:  # the vault is optional; the portal works without it
        log.warning("vault API not mounted: %s", error)
    else:
        app.include_router(vault_router, prefix="/api/vault")
    from observatory.web.pages import mount_portal

    mount_portal(app)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The portal and API serving the current release of `settings.home`."""
    settings = settings or get_settings()
    registry = ReleaseRegistry(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        registry.close()

    app = FastAPI(
        title="Migration Observatory API", version="1.0",
        description="Migration statistics, indicators, corridors and evidence from the current warehouse release. "
                    "Every response names its release (header X-Observatory-Release and a `release` field); errors are problem details.",
        openapi_url="/api/openapi.json", docs_url="/api/docs", redoc_url=None, lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.registry = registry
    install_problem_handlers(app)

    @app.middleware("http")
    async def release_headers(request: Request, call_next) -> Response:
        """Resolve the release once, answer If-None-Match, and stamp the release id, ETag and Cache-Control."""
        path = request.url.path
        try:
            handle = registry.current()
        except ReleaseError as error:
            if path.startswith("/static") or path == "/api/openapi.json" or path == "/api/docs":
                return await call_next(request)
            return problem_response(request, 503, "No release", str(error))
        request.state.release, request.state.release_id = handle, handle.release_id
        volatile = path.startswith(VOLATILE_PREFIXES)
        etag = None if volatile or request.method not in ("GET", "HEAD") else release_etag(handle.release_id, f"{path}?{request.url.query}")
        if etag and request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"ETag": etag, "Cache-Control": CACHE_CONTROL, "X-Observatory-Release": handle.release_id})
        response = await call_next(request)
        response.headers["X-Observatory-Release"] = handle.release_id
        if etag and response.status_code == 200 and "etag" not in response.headers:
            response.headers["ETag"] = etag
            response.headers.setdefault("Cache-Control", CACHE_CONTROL)
        elif "cache-control" not in response.headers:
            response.headers["Cache-Control"] = "no-cache"
        return response

    _mount_routers(app)
    return app
