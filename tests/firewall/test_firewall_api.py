"""The vault's HTTP API against a real uvicorn server on 127.0.0.1 (and in-process over ASGI where convenient)."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI

from observatory.firewall.api import router
from observatory.firewall.vault import Vault
from observatory.settings import Settings

from .conftest import (
    DATA,
    RULES,
    assert_no_record_values,
    environ_without_token,
    leaks,
    loopback_socket,
    make_settings,
    scan_tree,
)

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real uvicorn process serving the vault router; its log and home are scanned for record values at the end."""
    base = tmp_path_factory.mktemp("server")
    settings = make_settings(base)
    sock = loopback_socket()
    port = sock.getsockname()[1]
    env = {
        **environ_without_token(),
        "OBSERVATORY_HOME": str(settings.home),
        "OBSERVATORY_VAULT_KEY_FILE": str(settings.vault_key_file),
    }
    log_path = base / "server.log"
    with open(log_path, "wb") as log, sock:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "observatory.firewall.api:create_app",
                "--factory",
                "--fd",
                str(sock.fileno()),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=(sock.fileno(),),
        )
        url = f"http://127.0.0.1:{port}/api/vault"
        try:
            deadline = time.monotonic() + 180  # a start, not a speed check: generous for a loaded machine
            while True:
                try:
                    if httpx.get(f"{url}/publications", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("uvicorn did not start:\n" + log_path.read_text())
                time.sleep(0.1)
            with httpx.Client(base_url=url, timeout=30) as client:
                server = SimpleNamespace(client=client, settings=settings, log=log_path, bodies=[])
                yield server
        finally:
            process.terminate()
            process.wait(timeout=15)
    server_log = log_path.read_text()
    assert "POST /api/vault" in server_log  # the access log was captured and is scanned
    assert len(server.bodies) > 20 and [leaks(body) for body in server.bodies if leaks(body)] == []
    assert leaks(server_log) == []
    assert scan_tree(settings.home) == {}


def call(server, method: str, path: str, token: str | None = None, **kwargs) -> httpx.Response:
    """One request; every response is scanned for record values (headers and body), kept, and checked to be JSON."""
    headers = kwargs.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = server.client.request(method, path, headers=headers, **kwargs)
    assert_no_record_values(response)
    server.bodies.append(response.text)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == PROBLEM
        body = response.json()
        assert body["status"] == response.status_code and body["title"] and body["detail"]
    return response


@pytest.fixture(scope="module")
def tokens(server) -> SimpleNamespace:
    """Tokens for every role: the first admin bootstrapped as on the command line, the others through the API."""
    assert (
        call(server, "POST", "/tokens", json={"role": "admin"}).status_code == 401
    )  # never over HTTP, even on an empty vault
    admin = Vault(server.settings).bootstrap_admin()["token"]
    made = {"admin": admin}
    for name, role, org in (
        ("steward", "steward", None),
        ("researcher", "researcher", None),
        ("shelter", "contributor", "shelter-a"),
        ("clinic", "contributor", "clinic-b"),
        ("rival", "contributor", "rival-org"),
    ):
        made[name] = call(server, "POST", "/tokens", admin, json={"role": role, "org": org}).json()["token"]
    assert call(server, "POST", "/tokens", json={"role": "admin"}).status_code == 401
    return SimpleNamespace(**made)


@pytest.fixture(scope="module")
def api_dataset(server, tokens) -> dict[str, str]:
    """A dataset owned by shelter-a with clinic-b granted, and uploads from both (CSV and XLSX)."""
    assert call(server, "PUT", "/datasets/api-grc/rules", tokens.steward, json=RULES).status_code == 200
    assert (
        call(server, "PUT", "/datasets/api-grc/grants/shelter-a", tokens.steward, json={"kind": "owner"}).status_code
        == 200
    )
    assert call(server, "PUT", "/datasets/api-grc/grants/clinic-b", tokens.steward).status_code == 200
    ids = {}
    for who, name in (("shelter", "shelter_a.csv"), ("clinic", "clinic_b.xlsx")):
        response = call(
            server,
            "POST",
            "/datasets/api-grc/uploads",
            getattr(tokens, who),
            params={"filename": name},
            content=(DATA / name).read_bytes(),
        )
        assert response.status_code == 201, response.text
        ids[who] = response.json()["upload_id"]
    return ids


def test_full_flow_over_http(server, tokens, api_dataset):
    cells = call(server, "POST", "/datasets/api-grc/aggregate", tokens.researcher, json={"by": ["sex"]}).json()["cells"]
    total = next(c for c in cells if c["sex"] == "total")["value"]
    assert abs(total - 72) <= 30  # perturbed by the cell keys of the records
    published = call(
        server,
        "POST",
        "/publications",
        tokens.steward,
        json={"dataset": "api-grc", "id": "api-grc-2024", "by": ["sex"]},
    )
    assert published.status_code == 201 and "path" not in published.json()
    assert [p["publication"] for p in call(server, "GET", "/publications").json()] == ["api-grc-2024"]
    mine = call(server, "GET", "/uploads", tokens.clinic).json()
    assert [u["upload_id"] for u in mine] == [api_dataset["clinic"]]
    withdrawn = call(server, "DELETE", f"/uploads/{api_dataset['clinic']}", tokens.clinic).json()
    assert withdrawn["rebuilt"] == ["api-grc-2024"]
    assert not (server.settings.vault_dir / "records" / f"{api_dataset['clinic']}.sealed").exists()
    assert len(server.bodies) >= 14  # the fixtures' requests and this test's, each scanned as it came back


@pytest.mark.parametrize(
    ("method", "path", "who", "kwargs", "status"),
    [
        ("POST", "/datasets/api-grc/aggregate", None, {"json": {"by": ["sex"]}}, 401),
        ("POST", "/datasets/api-grc/aggregate", "shelter", {"json": {"by": ["sex"]}}, 403),
        ("POST", "/datasets/api-grc/aggregate", "researcher", {"content": b"{not json"}, 422),
        ("POST", "/datasets/api-grc/aggregate", "researcher", {"json": {"by": "sex", "filters": []}}, 422),
        ("POST", "/datasets/api-grc/aggregate", "researcher", {"json": {"by": ["sex"], "sql": "1"}}, 422),
        ("POST", "/datasets/api-grc/aggregate", "researcher", {"json": {"filters": {"sex": "female' OR 1=1 --"}}}, 422),
        ("POST", "/datasets/api-grc/aggregate", "researcher", {"json": {"filters": {"nationality": "ISL"}}}, 422),
        ("POST", "/datasets/api-grc/aggregate", "researcher", {"json": {"by": ["name"]}}, 422),
        ("POST", "/datasets/..%2F..%2Fetc/aggregate", "researcher", {"json": {}}, 404),
        ("POST", "/datasets/x%27%20OR%201%3D1/aggregate", "researcher", {"json": {}}, 422),
        ("POST", "/datasets/nowhere/aggregate", "researcher", {"json": {}}, 404),
        ("GET", "/uploads/0000000000000000", "shelter", {}, 404),
        ("DELETE", "/uploads/' OR 1=1 --", "shelter", {}, 404),
        ("POST", "/publications", "researcher", {"json": {"dataset": "api-grc", "id": "x-pub"}}, 403),
        ("POST", "/publications", "steward", {"json": {"dataset": "api-grc", "id": "../../etc"}}, 422),
        ("PUT", "/datasets/api-grc/rules", "steward", {"json": {"country": "GRC"}}, 422),
        ("PUT", "/datasets/api-grc/rules", "researcher", {"json": RULES}, 403),
        ("POST", "/tokens", "steward", {"json": {"role": "admin"}}, 403),
        ("POST", "/tokens", "admin", {"json": {"role": "emperor"}}, 422),
        ("DELETE", "/tokens/zzz", "admin", {}, 404),
        ("POST", "/tokens", None, {"json": {"role": "admin"}}, 401),
        ("POST", "/tokens", None, {"json": {"role": "researcher"}}, 401),
        ("POST", "/datasets/api-grc/uploads?filename=x.csv", "rival", {"content": b"nationality\nSYR\n"}, 403),
        ("PUT", "/datasets/api-grc/grants/rival-org", "shelter", {}, 403),
        ("PUT", "/datasets/api-grc/grants/rival-org", "steward", {"json": {"kind": "emperor"}}, 422),
        ("PUT", "/datasets/api-grc/grants/Rival%20Org", "steward", {}, 422),
        ("PUT", "/datasets/api-grc/grants/rival-org", "steward", {"json": {"kind": "owner"}}, 409),
        ("DELETE", "/datasets/api-grc/grants/nobody", "steward", {}, 404),
        ("GET", "/datasets/api-grc/grants", "researcher", {}, 403),
        ("GET", "/nothing-here", None, {}, 404),
    ],
)
def test_bad_requests_get_problem_details_never_500(server, tokens, api_dataset, method, path, who, kwargs, status):
    response = call(server, method, path, getattr(tokens, who) if who else None, **kwargs)
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    "header", ["Bearer obs_000000000000_" + "A" * 43, "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer"]
)
def test_forged_tokens_over_http(server, tokens, api_dataset, header):
    response = call(server, "GET", "/uploads", headers={"Authorization": header})
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"


