"""Bounded memory and safe answers: caches bounded in bytes and keyed on declared parameters, unknown ones refused,
bodies limited before they are read, 405 with Allow, downloads that carry no formula and no non-http link."""

from __future__ import annotations

import asyncio
import csv
import importlib.util
import io
import re
import socket
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import httpx
import pytest
from openpyxl import load_workbook

from observatory.api.app import create_app
from observatory.api.byte_cache import ByteLRU, estimate_bytes
from observatory.api.guards import MAX_JSON_BYTES
from observatory.api.release_cache import ReleaseHandle
from observatory.api.safe_text import safe_url, spreadsheet_text
from observatory.settings import Settings
from observatory.warehouse import releases

SAMPLE_PATH_VALUES = {
    "code": "FRA",
    "origin": "MAR",
    "destination": "FRA",
    "indicator_id": "migrant_stock",
    "dataset_id": "tiny_stock",
    "framework": "GCM",
    "path": "none.csv",
    "pub_id": "p1",
    "upload_id": "u1",
    "token_id": "t1",
}
REPLAYED = [
    "/api/profiles/FRA",
    "/api/profiles/MAR",
    "/api/corridors/MAR/FRA",
    "/api/indicators/corridor_stock/values?origin=MAR",
    "/api/indicators/migrant_stock/map",
    "/api/areas",
    "/api/frameworks/GCM",
]


class InProcess:
    """A synchronous client of an app running in this process (each request on its own event loop)."""

    def __init__(self, app):
        self.app = app

    def request(self, method: str, url: str, **options) -> httpx.Response:
        async def send() -> httpx.Response:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=self.app), base_url="http://testserver"
            ) as http:
                return await http.request(method, url, **options)

        return asyncio.run(send())

    def get(self, url: str, **options) -> httpx.Response:
        return self.request("GET", url, **options)

    def put(self, url: str, **options) -> httpx.Response:
        return self.request("PUT", url, **options)


@pytest.fixture(scope="module")
def app(synthetic_settings):
    """The app in this process, so the tests can read its caches' byte counts."""
    application = create_app(synthetic_settings)
    yield application
    application.state.registry.close()


@pytest.fixture
def client(app) -> InProcess:
    return InProcess(app)


def _cache_state(app) -> tuple[int, int, int, int]:
    """Bytes and entries of the release memo and of the replay cache."""
    handle = app.state.registry.current()
    return handle.memo_size_bytes, len(handle._memo), app.state.replay.bytes, len(app.state.replay)


def _concrete(path: str) -> str:
    """A URL of a path template: known parameters get sample values, any other gets 'x1'."""
    for name, value in SAMPLE_PATH_VALUES.items():
        path = path.replace("{" + name + "}", value)
    return re.sub(r"\{[^}]+\}", "x1", path)


def _operations(app) -> list[tuple[str, str]]:
    """(method, concrete URL) of every documented /api operation."""
    return [
        (method.upper(), _concrete(path))
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    ]


def test_junk_parameters_are_refused_and_do_not_grow_the_caches(app, client):
    for url in REPLAYED:
        assert client.get(url).status_code == 200
    before = _cache_state(app)
    assert before[0] > 0 and before[2] > 0
    pad = "x" * 2000
    for i in range(400):
        url = REPLAYED[i % len(REPLAYED)]
        junk = f"{url}{'&' if '?' in url else '?'}junk{i}={pad}{i}"
        response = client.get(junk)
        assert response.status_code == 400, junk
        assert response.headers["content-type"].startswith("application/problem+json")
        assert f"'junk{i}'" in response.json()["detail"] and pad not in response.text
    assert _cache_state(app) == before


def test_parameter_order_and_spelling_of_the_same_query_share_one_entry(app, client):
    first = client.get("/api/indicators/corridor_stock/values?origin=MAR&sex=total&limit=2")
    entries = _cache_state(app)
    second = client.get("/api/indicators/corridor_stock/values?limit=2&sex=total&origin=MAR")
    assert first.status_code == second.status_code == 200 and first.json()["data"] == second.json()["data"]
    assert _cache_state(app) == entries
    repeated = client.get("/api/indicators/corridor_stock/values?origin=MAR&origin=SEN")
    assert repeated.status_code == 400 and "more than once" in repeated.json()["detail"]


def test_every_api_operation_refuses_an_unknown_parameter_without_echoing_its_value(app, client):
    operations = _operations(app)
    assert len(operations) >= 20
    for method, url in operations:
        response = client.request(method, f"{url}?zz_unknown=secret-value-41")
        assert response.status_code == 400, (method, url, response.status_code)
        body = response.json()
        assert body["title"] == "Unknown parameter" and "'zz_unknown'" in body["detail"], (method, url)
        assert "secret-value-41" not in response.text
    odd = client.get("/api/areas?%3Cscript%3Ealert(1)%3C%2Fscript%3E=1")
    assert odd.status_code == 400 and "<script>" not in odd.text and "not a plain word" in odd.json()["detail"]


