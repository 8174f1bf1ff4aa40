"""Findings: the IPCC confidence matrix, likelihood terms, Markdown rendering, storage."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from observatory.evidence.findings import (
    LIKELIHOOD,
    EvidenceRef,
    Finding,
    confidence_for,
    finding_markdown,
    likelihood_for,
    list_findings,
    load_finding,
    render_markdown,
    save_finding,
)
from observatory.evidence.records import Record

MATRIX = {
    ("limited", "low"): "very low",
    ("limited", "medium"): "low",
    ("limited", "high"): "medium",
    ("medium", "low"): "low",
    ("medium", "medium"): "medium",
    ("medium", "high"): "high",
    ("robust", "low"): "medium",
    ("robust", "medium"): "high",
    ("robust", "high"): "very high",
}


@pytest.mark.parametrize(("cell", "expected"), MATRIX.items())
def test_confidence_matrix(cell: tuple[str, str], expected: str) -> None:
    assert confidence_for(*cell) == expected


def test_likelihood_scale() -> None:
    assert LIKELIHOOD["virtually certain"] == (99, 100)
    assert LIKELIHOOD["exceptionally unlikely"] == (0, 1)
    assert LIKELIHOOD["likely"] == (66, 100) and LIKELIHOOD["about as likely as not"] == (33, 66)
    assert likelihood_for(99.5) == "virtually certain"
    assert likelihood_for(70) == "likely"
    assert likelihood_for(40) == "about as likely as not"
    assert likelihood_for(3) == "extremely unlikely"
    with pytest.raises(ValueError, match="^probability must be between 0 and 100 %$"):
        likelihood_for(120)


def test_overrides_need_a_reason_and_stay_within_one_level() -> None:
    assert Finding(statement="X holds", evidence="robust", agreement="high").confidence == "very high"
    with pytest.raises(ValidationError, match="a confidence that departs from the matrix needs a confidence_note"):
        Finding(statement="X holds", evidence="robust", agreement="high", confidence="high")
    ok = Finding(
        statement="X holds", evidence="robust", agreement="high", confidence="high", confidence_note="one region only"
    )
    assert ok.confidence == "high"
    with pytest.raises(ValidationError, match="confidence 'high' is more than one level from the matrix value"):
        Finding(statement="X holds", evidence="limited", agreement="low", confidence="high", confidence_note="hunch")
    with pytest.raises(ValidationError, match="a likelihood needs at least medium confidence"):
        Finding(statement="X holds", evidence="limited", agreement="low", likelihood="likely")
    with pytest.raises(ValidationError, match="likelihood must be one of \\['virtually certain'"):
        Finding(statement="X holds", evidence="medium", agreement="high", likelihood="probable")


def test_markdown_rendering() -> None:
    finding = Finding(
        statement="Remittance costs fell in most corridors since 2015.",
        evidence="robust",
        agreement="medium",
        likelihood="very likely",
        references=[EvidenceRef(record_id="a"), EvidenceRef(record_id="b", stance="contradicts")],
    )
    text = render_markdown(
        finding, {"a": {"title": "Costs", "authors": ["Ratha, Dilip"], "year": 2020, "doi": "10.1/x"}}
    )
    first = text.splitlines()[0]
    assert (
        first
        == "Remittance costs fell in most corridors since 2015, *very likely* (90–100 %) {high confidence} [1, 2]."
    )
    assert "1. Ratha, Dilip (2020). Costs. https://doi.org/10.1/x" in text
    assert "2. b. (contradicts)" in text


def test_store_and_show_finding(store) -> None:
    written = store.write_records([Record(title="Drought and emigration", year=2017, doi="10.1000/d")])
    rid = written.ids[0]
    finding = Finding(
        statement="Droughts raise emigration from agrarian countries",
        evidence="medium",
        agreement="medium",
        references=[EvidenceRef(record_id=rid)],
        author="tester",
    )
    fid = save_finding(finding, store)
    assert load_finding(fid, store) == finding
    assert list_findings(store)[0]["confidence"] == "medium"
    assert "{medium confidence} [1]" in finding_markdown(fid, store)
    with pytest.raises(KeyError, match="finding cites unknown record ev-missing"):
        save_finding(
            Finding(
                statement="cites nothing real",
                evidence="limited",
                agreement="low",
                references=[EvidenceRef(record_id="ev-missing")],
            ),
            store,
        )
