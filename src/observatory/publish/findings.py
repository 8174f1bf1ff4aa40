(
    """Findings in publications: the report's `::: finding ID` directive, its summary for policy makers, and the """
    """findings about a country or corridor in its profile."""
)

from __future__ import annotations

from typing import Any

import duckdb

from observatory.publish.data import PublishError, ReleaseData
from observatory.publish.document import FindingBox, Notice, Section, Table
from observatory.publish.language import text

PROFILE_FINDINGS = 6


def evidence_store(data: ReleaseData):
    """The evidence store of the release's home, or None (no library, or the module is absent)."""
    from observatory.publish.annex import _evidence_store

    return _evidence_store(data)


def finding_box(detail: dict, citations: list[int] | None = None, with_references: bool = False) -> FindingBox:
    """A FindingBox from evidence.findings.finding_detail()."""
    probability = detail.get("probability_range")
    return FindingBox(
        id=detail["id"],
        statement=detail["statement"],
        confidence=detail["confidence"],
        evidence=detail["evidence"],
        agreement=detail["agreement"],
        likelihood=detail.get("likelihood"),
        probability=(int(probability[0]), int(probability[1])) if probability else None,
        confidence_note=detail.get("confidence_note"),
        citations=citations or [],
        references=[
            r["reference"] + (" (contradicts)" if r["stance"] == "contradicts" else "") for r in detail["references"]
        ]
        if with_references
        else [],
    )


def load_detail(data: ReleaseData, finding_id: str, where: str) -> dict:
    """The stored finding for a report directive; PublishError naming the place when it cannot be read."""
    from observatory.evidence.findings import finding_detail

    store = evidence_store(data)
    if store is None:
        raise PublishError(f"{where}: finding {finding_id!r}: no evidence library in this home")
    try:
        return finding_detail(finding_id, store)
    except KeyError:
        raise PublishError(
            f"{where}: unknown finding {finding_id!r} (see `observatory evidence finding list`)"
        ) from None


def summary_for_policy_makers(findings: list[FindingBox]) -> Section:
    """Every finding of a report with its confidence (and likelihood), numbered as in the chapters."""
    rows: list[list[Any]] = [
        [
            box.number,
            box.statement.rstrip(". ") + ".",
            box.confidence,
            f"{box.likelihood} ({box.probability[0]}–{box.probability[1]} %)"
            if box.likelihood and box.probability
            else "—",
            box.chapter,
        ]
        for box in findings
    ]
    return Section(
        "spm",
        "Summary for policy makers",
        [
            Notice(
                "Each finding carries a confidence from the type, amount, quality and consistency of its evidence and "
                "the agreement among it (IPCC guidance, Mastrandrea et al. 2010); a likelihood, where given, is a "
                "calibrated probability range.",
                "info",
            ),
            Table(
                f"The {len(findings)} findings of this report",
                ["#", "Finding", "Confidence", "Likelihood", "Chapter"],
                rows,
                numbered=False,
                css_class="data spm",
            ),
        ],
    )


def finding_blocks(data: ReleaseData, area: str | None = None, corridor: tuple[str, str] | None = None) -> list:
    """Findings about a country (or a corridor), most confident first, with their references ([] when none)."""
    try:
        from observatory.evidence.findings import finding_detail, search_findings
    except ImportError:
        return []
    store = evidence_store(data)
    if store is None:
        return []
    try:
        found = search_findings(area=area, corridor=corridor, store=store, limit=200)
        found.sort(key=lambda f: (-(f["confidence_rank"] or 0), f["id"]))
        details = [finding_detail(f["id"], store) for f in found[:PROFILE_FINDINGS]]
    except (duckdb.Error, OSError):  # the store is being written by an import: publish without it
        return []
    _ = data._
    blocks: list = [finding_box(d, with_references=True) for d in details]
    for number, box in enumerate(blocks, start=1):
        box.number = text(_("Finding %(number)s"), number=number)
    if len(found) > PROFILE_FINDINGS:
        more = text(_("%(count)s more findings in the portal's findings pages."), count=len(found) - PROFILE_FINDINGS)
        blocks.append(Notice(more, "info"))
    return blocks
