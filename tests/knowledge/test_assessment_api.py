"""Assessments over real HTTP (uvicorn) on a copy of the real release: role checks on every write, a chapter with
live numbers and a stated finding, publishing refused while a comment is unanswered, the numbered report in the
catalogue; dialogue records and background papers written by the CLI are catalogued too (portal and API)."""

from __future__ import annotations

import io
import json

import httpx
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from observatory.cli.main import app
from observatory.evidence.findings import EvidenceRef, Finding, save_finding
from observatory.evidence.review import create_token
from observatory.warehouse import releases

from .homes import make_knowledge_home, server_module

pytestmark = [pytest.mark.mirror, pytest.mark.slow]
runner = CliRunner()
FINDING = "Research on migrants in Germany rests on few longitudinal surveys"


@pytest.fixture(scope="module")
def served(real_release, tmp_path_factory):
    """(base URL, KnowledgeHome, second reviewer token, finding id, lead author ids) of a served home."""
    home = make_knowledge_home(real_release, tmp_path_factory.mktemp("assessment-home"))
    other_reviewer = create_token("Omar Reviewer", "reviewer", home.evidence)
    with home.evidence.connect(read_only=True) as con:
        record_id = con.execute("SELECT min(id) FROM records WHERE status = 'public'").fetchone()[0]
    finding_id = save_finding(
        Finding(
            statement=FINDING, evidence="limited", agreement="medium", references=[EvidenceRef(record_id=record_id)]
        ),
        home.evidence,
    )
    authors = [
        r["id"]
        for r in home.store.rows(
            "SELECT id FROM people WHERE state = 'published' AND merged_into IS NULL ORDER BY id LIMIT 3"
        )
    ]
    with server_module().running_server(home.settings, home.settings.home / "server.log") as base:
        yield base, home, other_reviewer, finding_id, authors


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


BASE = "/api/knowledge/assessments"
WRITES = [
    ("POST", BASE, {"title": "An assessment"}),
    ("POST", BASE + "/as-x/chapters", {"title": "A chapter"}),
    ("PUT", BASE + "/as-x/chapters/1/text", {"text": "Text"}),
    ("POST", BASE + "/as-x/chapters/1/comments", {"comment": "A comment"}),
    ("POST", BASE + "/as-x/chapters/1/comments/1/answer", {"answer": "An answer"}),
    ("POST", BASE + "/as-x/chapters/1/approval", {}),
    ("POST", BASE + "/as-x/publication", {}),
]
REVIEWER_ONLY = [WRITES[i] for i in (0, 1, 3, 5, 6)]


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_every_assessment_write_needs_a_token(served, method, path, body):
    base = served[0]
    for headers in ({}, _auth("not-a-real-token")):
        response = httpx.request(method, base + path, json=body, headers=headers, timeout=60)
        assert response.status_code == 401, response.text
        assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(("method", "path", "body"), REVIEWER_ONLY, ids=[f"{m} {p}" for m, p, _ in REVIEWER_ONLY])
def test_reviewer_routes_refuse_contributors(served, method, path, body):
    base, home = served[0], served[1]
    response = httpx.request(method, base + path, json=body, headers=_auth(home.contributor), timeout=60)
    assert response.status_code == 403, response.text
    assert response.json()["detail"] == "Carla Contributor is not a reviewer"