def test_revoked_token_over_http(server, tokens):
    made = call(server, "POST", "/tokens", tokens.admin, json={"role": "researcher", "days": 1}).json()
    assert call(server, "GET", "/datasets/api-grc/rules", made["token"]).status_code == 200
    assert call(server, "DELETE", f"/tokens/{made['token_id']}", tokens.admin).status_code == 200
    response = call(server, "GET", "/datasets/api-grc/rules", made["token"])
    assert response.status_code == 401 and "revoked" in response.json()["detail"]


@pytest.mark.parametrize(
    ("filename", "content", "status", "words"),
    [
        ("../../evil.csv", b"nationality\nSYR\n", 422, "bare name"),
        ("cases.csv", (DATA / "with_names.csv").read_bytes(), 422, "'full_name'"),
        ("cases.csv", (DATA / "bad_value.csv").read_bytes(), 422, "row 4, field 'legal_status'"),
        ("cases.csv", (DATA / "latin1.csv").read_bytes(), 422, "row 3"),
        ("cases.csv", b"x" * 5_000_001, 413, "limit"),
    ],
)
def test_hostile_uploads_over_http(server, tokens, api_dataset, filename, content, status, words):
    response = call(
        server, "POST", "/datasets/api-grc/uploads", tokens.shelter, params={"filename": filename}, content=content
    )
    assert response.status_code == status and words in response.json()["detail"]


