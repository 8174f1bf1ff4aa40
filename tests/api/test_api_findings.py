"""Findings and the gap map through the API of a real server: list, filter by confidence and place, one finding,
the gap map in three formats; and the publications catalogue with its feed."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from observatory.evidence.findings import EvidenceRef, Finding, save_finding
from observatory.evidence.records import Label, LabelKind, Record
from observatory.evidence.store import STORE_FILE, EvidenceStore
from observatory.publish.catalogue import NewPublication, register_publication, release_folder
from observatory.settings import Settings

from .conftest import load_helper

GAP_MIRROR = Path(__file__).resolve().parents[1] / "evidence" / "data" / "gap_mirror"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A synthetic release with an evidence library (findings about Senegal and France) and one catalogued brief."""
    root = tmp_path_factory.mktemp("findings-api")
    settings = Settings(home=load_helper("synthetic").synthetic_home(root).home, mirror=GAP_MIRROR)
    store = EvidenceStore(settings.evidence_dir / STORE_FILE)
    sen, fra, bgd = store.write_records(
        [
            Record(title="Drought and mobility in Senegal", year=2018, doi="10.1000/sen"),
            Record(title="Work in France", year=2021),
            Record(title="Cyclones and moves in Bangladesh", year=2020),
        ]
    ).ids
    store.set_auto_labels(
        {
            sen: [
                Label(kind=LabelKind.area, value="SEN", confidence=0.9, origin="t"),
                Label(kind=LabelKind.theme, value="climate", confidence=0.9, origin="t"),
            ],
            fra: [Label(kind=LabelKind.corridor, value="SEN-FRA", confidence=0.9, origin="t")],
            bgd: [
                Label(kind=LabelKind.area, value="BGD", confidence=0.9, origin="t"),
                Label(kind=LabelKind.theme, value="climate_environment", confidence=0.9, origin="t"),
            ],
        }
    )
    ids = {
        "sen": save_finding(
            Finding(
                statement="Droughts raise moves out of rural Senegal",
                evidence="robust",
                agreement="medium",
                likelihood="likely",
                references=[EvidenceRef(record_id=sen)],
            ),
            store,
        ),
        "corridor": save_finding(
            Finding(
                statement="Senegalese workers in France send more home",
                evidence="limited",
                agreement="low",
                references=[EvidenceRef(record_id=fra)],
            ),
            store,
        ),
    }
    folder = release_folder(settings, "r20260101T000000Z", "PB")
    folder.mkdir(parents=True)
    (folder / "SEN-brief.pdf").write_bytes(b"%PDF-1.7 brief")
    register_publication(
        settings,
        NewPublication(
            series="PB",
            subject="SEN",
            title="Senegal: migration in brief",
            release="r20260101T000000Z",
            files={"pdf": folder / "SEN-brief.pdf"},
        ),
    )
    with load_helper("server").running_server(settings, root / "server.log") as base:
        yield base, ids


def get(base: str, path: str, **params) -> httpx.Response:
    return httpx.get(base + path, params=params, timeout=60)


def test_findings_list_and_filters(served):
    base, ids = served
    listing = get(base, "/api/findings")
    assert listing.status_code == 200 and listing.headers["cache-control"] == "no-cache"
    assert listing.headers["etag"].startswith('"fd-'), "findings follow the evidence store, not the release"
    found = {f["id"]: f for f in listing.json()["findings"]}
    assert found[ids["sen"]]["confidence"] == "high" and found[ids["sen"]]["likelihood"] == "likely"
    assert found[ids["corridor"]]["confidence"] == "very low"
    assert [f["id"] for f in get(base, "/api/findings", confidence="medium").json()["findings"]] == [ids["sen"]]
    assert {f["id"] for f in get(base, "/api/findings", area="SEN").json()["findings"]} == set(ids.values())
    assert [f["id"] for f in get(base, "/api/findings", area="FRA").json()["findings"]] == [ids["corridor"]]
    corridor = get(base, "/api/findings", origin="SEN", destination="FRA").json()["findings"]
    assert [f["id"] for f in corridor] == [ids["corridor"]]
    assert [f["id"] for f in get(base, "/api/findings", q="drought").json()["findings"]] == [ids["sen"]]


@pytest.mark.parametrize(
    ("params", "status"),
    [({"confidence": "certain"}, 422), ({"area": "ZZZ"}, 404), ({"origin": "SEN"}, 400), ({"q": "x" * 301}, 422)],
)
def test_findings_refusals(served, params, status):
    base, _ = served
    assert get(base, "/api/findings", **params).status_code == status


def test_one_finding_with_its_references(served):
    base, ids = served
    body = get(base, f"/api/findings/{ids['sen']}").json()
    assert body["statement"] == "Droughts raise moves out of rural Senegal"
    assert body["probability_range"] == [66, 100] and body["places"] == ["SEN"]
    assert body["references"][0]["link"] == "https://doi.org/10.1000/sen"
    assert "*likely* (66–100 %) {high confidence} [1]" in body["markdown"]
    for wrong in ("fd-0000000000", "fd-../../etc", "nothing"):
        assert get(base, f"/api/findings/{wrong}").status_code == 404


def test_gap_map_in_three_formats(served):
    base, _ = served
    body = get(base, "/api/gaps", by="region").json()
    assert body["by"] == "region" and body["cells"] == len(body["rows"]) > 0
    climate = [(r["col"], r["records"]) for r in body["rows"] if r["theme"] == "climate_environment" and r["records"]]
    assert climate == [("Southern Asia", 1)], "the Bangladesh record counts in its subregion (Senegal is not mapped)"
    svg = get(base, "/api/gaps", by="gcm", format="svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and svg.text.startswith("<svg")
    csv = get(base, "/api/gaps", format="csv")
    assert csv.text.splitlines()[0] == "theme,col,records,migrants,per_million_migrants"
    assert get(base, "/api/gaps", by="planet").status_code == 422


def test_catalogue_entry_search_and_feed(served):
    base, _ = served
    listing = get(base, "/api/publications", q="senegal brief").json()
    assert [p["id"] for p in listing["publications"]] == ["PB-0001"] and listing["pagination"]["total"] == 1
    entry = get(base, "/api/publications/catalogue/PB-0001").json()
    assert entry["citation_number"] == "Policy Briefs No. 1" and entry["release"] == "r20260101T000000Z"
    assert get(base, entry["formats"][0]["url"]).content == b"%PDF-1.7 brief"
    assert get(base, "/api/publications", series="XX").status_code == 422
    assert get(base, "/api/publications/catalogue/PB-9999").status_code == 404
    feed = get(base, "/api/publications/feed.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    assert "<title>Senegal: migration in brief (Policy Briefs No. 1)</title>" in feed.text