def test_from_outline_to_the_numbered_report_in_the_catalogue(served):
    base, home, other, finding_id, authors = served

    def post(path: str, body: dict, token: str) -> httpx.Response:
        return httpx.post(base + path, json=body, headers=_auth(token), timeout=300)

    outline = {
        "title": "Migration to Germany: what the evidence says",
        "subtitle": "Assessment of the panel",
        "references": {"abel2019": "Abel, G. J. and Cohen, J. E. (2019). Bilateral international migration flow "
                                   "estimates for 200 countries. Scientific Data 6, 82."},
        "chapters": [{"title": "Stocks and flows", "lead_authors": authors[:2]}],
    }  # fmt: skip
    refused = post(
        BASE, {**outline, "chapters": [{"title": "Nobody", "lead_authors": ["pe-0000000000"]}]}, home.reviewer
    )
    assert refused.status_code == 422 and refused.json()["detail"].startswith("lead_authors: no published person")
    created = post(BASE, outline, home.reviewer)
    assert created.status_code == 201, created.text
    aid = created.json()["id"]
    added = post(f"{BASE}/{aid}/chapters", {"title": "What is known", "lead_authors": authors[2:]}, home.reviewer)
    assert added.status_code == 201 and added.json()["chapter"] == 2

    def put(number: int, text: str) -> httpx.Response:
        return httpx.put(f"{base}{BASE}/{aid}/chapters/{number}/text", json={"text": text},
                         headers=_auth(home.contributor), timeout=120)  # fmt: skip

    bad = put(1, "Germany.\n\nIt hosts {{value no_such_indicator area=DEU}} migrants.")
    assert bad.status_code == 422
    assert bad.json()["detail"].startswith("text: chapter 1, line 3: unknown indicator '…'")
    first = put(1, "Germany hosts {{value migrant_stock area=DEU year=2020}} international migrants [@abel2019].\n")
    assert first.status_code == 200 and first.json()["version"] == 1
    assert put(2, f"## Evidence\n\n::: finding {finding_id}\n\nMore surveys are needed.\n").json()["version"] == 1

    assert post(f"{BASE}/{aid}/chapters/1/comments", {"comment": "Give the 2024 revision too.", "line": 1},
                home.reviewer).json()["comment"] == 1  # fmt: skip
    assert post(f"{BASE}/{aid}/chapters/2/comments", {"comment": "Which surveys?"}, other).json()["comment"] == 1
    blocked = post(f"{BASE}/{aid}/publication", {"formats": ["html"]}, home.reviewer)
    assert blocked.status_code == 409
    assert blocked.json()["detail"] == (
        "cannot publish: unanswered review comment(s): chapter 1 (Stocks and flows), comment 1; "
        "chapter 2 (What is known), comment 1"
    )
    assert post(f"{BASE}/{aid}/chapters/1/comments/1/answer", {"answer": "The 2020 edition is the one the "
                "chapter assesses."}, home.contributor).status_code == 201  # fmt: skip
    assert post(f"{BASE}/{aid}/chapters/2/comments/1/answer", {"answer": "SOEP and the IAB-BAMF-SOEP survey."},
                home.contributor).status_code == 201  # fmt: skip
    assert post(f"{BASE}/{aid}/chapters/1/approval", {}, home.reviewer).json()["state"] == "approved"
    waiting = post(f"{BASE}/{aid}/publication", {"formats": ["html"]}, home.reviewer)
    assert waiting.status_code == 409
    assert waiting.json()["detail"].endswith("chapter 2 (What is known) is submitted")
    assert post(f"{BASE}/{aid}/chapters/2/approval", {"note": "ok"}, other).json()["state"] == "approved"

    before = httpx.get(base + "/api/publications", params={"series": "AR"}, timeout=60).json()["publications"]
    number = len(before) + 1  # tests run in random order; another test of this module may publish one first
    published = post(f"{BASE}/{aid}/publication", {"formats": ["html", "md", "pdf"]}, home.reviewer)
    assert published.status_code == 201, published.text
    entry = published.json()
    assert (entry["id"], entry["series"]) == (f"AR-{number:04d}", "AR")
    assert entry["citation_number"] == f"Assessment Reports No. {number}"
    assert [f["format"] for f in entry["formats"]] == ["html", "pdf", "md"]
    assert entry["release"] == releases.require_current(home.settings).release_id
    html = httpx.get(base + entry["formats"][0]["url"], timeout=60).text
    for text in (f"Assessment Reports No. {number}", "Summary for policy makers", FINDING, "Lead authors:",
                 "Review comments and answers", "Give the 2024 revision too.", "SOEP and the IAB-BAMF-SOEP survey.",
                 "Bilateral international migration flow", 'data-key="migrant_stock"'):  # fmt: skip
        assert text in html, text
    pdf = PdfReader(io.BytesIO(httpx.get(base + entry["formats"][1]["url"], timeout=60).content))
    assert f"Assessment Reports No. {number}" in pdf.pages[0].extract_text()

    listed = httpx.get(base + "/api/publications", params={"series": "AR"}, timeout=60).json()
    assert [e["id"] for e in listed["publications"]][:1] == [entry["id"]]
    assert "Migration to Germany: what the evidence says" in httpx.get(base + "/reports?series=AR", timeout=60).text
    kept = httpx.get(f"{base}{BASE}/{aid}", timeout=60).json()
    assert (kept["state"], kept["publication_id"]) == ("published", entry["id"])
    assert [(c["body"], c["answer"]) for ch in kept["chapters"] for c in ch["comments"]] == [
        ("Give the 2024 revision too.", "The 2020 edition is the one the chapter assesses."),
        ("Which surveys?", "SOEP and the IAB-BAMF-SOEP survey."),
    ]
    again = post(f"{BASE}/{aid}/publication", {"formats": ["html"]}, home.reviewer)
    assert again.status_code == 409
    assert again.json()["detail"] == f"this assessment is published already as {entry['id']}"
    late = post(f"{BASE}/{aid}/chapters/1/comments", {"comment": "Too late"}, other)
    assert late.status_code == 409
    assert httpx.delete(f"{base}{BASE}/{aid}/chapters/1/comments/1", timeout=60).status_code in (404, 405)
    page = httpx.get(f"{base}/knowledge/assessments/{aid}", timeout=60).text
    assert f"/reports/{entry['id']}" in page and "SOEP and the IAB-BAMF-SOEP survey." in page


