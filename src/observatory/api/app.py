"""The FastAPI application: API routers, portal pages, static files, release headers and caching."""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

from observatory.api.byte_cache import MISSING, ByteLRU
from observatory.api.guards import (
    API_PREFIX,
    MAX_JSON_BYTES,
    Refusal,
    RouteIndex,
    bounded_body,
    checked_query,
    raw_body_route,
)
from observatory.api.models import document_statuses
from observatory.api.precompute import Precomputer
from observatory.api.problems import install_problem_handlers, problem_response
from observatory.api.release_cache import ReleaseRegistry
from observatory.api.responses import CACHE_CONTROL, mutable_store_paths, release_etag, stores_stamp
from observatory.evidence.store import STORE_FILE
from observatory.settings import Settings, get_settings
from observatory.warehouse.releases import ReleaseError

log = logging.getLogger("observatory.api")
# Paths whose content depends on more than the release (evidence store, publication files, the vault): no release ETag.
VOLATILE_PREFIXES = (
    "/api/release/precompute",
    "/api/evidence",
    "/api/publications",
    "/api/vault",
    "/evidence",
    "/reports",
    "/static",
    "/geo",
)
# JSON answers that depend only on the release and the URL: kept as finished bytes, served without routing.
# Paths served before any release is built: the vault only needs its key (an NGO may upload before the first build).
RELEASE_FREE_PREFIXES = ("/api/vault/",)
REPLAYABLE_PREFIXES = ("/api/profiles/", "/api/corridors", "/api/indicators", "/api/areas", "/api/frameworks")
REPLAY_BYTES = 64 * 2**20  # finished answers kept for replay, all releases together
REPLAY_ENTRY_BYTES = 8 * 2**20  # a larger answer is recomputed (from the memo) rather than kept whole


class ReleaseHeaders:
    """ASGI middleware: resolve the release once per request, refuse unknown parameters and oversized bodies, answer
    If-None-Match, stamp X-Observatory-Release, ETag and Cache-Control, replay finished answers."""

    def __init__(self, app, registry: ReleaseRegistry, index: RouteIndex, replay: ByteLRU):
        self.app, self.registry, self.index, self.replay = app, registry, index, replay
        self.replay_release: str | None = None
        self.store_paths = mutable_store_paths(registry.settings)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        try:
            handle = self.registry.current()
        except ReleaseError as error:
            if path.startswith(("/static", "/api/openapi.json", "/api/docs")):
                await self.app(scope, receive, send)
                return
            if path.startswith(RELEASE_FREE_PREFIXES):  # an NGO may upload before the first build
                guarded = await _guarded(self.index, scope, receive, send, None)
                if guarded is not None:
                    await self.app(scope, guarded[0], _uncached(send))
                return
            await problem_response(Request(scope), 503, "No release", str(error))(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["release"], state["release_id"] = handle, handle.release_id
        release_header = (b"x-observatory-release", handle.release_id.encode())
        guarded = await _guarded(self.index, scope, receive, send, release_header)
        if guarded is None:
            return
        receive, key = guarded
        state["cache_key"] = key
        etag = None
        # The portal's language prefix was taken off the path (web.templating.LanguagePrefix): it stays in the ETag.
        language = state.get("lang", "en")
        url = f"{'' if language == 'en' else '/' + language}{path}?{scope.get('query_string', b'').decode('latin-1')}"
        stamp = state["stores_stamp"] = stores_stamp(self.store_paths)
        if scope["method"] in ("GET", "HEAD") and not path.startswith(VOLATILE_PREFIXES):
            etag = release_etag(f"{handle.release_id}.{stamp}", url)
            for name, value in scope["headers"]:
                if name == b"if-none-match" and value.decode("latin-1") == etag:
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 304,
                            "headers": [
                                (b"etag", etag.encode()),
                                (b"cache-control", CACHE_CONTROL.encode()),
                                release_header,
                            ],
                        }
                    )
                    await send({"type": "http.response.body", "body": b""})
                    return

        if self.replay_release != handle.release_id:  # a new release: answers of the old one are stale
            self.replay.clear()
            self.replay_release = handle.release_id
        replayable = (
            etag is not None and key is not None and scope["method"] == "GET" and path.startswith(REPLAYABLE_PREFIXES)
        )
        replay_key = (handle.release_id, stamp, path, key)
        if replayable:
            kept = self.replay.get(replay_key)
            if kept is not MISSING:
                headers, body = kept
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        captured: dict = {}

        async def stamped(message) -> None:
            if replayable:
                _capture(captured, message, self.replay.max_entry_bytes)
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"x-observatory-release"]
                names = {h[0].lower() for h in headers}
                headers.append(release_header)
                language = state.get("content_language")  # set by routes taking lang= (api.localise)
                if language and 200 <= message["status"] < 300 and b"content-language" not in names:
                    headers.append((b"content-language", language.encode()))
                if etag and message["status"] == 200 and b"etag" not in names:
                    headers.append((b"etag", etag.encode()))
                    if b"cache-control" not in names:
                        headers.append((b"cache-control", CACHE_CONTROL.encode()))
                elif b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-cache"))
                message = {**message, "headers": headers}
                if replayable and captured.get("ok"):
                    captured["headers"] = headers
            await send(message)

        await self.app(scope, receive, stamped)
        if replayable and captured.get("complete"):
            body = b"".join(captured["body"])
            size = len(body) + sum(len(name) + len(value) for name, value in captured["headers"])
            self.replay.put(replay_key, (captured["headers"], body), size=size)


