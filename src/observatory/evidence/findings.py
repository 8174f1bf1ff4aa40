"""Findings with calibrated confidence (IPCC AR5/AR6 guidance, Mastrandrea et al. 2010) and their Markdown form."""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import cast

from pydantic import BaseModel, Field, model_validator

from observatory.evidence.store import EvidenceStore, now


class Evidence(StrEnum):
    """Type, amount, quality and consistency of evidence."""

    limited = "limited"
    medium = "medium"
    robust = "robust"


class Agreement(StrEnum):
    """Degree of agreement among the evidence."""

    low = "low"
    medium = "medium"
    high = "high"


CONFIDENCE_LEVELS = ["very low", "low", "medium", "high", "very high"]

# The confidence matrix (Mastrandrea et al. 2010, fig. 1): confidence rises towards robust evidence and high
# agreement; each step along either axis moves it one level.
CONFIDENCE_MATRIX = {(e, a): CONFIDENCE_LEVELS[i + j] for i, e in enumerate(Evidence) for j, a in enumerate(Agreement)}

# Calibrated likelihood language (Mastrandrea et al. 2010, table 1): term -> probability range (inclusive, %).
LIKELIHOOD = {
    "virtually certain": (99, 100),
    "extremely likely": (95, 100),
    "very likely": (90, 100),
    "likely": (66, 100),
    "more likely than not": (50, 100),
    "about as likely as not": (33, 66),
    "unlikely": (0, 33),
    "very unlikely": (0, 10),
    "extremely unlikely": (0, 5),
    "exceptionally unlikely": (0, 1),
}


def confidence_for(evidence: Evidence | str, agreement: Agreement | str) -> str:
    """Confidence term from the evidence x agreement matrix."""
    return CONFIDENCE_MATRIX[(Evidence(evidence), Agreement(agreement))]


def likelihood_for(probability: float) -> str:
    """Narrowest likelihood term whose range contains a probability given in percent (0-100)."""
    if not 0 <= probability <= 100:
        raise ValueError("probability must be between 0 and 100 %")
    fitting = [(hi - lo, term) for term, (lo, hi) in LIKELIHOOD.items() if lo <= probability <= hi]
    return min(fitting)[1]


class EvidenceRef(BaseModel):
    """A record cited by a finding, supporting or contradicting it."""

    record_id: str
    stance: str = Field(default="supports", pattern="^(supports|contradicts)$")


class Finding(BaseModel):
    """A statement, the evidence behind it, and its calibrated confidence (and optional likelihood)."""

    statement: str = Field(min_length=3)
    evidence: Evidence
    agreement: Agreement
    references: list[EvidenceRef] = Field(default_factory=list)
    confidence: str | None = None
    confidence_note: str | None = None
    likelihood: str | None = None
    author: str | None = None
    id: str | None = None

    @model_validator(mode="after")
    def _calibrate(self) -> Finding:
        default = confidence_for(self.evidence, self.agreement)
        if self.confidence is None:
            self.confidence = default
        elif self.confidence not in CONFIDENCE_LEVELS:
            raise ValueError(f"confidence must be one of {CONFIDENCE_LEVELS}")
        elif abs(CONFIDENCE_LEVELS.index(self.confidence) - CONFIDENCE_LEVELS.index(default)) > 1:
            raise ValueError(f"confidence {self.confidence!r} is more than one level from the matrix value {default!r}")
        elif self.confidence != default and not self.confidence_note:
            raise ValueError("a confidence that departs from the matrix needs a confidence_note saying why")
        if self.likelihood is not None and self.likelihood not in LIKELIHOOD:
            raise ValueError(f"likelihood must be one of {list(LIKELIHOOD)}")
        if self.likelihood is not None and self.confidence in ("very low", "low"):
            raise ValueError(
                "a likelihood needs at least medium confidence (AR5 guidance: quantify only with enough evidence)"
            )
        if self.id is None:
            self.id = "fd-" + hashlib.sha1(self.statement.encode()).hexdigest()[:10]
        return self

    def probability_range(self) -> tuple[int, int] | None:
        """Probability range (%) of the likelihood term, if any."""
        return LIKELIHOOD[self.likelihood] if self.likelihood else None