def test_dialogue_record_and_background_paper_are_catalogued(served, monkeypatch, tmp_path):
    base, home = served[0], served[1]
    monkeypatch.setenv("OBSERVATORY_HOME", str(home.settings.home))
    two = runner.invoke(app, ["dialogue", "record", "idm-2010-transnationalism", "--format", "html", "--format",
                              "md", "--out", str(tmp_path / "x")])  # fmt: skip
    assert two.exit_code != 0 and "--out copies one format" in two.output
    record = runner.invoke(app, ["dialogue", "record", "idm-2010-transnationalism", "--format", "html",
                                 "--format", "pdf"])  # fmt: skip
    assert record.exit_code == 0, record.output
    assert record.output.startswith("DR-0001 (Dialogue Records No. 1): Dialogue record: Migration and transnationalism")
    paper = runner.invoke(app, ["dialogue", "background-paper", "idm-2011-human-security", "--format", "md",
                                "--out", str(tmp_path / "paper.md")])  # fmt: skip
    assert paper.exit_code == 0, paper.output
    assert paper.output.startswith("BP-0001 (Background Papers No. 1): Background paper: Migration and human security")
    assert "## Who works on it" in (tmp_path / "paper.md").read_text(encoding="utf-8")
    unknown = runner.invoke(app, ["dialogue", "background-paper", "no-such-theme"])
    assert unknown.exit_code != 0 and "no dialogue theme with that id" in unknown.output

    for series, subject, formats in (("DR", "workshop:idm-2010-transnationalism", ["html", "pdf"]),
                                     ("BP", "theme:idm-2011-human-security", ["md"])):  # fmt: skip
        found = httpx.get(base + "/api/publications", params={"series": series}, timeout=60).json()
        assert [(e["subject"], [f["format"] for f in e["formats"]]) for e in found["publications"]] == [
            (subject, formats)
        ]
        for fmt in found["publications"][0]["formats"]:
            assert fmt["path"].startswith(f"publications/{found['publications'][0]['release']}/{series.lower()}/")
            assert httpx.get(base + fmt["url"], timeout=60).status_code == 200
    reports = httpx.get(base + "/reports", timeout=60).text
    assert "Dialogue record: Migration and transnationalism" in reports
    assert "Background paper: Migration and human security" in reports
    feed = httpx.get(base + "/api/publications/feed.atom", timeout=60).text
    assert "Dialogue record: Migration and transnationalism" in feed and "Background paper: Migration and" in feed


def test_the_assessment_commands_from_outline_to_report(served, monkeypatch, tmp_path):
    base, home, other, _, authors = served
    monkeypatch.setenv("OBSERVATORY_HOME", str(home.settings.home))

    def run(*args: str) -> str:
        result = runner.invoke(app, ["assessment", *args])
        assert result.exit_code == 0, result.output
        return result.output.strip()

    outline = tmp_path / "outline.yml"
    outline.write_text(
        "title: Remittances and development in Senegal\n"
        f"chapters:\n  - title: Flows\n    lead_authors: [{authors[0]}]\n",
        encoding="utf-8",
    )
    aid = run("create", str(outline), "--token", home.reviewer)
    assert run("add-chapter", aid, "--title", "Costs", "--lead-author", authors[1], "--token", home.reviewer) == "2"
    chapter = tmp_path / "chapter.md"
    chapter.write_text("Senegal hosts {{value migrant_stock area=SEN year=2020}} migrants.\n", encoding="utf-8")
    assert run("submit", aid, "1", str(chapter), "--token", home.contributor) == "chapter 1 version 1"
    chapter.write_text("Sending money costs a lot [@nope].\n", encoding="utf-8")
    bad = runner.invoke(app, ["assessment", "submit", aid, "2", str(chapter), "--token", home.contributor])
    assert bad.exit_code != 0 and "text: chapter 2, line 1: unknown reference" in bad.output
    chapter.write_text("Sending money home costs a lot.\n", encoding="utf-8")
    assert run("submit", aid, "2", str(chapter), "--token", home.contributor) == "chapter 2 version 1"
    assert run("comment", aid, "1", "--text", "Add the 2024 edition.", "--token", other) == "chapter 1 comment 1"
    blocked = runner.invoke(app, ["assessment", "publish", aid, "--format", "md", "--token", home.reviewer])
    assert blocked.exit_code != 0 and "chapter 1 (Flows), comment 1" in blocked.output
    assert run("answer", aid, "1", "1", "--text", "The 2020 edition is assessed.", "--token", home.contributor) == (
        "answered"
    )
    assert run("approve", aid, "1", "--token", other) == "approved"
    assert run("approve", aid, "2", "--token", home.reviewer) == "approved"
    published = json.loads(run("publish", aid, "--format", "md", "--token", home.reviewer))
    assert published["citation"].startswith("Assessment Reports No. ") and len(published["files"]) == 1
    report = (home.settings.home / published["files"][0]).read_text(encoding="utf-8")
    assert "Lead authors:" in report and "The 2020 edition is assessed." in report
    shown = json.loads(run("show", aid))
    assert (shown["state"], shown["publication_id"]) == ("published", published["id"])
    assert [a["id"] for a in json.loads(run("list"))].count(aid) == 1
    listed = httpx.get(base + "/api/publications", params={"subject": f"assessment:{aid}"}, timeout=60).json()
    assert [e["id"] for e in listed["publications"]] == [published["id"]]