def test_zip_bomb_over_http(server, tokens, api_dataset):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * 60_000_000)
    response = call(
        server,
        "POST",
        "/datasets/api-grc/uploads",
        tokens.shelter,
        params={"filename": "bomb.xlsx"},
        content=buffer.getvalue(),
    )
    assert response.status_code == 422 and "zip bomb" in response.json()["detail"]


def test_thirty_concurrent_requests_never_bootstrap_and_admins_get_distinct_tokens(server, tokens):
    with ThreadPoolExecutor(max_workers=30) as pool:
        anonymous = list(pool.map(lambda _: call(server, "POST", "/tokens", json={"role": "admin"}), range(30)))
        made = list(
            pool.map(lambda _: call(server, "POST", "/tokens", tokens.admin, json={"role": "researcher"}), range(30))
        )
    assert {r.status_code for r in anonymous} == {401} and all("token" not in r.json() for r in anonymous)
    assert {r.status_code for r in made} == {201} and len({r.json()["token"] for r in made}) == 30
    assert len({r.json()["token_id"] for r in made}) == 30


def test_grants_over_http(server, tokens, api_dataset):
    listed = call(server, "GET", "/datasets/api-grc/grants", tokens.steward).json()
    assert [(g["org"], g["kind"]) for g in listed] == [("clinic-b", "contributor"), ("shelter-a", "owner")]
    assert call(server, "PUT", "/datasets/api-grc/grants/rival-org", tokens.steward).status_code == 200
    assert call(server, "DELETE", "/datasets/api-grc/grants/rival-org", tokens.steward).status_code == 200
    response = call(
        server,
        "POST",
        "/datasets/api-grc/uploads",
        tokens.rival,
        params={"filename": "shelter_a.csv"},
        content=(DATA / "shelter_a.csv").read_bytes(),
    )
    assert response.status_code == 403 and "neither its owner nor granted" in response.json()["detail"]


def test_router_refuses_to_start_with_a_key_inside_the_repository(tmp_path):
    repo = Path(__file__).resolve().parents[2]
    app = FastAPI()
    app.include_router(router, prefix="/api/vault")
    app.state.settings = Settings(home=tmp_path / "home", vault_key_file=repo / "vault.key")

    async def ask() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://vault") as client:
            return await client.get("/api/vault/publications")

    response = asyncio.run(ask())
    assert_no_record_values(response)
    assert response.status_code == 503 and response.headers["content-type"] == PROBLEM
    assert "inside the project repository" in response.json()["detail"]
