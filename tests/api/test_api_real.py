"""The API on the release built from the real mirror: headline numbers a journalist would check."""

from __future__ import annotations

import httpx
import pytest

pytestmark = [pytest.mark.mirror, pytest.mark.slow]


@pytest.fixture(scope="module")
def client(real_server):
    with httpx.Client(base_url=real_server, timeout=60) as http:
        yield http


def test_mexico_united_states_corridor(client):
    body = client.get("/api/corridors/MEX/USA").json()
    latest = body["stock"][-1]
    assert latest["year"] == 2024 and 11e6 < latest["total"] < 12e6  # IMS 2024: 11.28 M
    assert latest["female"] + latest["male"] == pytest.approx(latest["total"], rel=1e-6)
    assert latest["share_of_origin_emigrants"] > 0.9
    assert any(s["publisher"].startswith("United Nations") for s in body["sources"])


def test_african_emigrants_by_continent(client):
    parsed = client.get("/api/claims/parse", params={"text": "Most African migrants go to Europe"}).json()
    check = client.get(
        "/api/claims/check",
        params={"measure": parsed["measure"], "origin": parsed["origin"], "destination": parsed["destination"]},
    ).json()
    shares = {d["code"]: d["share"] for d in check["distribution"]}
    assert max(shares, key=shares.get) == "CONT_AFRICA"
    assert 0.2 < shares["CONT_EUROPE"] < 0.4
    assert sum(shares.values()) == pytest.approx(1.0)


def test_country_profile_and_map(client):
    profile = client.get("/api/profiles/DEU").json()
    figures = {f["id"]: f for f in profile["key_figures"]}
    assert figures["migrant_stock"]["value"] > 10e6
    world = client.get("/api/indicators/migrant_stock/map").json()
    assert len(world["countries"]) > 150 and world["countries"][0]["code"] == "USA"


def test_indicator_catalogue_has_the_monitoring_indicators(client):
    ids = {i["id"] for i in client.get("/api/indicators").json()["data"]}
    assert {"migrant_stock", "corridor_stock", "sdg_10_7_4", "sdg_10_c_1", "refugees_hosted"} <= ids


def test_observations_page_through(client):
    first = client.get("/api/observations", params={"measure": "migrant_stock", "origin": "SYR", "limit": 50}).json()
    assert first["pagination"]["total"] > 50 and len(first["data"]) == 50
    second = client.get(first["pagination"]["next"]).json()
    assert second["data"][0] != first["data"][0]