async def _guarded(index: RouteIndex, scope, receive, send, release_header: tuple[bytes, bytes] | None):
    """(receive replaying the bounded body, cache key of the query), or None once a refusal has been answered."""
    entry = index.match(scope) if scope["path"].startswith(API_PREFIX) else None
    try:
        if not raw_body_route(entry, scope["method"]):
            receive = await bounded_body(scope, receive, MAX_JSON_BYTES)
        key = checked_query(entry, scope.get("query_string", b"")) if entry is not None else None
    except Refusal as refusal:
        headers = {"Cache-Control": "no-cache"}
        if refusal.status == 413:  # the rest of the body is never read: the connection cannot carry another request
            headers["Connection"] = "close"
        response = problem_response(Request(scope), refusal.status, refusal.title, refusal.detail, headers=headers)
        await response(scope, receive, _with_header(send, release_header) if release_header else send)
        return None
    return receive, key


def _uncached(send):
    """A send that marks a response no-cache unless it says otherwise (answers that depend on more than a release)."""

    async def sending(message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if b"cache-control" not in {name.lower() for name, _ in headers}:
                headers.append((b"cache-control", b"no-cache"))
            message = {**message, "headers": headers}
        await send(message)

    return sending


def _with_header(send, header: tuple[bytes, bytes]):
    """A send that adds one header to the response start."""

    async def sending(message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), header]}
        await send(message)

    return sending


def _capture(captured: dict, message: dict, limit: int) -> None:
    """Collect a finished 200 JSON response (up to limit bytes) so the same request can be answered from memory."""
    if message["type"] == "http.response.start":
        content_type = dict(message.get("headers", [])).get(b"content-type", b"")
        ok = message["status"] == 200 and content_type.startswith(b"application/json")
        captured.update(ok=ok, body=[], size=0, headers=None)
    elif message["type"] == "http.response.body" and captured.get("ok"):
        chunk = message.get("body", b"")
        captured["size"] += len(chunk)
        if captured["size"] > limit:  # too large to keep: stop collecting
            captured.update(ok=False, body=[])
            return
        captured["body"].append(chunk)
        captured["complete"] = not message.get("more_body", False)


def _mount_routers(app: FastAPI) -> None:
    """Every API router and the portal pages."""
    from observatory.api.routers import (
        areas,
        claims,
        corridors,
        datasets,
        evidence,
        findings,
        frameworks,
        indicators,
        knowledge,
        observations,
        profiles,
        publications,
    )

    for module in (
        datasets,
        areas,
        indicators,
        corridors,
        observations,
        frameworks,
        profiles,
        evidence,
        findings,
        publications,
        claims,
        knowledge,
    ):
        app.include_router(module.router, prefix="/api")
    try:
        from observatory.firewall.api import router as vault_router
    except Exception as error:  # the vault is optional; the portal works without it
        log.warning("vault API not mounted: %s", error)
    else:
        app.include_router(vault_router, prefix="/api/vault")
    from observatory.web.pages import mount_portal

    mount_portal(app)


def _open_current_release(app: FastAPI) -> None:
    """Open the current release at start-up, so its precompute pass begins before the first visitor arrives."""
    try:
        app.state.registry.current()
    except ReleaseError:  # nothing built yet: the pass starts with the first release a request sees
        pass


def _warm_up_evidence_search(app: FastAPI) -> None:
    """Load the search model and index in the background, so the first evidence search after start-up never waits."""
    path = app.state.settings.evidence_dir / STORE_FILE
    if not path.is_file():
        return  # no library yet: nothing to load (and the store is never created by serving)

    def warm() -> None:
        from observatory.evidence.search import warm_up  # numpy and the model: not on the import path of serving
        from observatory.evidence.store import EvidenceStore

        try:
            warm_up(EvidenceStore(path))
        except Exception as error:  # a shortcut only: the first search loads what it needs itself
            log.warning("evidence search warm-up stopped: %s", type(error).__name__)

    threading.Thread(target=warm, name="evidence-warm-up", daemon=True).start()


def create_app(settings: Settings | None = None, *, precompute: bool = True) -> FastAPI:
    """The portal and API serving the current release of `settings.home` (precompute: the per-release pass)."""
    settings = settings or get_settings()
    from observatory.web.pages import warm_portal

    precomputer = Precomputer(settings, enabled=precompute, warm_ups=(warm_portal,))
    registry = ReleaseRegistry(settings, on_open=precomputer.start)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        for hook in _app.state.startup_hooks:
            hook(_app)
        yield
        precomputer.stop()
        registry.close()

    app = FastAPI(
        title="Migration Observatory API",
        version="1.0",
        description="Migration statistics, indicators, corridors and evidence from the current warehouse release. "
        "Every response names its release (header X-Observatory-Release and a `release` field); errors are "
        "problem details. Unknown or repeated query parameters are refused (400); request bodies are "
        "limited (413); a method a path does not list is answered 405 with an Allow header.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # /api/docs is the portal's page on vendored Swagger UI (works offline)
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.registry = registry
    app.state.precomputer = precomputer
    # Run once when the server starts, before the first request; each must return at once (long work in a thread).
    app.state.startup_hooks = [_open_current_release, _warm_up_evidence_search]
    app.state.route_index = RouteIndex(app)
    app.state.replay = ByteLRU(REPLAY_BYTES, REPLAY_ENTRY_BYTES)
    install_problem_handlers(app)

    app.add_middleware(ReleaseHeaders, registry=registry, index=app.state.route_index, replay=app.state.replay)
    from observatory.web.templating import LanguagePrefix

    app.add_middleware(LanguagePrefix)  # outermost: /fr/… is routed, guarded and cached as / in French
    _mount_routers(app)
    document_statuses(app, VOLATILE_PREFIXES)
    return app
