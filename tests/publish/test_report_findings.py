"""Findings in publications: the `::: finding` directive, the summary for policy makers, findings in a profile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from observatory.evidence.findings import EvidenceRef, Finding, save_finding
from observatory.evidence.records import Label, LabelKind, Record
from observatory.evidence.store import STORE_FILE, EvidenceStore
from observatory.publish import render
from observatory.publish.data import ReleaseData
from observatory.publish.document import FindingBox
from observatory.publish.profile import country_profile
from observatory.publish.report import ReportError, build_report

from .conftest import make_tiny_release


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """A tiny release with an evidence library: two records about Aland (AAA) and three findings."""
    settings = make_tiny_release(tmp_path_factory.mktemp("findings-home"))
    store = EvidenceStore(settings.evidence_dir / STORE_FILE)
    written = store.write_records(
        [
            Record(title="Remittances to Aland", year=2020, doi="10.1000/aland.1", authors=["Lopez, Ana"]),
            Record(title="Women migrants in Aland", year=2022, url="https://example.org/aland"),
            Record(title="Bland fisheries", year=2019),
        ]
    )
    aland, women, bland = written.ids
    store.set_auto_labels(
        {
            aland: [Label(kind=LabelKind.area, value="AAA", confidence=0.9, origin="test")],
            women: [Label(kind=LabelKind.corridor, value="BBB-AAA", confidence=0.8, origin="test")],
            bland: [Label(kind=LabelKind.area, value="BBB", confidence=0.9, origin="test")],
        }
    )
    ids = {
        "robust": save_finding(
            Finding(
                statement="Remittances to Aland rose after fees fell",
                evidence="robust",
                agreement="high",
                likelihood="very likely",
                references=[EvidenceRef(record_id=aland), EvidenceRef(record_id=women, stance="contradicts")],
            ),
            store,
        ),
        "limited": save_finding(
            Finding(
                statement="Women lead migration from Bland",
                evidence="limited",
                agreement="medium",
                references=[EvidenceRef(record_id=women)],
            ),
            store,
        ),
        "elsewhere": save_finding(
            Finding(
                statement="Bland fisheries employ migrants",
                evidence="medium",
                agreement="medium",
                references=[EvidenceRef(record_id=bland)],
            ),
            store,
        ),
    }
    return settings, ids


def outline(folder: Path, chapter: str) -> Path:
    (folder / "one.md").write_text(chapter, encoding="utf-8")
    path = folder / "outline.yml"
    path.write_text("title: Findings report\nchapters:\n  - file: one.md\n", encoding="utf-8")
    return path


def test_finding_directive_and_summary_for_policy_makers(home, tmp_path):
    settings, ids = home
    chapter = (
        f"# Money home\n\nAland hosted {{{{value migrant_stock area=AAA year=2020}}}} migrants.\n\n"
        f"::: finding {ids['robust']}\n\n::: finding {ids['limited']}\n"
    )
    data = ReleaseData.open(settings)
    try:
        document = build_report(data, outline(tmp_path, chapter))
    finally:
        data.close()
    assert document.sections[0].id == "spm" and document.sections[0].title == "Summary for policy makers"
    spm_rows = document.sections[0].blocks[1].rows
    assert [row[0] for row in spm_rows] == ["Finding 1", "Finding 2"]
    assert spm_rows[0][2] == "very high" and spm_rows[0][3] == "very likely (90–100 %)"
    assert spm_rows[1][2] == "low" and spm_rows[1][3] == "—" and spm_rows[1][4] == "Money home"
    boxes = [b for s in document.sections for b in s.blocks if isinstance(b, FindingBox)]
    assert [b.citations for b in boxes] == [[1, 2], [2]], "a record cited twice keeps its number"
    references = document.section("references").blocks[0].items
    assert "Lopez, Ana (2020). Remittances to Aland." in references[0][0] and "Women migrants" in references[1][0]
    page = render.to_html(document)
    assert f'data-finding="{ids["robust"]}"' in page and 'data-confidence="very high"' in page
    assert "{very high confidence}" in page and "very likely (90–100 %)" in page
    markdown = render.to_markdown(document)
    assert "> **Finding 2.** Women lead migration from Bland {low confidence}[2]." in markdown
    payload = json.loads(render.to_json(document))
    assert payload["meta"]["findings"] == [ids["robust"], ids["limited"]]
    kinds = [b["type"] for s in payload["sections"] for b in s["blocks"]]
    assert kinds.count("finding") == 2


def test_a_report_without_findings_has_no_summary_for_policy_makers(home, tmp_path):
    settings, _ = home
    data = ReleaseData.open(settings)
    try:
        document = build_report(data, outline(tmp_path, "# Plain\n\nNo findings here.\n"))
    finally:
        data.close()
    assert [s.id for s in document.sections] == ["ch-plain", "sources"]
    assert "Summary for policy makers" not in render.to_markdown(document)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("::: finding fd-0000000000", "unknown finding 'fd-0000000000'"),
        ("::: finding", "malformed block directive"),
        ("::: finding fd-1 extra=1", "needs exactly one finding id"),
    ],
)
def test_bad_finding_directive_names_file_and_line(home, tmp_path, line, message):
    settings, _ = home
    data = ReleaseData.open(settings)
    try:
        with pytest.raises(ReportError, match=rf"one\.md:3: .*{message}"):
            build_report(data, outline(tmp_path, f"# T\n\n{line}\n"))
    finally:
        data.close()


def test_a_finding_stated_twice_is_refused(home, tmp_path):
    settings, ids = home
    data = ReleaseData.open(settings)
    try:
        with pytest.raises(ReportError, match="one.md:4: .*stated twice"):
            build_report(
                data, outline(tmp_path, f"# T\n::: finding {ids['limited']}\n\n::: finding {ids['limited']}\n")
            )
    finally:
        data.close()


def test_profile_shows_the_findings_about_its_country(home):
    settings, ids = home
    data = ReleaseData.open(settings)
    try:
        aland = country_profile(data, "AAA")
        bland = country_profile(data, "BBB")
    finally:
        data.close()
    boxes = [b for b in aland.section("evidence").blocks if isinstance(b, FindingBox)]
    # Aland: its own record and the corridor BBB-AAA it ends; most confident first; Bland's fisheries are not shown.
    assert [b.id for b in boxes] == [ids["robust"], ids["limited"]]
    assert aland.section("evidence").title == "Findings and related evidence"
    assert boxes[0].references[1].endswith("(contradicts)")
    bland_ids = {b.id for b in bland.section("evidence").blocks if isinstance(b, FindingBox)}
    assert bland_ids == set(ids.values()), "the robust finding cites (against it) a record on the Bland corridor"
    assert "{very high confidence}" in render.to_html(aland)