def test_byte_lru_stays_within_budget_and_evicts_least_recent():
    cache = ByteLRU(max_bytes=20_000, max_entry_bytes=5_000)
    for i in range(1000):
        assert cache.put(("k", i), "v" * 1000)
        assert cache.bytes <= 20_000
    assert cache.get(("k", 0), None) is None and cache.get(("k", 999)) == "v" * 1000
    assert not cache.put("huge", "v" * 10_000) and cache.get("huge", None) is None
    small = ByteLRU(max_bytes=3_500)
    for key in "abc":
        small.put(key, key * 1000)
    small.get("a")  # recently used: b is now the least recent
    small.put("d", "d" * 1000)
    assert small.get("b", None) is None and all(small.get(key, None) == key * 1000 for key in "acd")
    assert estimate_bytes({"rows": [{"name": "x" * 1_000_000}]}) > 1_000_000


def test_release_memo_is_bounded_in_bytes(synthetic_settings):
    release = releases.require_current(synthetic_settings)
    handle = ReleaseHandle(
        release.release_id,
        release.path,
        releases.open_read_only(release.path),
        memo_bytes=50_000,
        memo_entry_bytes=10_000,
    )
    try:
        for i in range(2000):
            assert handle.memo(("value", i), lambda i=i: [i] * 200)[0] == i
            assert handle.memo_size_bytes <= 50_000
        assert handle.memo(("large",), lambda: "z" * 100_000) == "z" * 100_000  # answered, not kept
        assert handle.peek(("large",)) is None
    finally:
        handle.close()


def test_replay_cache_is_bounded_in_bytes(app, client):
    budget = app.state.replay.max_bytes
    app.state.replay.max_bytes = 6_000
    try:
        for origin in ("MAR", "SEN", "FRA", "DEU"):
            for destination in ("MAR", "SEN", "FRA", "DEU"):
                if origin != destination:
                    assert client.get(f"/api/corridors/{origin}/{destination}").status_code == 200
                    assert app.state.replay.bytes <= 6_000
    finally:
        app.state.replay.max_bytes = budget


def test_405_names_every_allowed_method(app, client):
    response = client.put("/api/areas")
    assert response.status_code == 405 and response.headers["allow"] == "GET"
    assert response.headers["content-type"].startswith("application/problem+json")
    methods_by_path: dict[str, set[str]] = {}
    for path, operations in app.openapi()["paths"].items():
        methods_by_path[path] = {m.upper() for m in operations}
    for path, methods in methods_by_path.items():
        url = _concrete(path)
        unused = next(m for m in ("PATCH", "PUT", "DELETE", "POST") if m not in methods)
        answer = client.request(unused, url)
        assert answer.status_code == 405, (unused, path)
        allowed = {m.strip() for m in answer.headers["allow"].split(",")}
        assert methods <= allowed and unused not in allowed, (path, answer.headers["allow"])


