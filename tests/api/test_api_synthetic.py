(
    """API behaviour on a tiny synthetic release: envelopes, filters, formats, problems, caching headers, release """
    """switching."""
)

from __future__ import annotations

import io
import json

import httpx
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from observatory.warehouse import releases

RELEASE = "r20260101T000000Z"


@pytest.fixture
def client(synthetic_server):
    with httpx.Client(base_url=synthetic_server, timeout=30) as http:
        yield http


def test_release_header_and_body(client):
    response = client.get("/api/release")
    assert response.status_code == 200
    assert response.headers["x-observatory-release"] == RELEASE
    body = response.json()
    assert body["release"] == RELEASE
    assert body["datasets"][0]["publisher"] == "Test Publisher"


def test_etag_and_not_modified(client):
    first = client.get("/api/areas")
    etag = first.headers["etag"]
    assert RELEASE in etag and "max-age" in first.headers["cache-control"]
    again = client.get("/api/areas", headers={"If-None-Match": etag})
    assert again.status_code == 304
    other = client.get("/api/areas?kind=group")
    assert other.headers["etag"] != etag


def test_areas_filters_and_detail(client):
    groups = client.get("/api/areas", params={"kind": "group"}).json()["data"]
    assert {a["code"] for a in groups} == {"CONT_EUROPE", "CONT_AFRICA", "WLD"}
    europe = client.get("/api/areas/cont_europe").json()
    assert {m["code"] for m in europe["members"]} == {"FRA", "DEU"}
    france = client.get("/api/areas/FRA").json()
    assert {"scheme": "continent", "code": "CONT_EUROPE", "name": "Europe"} in france["groups"]


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/api/areas/XYZ", 404, "no area 'XYZ'"),
        ("/api/areas?kind=planet", 422, "kind"),
        ("/api/indicators/nope/values", 404, "no indicator 'nope'"),
        ("/api/indicators/migrant_stock/values?year_from=1800", 422, "year_from"),
        ("/api/indicators/migrant_stock/values?year_from=2020&year_to=2010", 400, "after year_to"),
        ("/api/indicators/migrant_stock/values?area=ATLANTIS", 404, "no area 'ATLANTIS'"),
        ("/api/indicators/migrant_stock/values?limit=0", 422, "limit"),
        ("/api/indicators/migrant_stock/values?limit=100000", 422, "limit"),
        ("/api/indicators/migrant_stock/values?offset=-1", 422, "offset"),
        ("/api/indicators/migrant_stock/values?offset=500", 400, "past the last row"),
        ("/api/indicators/migrant_stock/values?sex=other", 422, "sex"),
        ("/api/observations", 400, "at least one"),
        ("/api/corridors", 400, "exactly one"),
        ("/api/corridors/FRA/FRA", 400, "same area"),
        ("/api/corridors?origin=MAR&year=1900", 404, "year"),
        ("/api/claims/check?measure=corridor_stock", 400, "give an origin"),
        ("/api/publications/..%2F..%2Fetc%2Fpasswd", 404, "publication"),
        ("/api/no/such/route", 404, "no route"),
    ],
)
def test_problems(client, path, status, words):
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and words in body["detail"]
    assert response.headers["x-observatory-release"] == RELEASE


def test_indicator_values_filters_and_pagination(client):
    body = client.get(
        "/api/indicators/corridor_stock/values", params={"origin": "MAR", "sex": "total", "limit": 2}
    ).json()
    assert body["pagination"]["total"] == 3 and len(body["data"]) == 2
    assert body["pagination"]["next"] and body["pagination"]["previous"] is None
    rest = client.get(body["pagination"]["next"]).json()
    assert len(rest["data"]) == 1 and rest["pagination"]["previous"]
    years = client.get("/api/indicators/migrant_stock/values", params={"area": "FRA", "year_from": 2016}).json()["data"]
    assert [(r["year"], r["value"]) for r in years] == [(2020, 910 + 150 + 165)]
    assert years[0]["sources"] == ["tiny_stock"]
    assert body["sources"][0]["dataset"] == "tiny_stock"


def test_map_has_group_coverage(client):
    body = client.get("/api/indicators/migrant_stock/map").json()
    assert body["year"] == 2020
    world = next(g for g in body["groups"] if g["code"] == "WLD")
    assert world["coverage"] == 0.9


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_downloads(client, fmt):
    response = client.get(
        "/api/indicators/corridor_stock/values", params={"origin": "MAR", "sex": "total", "format": fmt}
    )
    assert response.status_code == 200
    assert RELEASE in response.headers["content-disposition"]
    if fmt == "csv":
        lines = response.text.strip().splitlines()
        assert lines[0].startswith("area,origin,destination,year") and len(lines) == 4
    elif fmt == "parquet":
        table = pq.read_table(io.BytesIO(response.content))
        assert table.num_rows == 3 and table.schema.metadata[b"observatory.release"] == RELEASE.encode()
    else:
        book = load_workbook(io.BytesIO(response.content))
        assert book["data"].max_row == 4 and book["sources"]["B1"].value == RELEASE


