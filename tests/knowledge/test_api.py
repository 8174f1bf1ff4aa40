"""The knowledge API over real HTTP (uvicorn) on a copy of the real release: role checks on every write, the
contribute-review-publish flow reaching the country page and firewall map, the seed, the background paper."""

from __future__ import annotations

import httpx
import pytest

from .homes import make_knowledge_home, server_module

pytestmark = [pytest.mark.mirror, pytest.mark.slow]


@pytest.fixture(scope="module")
def served(real_release, tmp_path_factory):
    """(base URL, KnowledgeHome) of a server on a home with the knowledge layer filled."""
    home = make_knowledge_home(real_release, tmp_path_factory.mktemp("knowledge-home"))
    with server_module().running_server(home.settings, home.settings.home / "server.log") as base:
        yield base, home


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


WRITES = [
    ("POST", "/api/knowledge/people", {"name": "Ana Lopez"}),
    ("POST", "/api/knowledge/institutions", {"name": "Some Institute"}),
    ("POST", "/api/knowledge/proposals", {"kind": "merge", "people": ["a", "b"], "reason": "x"}),
    ("POST", "/api/knowledge/proposals/pr-x/decision", {"decision": "accept"}),
    ("POST", "/api/knowledge/reviews/policy/po-x", {"decision": "accept"}),
    ("POST", "/api/knowledge/policies", {"title": "x"}),
    ("PUT", "/api/knowledge/policies/po-x", {"title": "x"}),
    ("POST", "/api/knowledge/dialogue/themes", {"id": "x"}),
    ("POST", "/api/knowledge/dialogue/themes/idm-2011-human-security/endorsements", {"member": "MEX"}),
    ("POST", "/api/knowledge/dialogue/themes/idm-2011-human-security/selection", {}),
    ("POST", "/api/knowledge/dialogue/workshops", {"id": "x"}),
]
REVIEWER_ONLY = WRITES[3:5] + WRITES[8:11]


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_every_write_route_needs_a_token(served, method, path, body):
    base, _ = served
    for headers in ({}, _auth("not-a-real-token")):
        response = httpx.request(method, base + path, json=body, headers=headers, timeout=60)
        assert response.status_code == 401, response.text
        assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(("method", "path", "body"), REVIEWER_ONLY, ids=[f"{m} {p}" for m, p, _ in REVIEWER_ONLY])
def test_reviewer_routes_refuse_contributors(served, method, path, body):
    base, home = served
    response = httpx.request(method, base + path, json=body, headers=_auth(home.contributor), timeout=60)
    assert response.status_code == 403, response.text


def test_contribute_review_publish_reaches_the_country_page_and_the_map(served):
    base, home = served
    entry = {
        "kind": "firewall_arrangement",
        "firewall_kind": "health_care",
        "title": "Health services do not report patients' immigration status",
        "country": "ESP",
        "status": "in_force",
        "gcm": [15],
        "source": {"title": "Real Decreto-ley 7/2018 sobre el acceso universal al Sistema Nacional de Salud"},
    }
    refused = httpx.post(base + "/api/knowledge/policies", json={**entry, "source": None},
                         headers=_auth(home.contributor), timeout=60)  # fmt: skip
    assert refused.status_code == 422 and refused.json()["detail"].startswith("source:")
    created = httpx.post(base + "/api/knowledge/policies", json=entry, headers=_auth(home.contributor), timeout=60)
    assert created.status_code == 201
    pid = created.json()["id"]
    assert httpx.get(f"{base}/api/knowledge/policies/{pid}", timeout=60).status_code == 404  # not yet published
    decided = httpx.post(f"{base}/api/knowledge/reviews/policy/{pid}", json={"decision": "accept"},
                         headers=_auth(home.reviewer), timeout=60)  # fmt: skip
    assert decided.json()["state"] == "published"
    entry_json = httpx.get(f"{base}/api/knowledge/policies/{pid}", timeout=60).json()
    assert [h["action"] for h in entry_json["history"]] == ["contributed", "accept"]
    countries = {
        r["country"]: r["kinds"] for r in httpx.get(base + "/api/knowledge/firewalls", timeout=60).json()["results"]
    }
    assert countries == {"DEU": ["education"], "ESP": ["health_care"]}
    page = httpx.get(base + "/countries/ESP", timeout=120).text
    assert "Health services do not report patients" in page and "SDG 10.7.2" in page
    germany = httpx.get(base + "/countries/DEU", timeout=120).text
    for title in ("Schools exempted", "Skilled Immigration Act", "Remittance price comparison website"):
        assert title in germany
    assert "GCM objective 20: indicators" in germany


def test_directory_queries_and_people_pages(served):
    base, _ = served
    found = httpx.get(base + "/api/knowledge/people",
                      params={"theme": "climate", "region": "West Africa"}, timeout=60)  # fmt: skip
    assert found.status_code == 200 and found.json()["total"] >= 1
    assert found.headers["etag"].startswith('"k') and found.headers["cache-control"] == "no-cache"
    person = found.json()["results"][0]["id"]
    page = httpx.get(f"{base}/api/knowledge/people/{person}", timeout=60).json()
    assert page["records"] and page["themes"]
    assert httpx.get(base + "/api/knowledge/people", params={"region": "Atlantis"}, timeout=60).status_code == 422
    assert httpx.get(base + "/api/knowledge/people", params={"colour": "red"}, timeout=60).status_code == 400


def test_seed_records_and_generated_publications(served):
    base, _ = served
    themes = {t["id"]: t for t in httpx.get(base + "/api/knowledge/dialogue/themes", timeout=60).json()["results"]}
    assert set(themes) == {"idm-2010-social-change", "idm-2011-future-of-migration", "idm-2011-human-security"}
    assert all("IC/2010/5" in t["source"]["title"] for t in themes.values())
    paper = httpx.get(base + "/api/knowledge/dialogue/themes/idm-2011-future-of-migration/background-paper",
                      params={"format": "md"}, timeout=300)  # fmt: skip
    assert paper.status_code == 200
    for heading in ("## Key figures and indicators", "## Findings and their confidence", "## Where evidence is thin",
                    "## Policies and practices", "## Who works on it", "## Sources annex"):  # fmt: skip
        assert heading in paper.text
    assert "Remittance price comparison website" not in paper.text  # GCM 20 is not among the theme's objectives
    record = httpx.get(base + "/api/knowledge/dialogue/workshops/idm-2010-transnationalism/record",
                       params={"format": "html"}, timeout=120)  # fmt: skip
    assert record.status_code == 200 and "225 participants" in record.text and "<html" in record.text