def render_markdown(finding: Finding, records: dict[str, dict] | None = None, start: int = 1) -> str:
    """The finding as Markdown: statement, *likelihood* (range), {confidence} and numbered references."""
    text = finding.statement.rstrip(". ")
    if finding.likelihood:
        lo, hi = LIKELIHOOD[finding.likelihood]
        text += f", *{finding.likelihood}* ({lo}–{hi} %)"
    numbers = list(range(start, start + len(finding.references)))
    cites = ", ".join(str(n) for n in numbers)
    text += f" {{{finding.confidence} confidence}}" + (f" [{cites}]." if cites else ".")
    lines = [text, "", f"Evidence: {finding.evidence.value}; agreement: {finding.agreement.value}."]
    if finding.confidence_note:
        lines.append(f"Confidence note: {finding.confidence_note}")
    if finding.references:
        lines.append("")
        for n, ref in zip(numbers, finding.references, strict=True):
            rec = (records or {}).get(ref.record_id) or {"title": ref.record_id}
            lines.append(f"{n}. {format_reference(rec)}" + (" (contradicts)" if ref.stance == "contradicts" else ""))
    return "\n".join(lines) + "\n"


def format_reference(rec: dict) -> str:
    """A short reference: authors (year). Title. Venue. DOI or URL."""
    authors = rec.get("authors") or []
    who = ", ".join(authors[:3]) + (" et al." if len(authors) > 3 else "")
    parts = [f"{who} ({rec['year']})." if who and rec.get("year") else (f"({rec['year']})." if rec.get("year") else "")]
    parts.append(f"{rec['title']}.")
    if rec.get("venue"):
        parts.append(f"*{rec['venue']}*.")
    if rec.get("doi"):
        parts.append(f"https://doi.org/{rec['doi']}")
    elif rec.get("url"):
        parts.append(rec["url"])
    return " ".join(p for p in parts if p)


def save_finding(finding: Finding, store: EvidenceStore | None = None) -> str:
    """Store (or replace) a finding and its references; every cited record must exist."""
    store = store or EvidenceStore()
    with store.connect() as con:
        for ref in finding.references:
            if not con.execute("SELECT 1 FROM records WHERE id = ?", [ref.record_id]).fetchone():
                raise KeyError(f"finding cites unknown record {ref.record_id}")
        lo, hi = finding.probability_range() or (None, None)
        con.execute("BEGIN")
        con.execute("DELETE FROM findings WHERE id = ?", [finding.id])
        con.execute("DELETE FROM finding_evidence WHERE finding_id = ?", [finding.id])
        con.execute(
            "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                finding.id,
                finding.statement,
                finding.evidence.value,
                finding.agreement.value,
                finding.confidence,
                finding.confidence_note,
                finding.likelihood,
                lo,
                hi,
                finding.author,
                now(),
            ],
        )
        for pos, ref in enumerate(finding.references):
            con.execute(
                "INSERT INTO finding_evidence VALUES (?, ?, ?, ?)", [finding.id, ref.record_id, ref.stance, pos]
            )
        con.execute("COMMIT")
        store.bump(con)
    return cast(str, finding.id)


def load_finding(finding_id: str, store: EvidenceStore | None = None) -> Finding:
    """A stored finding by id."""
    store = store or EvidenceStore()
    with store.connect(read_only=True) as con:
        row = con.execute(
            "SELECT id, statement, evidence, agreement, confidence, confidence_note, likelihood, author FROM findings "
            "WHERE id = ?",
            [finding_id],
        ).fetchone()
        if row is None:
            raise KeyError(f"no finding {finding_id}")
        refs = con.execute(
            "SELECT record_id, stance FROM finding_evidence WHERE finding_id = ? ORDER BY position", [finding_id]
        ).fetchall()
    keys = ["id", "statement", "evidence", "agreement", "confidence", "confidence_note", "likelihood", "author"]
    return Finding(
        **dict(zip(keys, row, strict=True)), references=[EvidenceRef(record_id=r, stance=s) for r, s in refs]
    )


def list_findings(store: EvidenceStore | None = None) -> list[dict]:
    """All findings with their confidence and number of references."""
    store = store or EvidenceStore()
    with store.connect(read_only=True) as con:
        frame = con.execute(
            """SELECT f.id, f.statement, f.evidence, f.agreement, f.confidence, f.likelihood, count(e.record_id) AS """
            """references
               FROM findings f LEFT JOIN finding_evidence e ON e.finding_id = f.id GROUP BY f.id, f.statement, """
            """f.evidence, f.agreement, f.confidence, f.likelihood, f.created_at ORDER BY f.created_at, f.id"""
        ).df()
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def finding_markdown(finding_id: str, store: EvidenceStore | None = None) -> str:
    """Render a stored finding with its references resolved from the store."""
    store = store or EvidenceStore()
    finding = load_finding(finding_id, store)
    records = {ref.record_id: store.get(ref.record_id) for ref in finding.references}
    return render_markdown(finding, {k: v for k, v in records.items() if v})