def test_corridor_profile_sums_sexes_and_shares(client):
    body = client.get("/api/corridors/MAR/FRA").json()
    last = body["stock"][-1]
    assert last["year"] == 2020 and last["total"] == 910
    assert last["female"] == 450 and last["male"] == 460
    assert last["share_of_origin_emigrants"] == pytest.approx(910 / (910 + 110))
    ranking = client.get("/api/corridors", params={"destination": "FRA"}).json()
    assert [r["origin"] for r in ranking["data"]] == ["MAR", "DEU", "SEN"]


def test_claim_most_african_migrants(client):
    parsed = client.get("/api/claims/parse", params={"text": "Most African migrants go to Europe"}).json()
    assert parsed["origin"] == "CONT_AFRICA" and parsed["destination"] == "CONT_EUROPE"
    check = client.get(
        "/api/claims/check",
        params={"measure": parsed["measure"], "origin": "CONT_AFRICA", "destination": "CONT_EUROPE"},
    ).json()
    shares = {d["code"]: d["share"] for d in check["distribution"]}
    assert check["total"] == 910 + 110 + 150 + 210
    assert shares["CONT_EUROPE"] == pytest.approx((910 + 110 + 150) / 1380)
    assert check["focus"]["share"] == pytest.approx(shares["CONT_EUROPE"])
    assert check["sources"][0]["publisher"] == "Test Publisher"


def test_frameworks_gaps(client):
    gcm = client.get("/api/frameworks/GCM").json()
    status = {o["code"]: o["gap"] for o in gcm["objectives"]}
    assert status == {"1": False, "2": True}


def test_profile_summary(client):
    body = client.get("/api/profiles/FRA").json()
    assert body["release"] == RELEASE
    stock = next(f for f in body["key_figures"] if f["id"] == "migrant_stock")
    assert stock["value"] == 1225 and stock["year"] == 2020
    assert body["top_origins_of_immigrants"]["rows"][0]["code"] == "MAR"


def test_openapi_lists_every_resource(client):
    spec = client.get("/api/openapi.json").json()
    paths = set(spec["paths"])
    for expected in (
        "/api/areas",
        "/api/indicators/{indicator_id}/values",
        "/api/corridors/{origin}/{destination}",
        "/api/observations",
        "/api/frameworks",
        "/api/profiles/{code}",
        "/api/evidence",
        "/api/publications",
        "/api/claims/check",
    ):
        assert expected in paths
    assert not any(p.startswith("/countries") for p in paths)


def test_new_release_is_picked_up_without_restart(client, synthetic_settings):
    load = __import__("importlib").import_module
    synthetic = load("portal_test_synthetic")
    before = client.get("/api/corridors/MAR/FRA").json()["stock"][-1]["total"]
    synthetic.write_release(synthetic_settings, "r20260102T000000Z", scale=2.0)
    try:
        response = client.get("/api/corridors/MAR/FRA")
        assert response.headers["x-observatory-release"] == "r20260102T000000Z"
        assert response.json()["stock"][-1]["total"] == 2 * before
    finally:
        releases.set_current(synthetic_settings, RELEASE)
    assert client.get("/api/release").json()["release"] == RELEASE


def test_json_is_strict(client):
    text = client.get("/api/indicators/migrant_stock/values").text
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))


def test_repeated_answers_are_replayed_identically_and_errors_are_not_kept(client):
    first = client.get("/api/profiles/FRA")
    second = client.get("/api/profiles/FRA")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert second.headers["etag"] == first.headers["etag"] and second.headers["x-observatory-release"] == RELEASE
    assert second.headers["content-type"].startswith("application/json")
    for _ in range(2):
        missing = client.get("/api/profiles/ZZZ")
        assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")


def test_single_year_filter_and_its_conflict(client):
    rows = client.get("/api/indicators/migrant_stock/values?year=2020").json()["data"]
    assert rows and {row["year"] for row in rows} == {2020}
    conflict = client.get("/api/indicators/migrant_stock/values?year=2020&year_from=2015")
    assert conflict.status_code == 400 and "either year" in conflict.json()["detail"]
