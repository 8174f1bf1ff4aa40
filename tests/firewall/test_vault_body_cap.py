"""The standalone vault app caps JSON bodies before any route parses them, as the full portal does; uploads keep their
own, larger limit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx

from observatory.api.guards import MAX_JSON_BYTES
from observatory.firewall.api import PROBLEM, create_app
from observatory.firewall.metadata import connect
from observatory.settings import Settings

from .conftest import DATA, assert_no_record_values

MARKER = "zq-label-"


def send(settings: Settings, method: str, path: str, token: str, **kwargs: object) -> httpx.Response:
    """One request to a fresh standalone vault app."""
    app = create_app(settings)

    async def ask() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://vault") as client:
            return await client.request(method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs)

    response = asyncio.run(ask())
    assert_no_record_values(response)
    return response


def token_count(settings: Settings) -> int:
    """How many tokens the vault holds."""
    with connect(settings.vault_dir) as db:
        return int(db.execute("SELECT COUNT(*) FROM tokens").fetchone()[0])


def test_a_json_body_over_the_cap_is_refused_before_parsing_and_not_quoted(vault, people, settings):
    before = token_count(settings)
    body = {"role": "researcher", "label": MARKER * (MAX_JSON_BYTES // len(MARKER) + 10)}
    response = send(settings, "POST", "/api/vault/tokens", people.tokens.admin, json=body)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["detail"] == f"request bodies are limited to {MAX_JSON_BYTES} bytes"
    assert MARKER not in response.text
    assert token_count(settings) == before


def test_a_streamed_body_without_a_length_is_cut_off_at_the_cap(vault, people, settings):
    before = token_count(settings)

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"role": "researcher", "label": "'
        for _ in range(MAX_JSON_BYTES // 1000 + 2):
            yield b"x" * 1000
        yield b'"}'

    response = send(settings, "POST", "/api/vault/tokens", people.tokens.admin, content=chunks())
    assert response.status_code == 413
    assert token_count(settings) == before


def test_a_body_under_the_cap_still_reaches_its_route(vault, people, settings):
    response = send(settings, "POST", "/api/vault/tokens", people.tokens.admin, json={"role": "researcher"})
    assert response.status_code == 201 and response.json()["token"]


def test_an_upload_larger_than_the_json_cap_is_accepted_under_its_own_limit(vault, people, dataset, settings):
    header, *rows = (DATA / "shelter_a.csv").read_text(encoding="utf-8").splitlines()
    repeats = MAX_JSON_BYTES // len("\n".join(rows)) + 2
    data = "\n".join([header, *rows * repeats]) + "\n"
    assert len(data.encode()) > MAX_JSON_BYTES
    response = send(
        settings,
        "POST",
        f"/api/vault/datasets/{dataset}/uploads",
        people.tokens.shelter,
        params={"filename": "shelter_a.csv"},
        content=data.encode(),
    )
    assert response.status_code == 201, response.text
    assert response.json()["records"] == len(rows) * repeats