def test_openapi_documents_the_common_statuses(app):
    spec = app.openapi()
    assert spec["paths"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert {"400", "413", "503"} <= set(operation["responses"]), (method, path)
            if method == "get" and path.startswith(("/api/areas", "/api/indicators", "/api/corridors")):
                assert "304" in operation["responses"]
    assert "Allow" in spec["components"]["responses"]["MethodNotAllowed"]["headers"]


# Bodies: checked on the real server (uvicorn), by raw sockets, so that "not read whole" is observable.


def _exchange(base: str, head: bytes, body_parts: list[bytes], timeout: float = 20.0) -> bytes:
    """Send a request head and some body bytes; return what the server answers before it (or we) give up."""
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(head)
        try:
            for part in body_parts:
                sock.sendall(part)
        except (BrokenPipeError, ConnectionResetError):  # the server stopped reading: that is the point
            pass
        received = b""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in received and time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            received += chunk
        return received


def _head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode()


@pytest.mark.parametrize("path", ["/api/vault/tokens", "/api/vault/publications", "/api/areas"])
def test_a_96_mb_json_body_is_refused_from_its_declared_length(synthetic_server, path):
    declared = 96 * 2**20
    head = _head("POST", path, {"Content-Type": "application/json", "Content-Length": str(declared)})
    answer = _exchange(synthetic_server, head, [b'{"role": "' + b"a" * 4096])  # the rest never comes
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"application/problem+json" in answer


def test_a_streamed_json_body_is_refused_once_it_passes_the_limit(synthetic_server):
    head = _head("POST", "/api/vault/tokens", {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    chunk = b"a" * 16_384
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    answer = _exchange(
        synthetic_server, head, [framed] * (MAX_JSON_BYTES // len(chunk) + 2)
    )  # no final chunk is ever sent
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_small_json_body_is_passed_on(synthetic_server):
    response = httpx.post(f"{synthetic_server}/api/vault/tokens", json={"role": "researcher"}, timeout=30)
    assert response.status_code != 413


def test_uploads_keep_their_own_limit(synthetic_server):
    spec = httpx.get(f"{synthetic_server}/api/openapi.json", timeout=30).json()
    if "/api/vault/datasets/{dataset_id}/uploads" not in spec["paths"]:
        pytest.skip("the vault is not mounted in this environment")
    body = b"name,age\n" + b"a,1\n" * 40_000  # 160 kB: over the JSON limit, a normal upload
    response = httpx.post(
        f"{synthetic_server}/api/vault/datasets/d1/uploads", params={"filename": "a.csv"}, content=body, timeout=30
    )
    assert f"limited to {MAX_JSON_BYTES} bytes" not in response.text


# Downloads and links: a release whose provenance texts were typed by a hostile contributor.

HOSTILE = {
    "title": '=HYPERLINK("http://evil.example","click")',
    "publisher": "+SUM(1,2)",
    "citation_full": "@cmd|' /C calc'!A0",
    "licence": "-2+3",
    "note": "\t=1+1",
    "url_main": "javascript:alert(document.cookie)",
}


def _load_synthetic():
    """The synthetic release writer of this folder (conftest loads it the same way)."""
    name = "portal_test_synthetic"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parent / "synthetic.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory):
    settings = Settings(home=tmp_path_factory.mktemp("hostile"), mirror=None)
    release_id = _load_synthetic().write_release(settings, "r20260101T000000Z")
    con = duckdb.connect(str(settings.releases_dir / f"{release_id}.duckdb"))
    try:
        assignments = ", ".join(f"{column} = ?" for column in HOSTILE)
        con.execute(f"UPDATE dataset SET {assignments} WHERE id = 'tiny_stock'", list(HOSTILE.values()))
        con.execute("UPDATE dataset_file SET url_download = 'data:text/html,<script>alert(1)</script>'")
        con.execute("UPDATE observation SET note = '=2+5' WHERE origin = 'MAR'")
    finally:
        con.close()
    application = create_app(settings)
    yield InProcess(application)
    application.state.registry.close()


def _formula_like(value) -> bool:
    return isinstance(value, str) and value.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r"))


def test_csv_downloads_carry_no_formula(hostile_client):
    for url in ("/api/datasets?format=csv", "/api/observations?origin=MAR&format=csv"):
        response = hostile_client.get(url)
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.text)))
        cells = [cell for row in rows for cell in row]
        assert not [cell for cell in cells if _formula_like(cell)], url
        assert "javascript:" not in response.text
    datasets = list(csv.DictReader(io.StringIO(hostile_client.get("/api/datasets?format=csv").text)))
    hostile = next(row for row in datasets if row["id"] == "tiny_stock")
    assert hostile["title"] == "'" + HOSTILE["title"] and hostile["url_main"] == ""


def test_excel_downloads_carry_no_formula_and_no_unsafe_link(hostile_client):
    for url in (
        "/api/datasets?format=xlsx",
        "/api/indicators/corridor_stock/values?origin=MAR&format=xlsx",
        "/api/observations?origin=MAR&format=xlsx",
    ):
        response = hostile_client.get(url)
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(response.content))
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f" and not _formula_like(cell.value), (url, sheet.title, cell.coordinate)
                    assert cell.hyperlink is None
                    assert not (isinstance(cell.value, str) and "javascript:" in cell.value)
    sources = load_workbook(
        io.BytesIO(hostile_client.get("/api/indicators/corridor_stock/values?origin=MAR&format=xlsx").content)
    )["sources"]
    titles = [row[2] for row in sources.iter_rows(values_only=True) if row and row[0] == "tiny_stock"]
    assert titles == ["'" + HOSTILE["title"]]


def test_json_surfaces_emit_only_http_links(hostile_client):
    datasets = hostile_client.get("/api/datasets").json()["data"]
    assert next(d for d in datasets if d["id"] == "tiny_stock")["url_main"] is None
    detail = hostile_client.get("/api/datasets/tiny_stock").json()
    assert detail["files"] and all(f["url_download"] is None for f in detail["files"])
    assert detail["dataset"]["url_main"] is None
    for url in ("/api/release", "/api/indicators/corridor_stock/values?origin=MAR", "/api/corridors?origin=MAR"):
        body = hostile_client.get(url)
        assert body.status_code == 200 and "javascript:" not in body.text and "data:text/html" not in body.text, url


def test_portal_pages_built_from_the_catalogue_link_only_http(hostile_client):
    for url in ("/sources", "/countries/FRA"):
        page = hostile_client.get(url)
        assert page.status_code == 200 and "javascript:" not in page.text, url


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("https://example.org/data", True),
        ("HTTP://example.org", True),
        (" https://example.org ", True),
        ("javascript:alert(1)", False),
        (" JavaScript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("jav&#x09;ascript:x", False),
        ("data:text/html,<b>", False),
        ("vbscript:msgbox", False),
        ("file:///etc/passwd", False),
        ("//evil.example/x", False),
        ("/relative/path", False),
        ("https:///nohost", False),
        ("https://example.org/\nSet-Cookie: x", False),
        ("", False),
        (None, False),
    ],
)
def test_safe_url(text, safe):
    assert (safe_url(text) is not None) == safe


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1", "'  =1"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        (-5, -5),
        (3.5, 3.5),
        (None, None),
    ],
)
def test_spreadsheet_text(value, expected):
    assert spreadsheet_text(value) == expected
