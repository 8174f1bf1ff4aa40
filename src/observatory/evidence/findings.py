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


FINDING_COLUMNS = "f.id, f.statement, f.evidence, f.agreement, f.confidence, f.confidence_note, f.likelihood, " + (
    "f.probability_low, f.probability_high, f.author, f.created_at"
)


def _finding_rows(con, where: str = "", params: list | None = None, limit: int = 200) -> list[dict]:
    """Findings (with their number of references) matching a WHERE clause over `f`, oldest first."""
    result = con.execute(
        f"""SELECT {FINDING_COLUMNS}, (SELECT count(*) FROM finding_evidence e WHERE e.finding_id = f.id) AS references
            FROM findings f {where} ORDER BY f.created_at, f.id LIMIT ?""",
        [*(params or []), limit],
    )
    names = [column[0] for column in result.description]
    rows = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    for row in rows:
        row["created_at"] = row["created_at"].isoformat() if row["created_at"] is not None else None
        row["confidence_rank"] = CONFIDENCE_LEVELS.index(row["confidence"]) if row["confidence"] else None
    return rows


def search_findings(
    q: str | None = None,
    *,
    confidence: str | None = None,
    area: str | None = None,
    corridor: tuple[str, str] | None = None,
    limit: int = 100,
    store: EvidenceStore | None = None,
) -> list[dict]:
    """Findings whose statement holds every word of q, at least `confidence`, about an area or a corridor."""
    store = store or EvidenceStore()
    clauses: list[str] = []
    params: list[object] = []
    for word in (q or "").split()[:12]:
        clauses.append("f.statement ILIKE ? ESCAPE '\\'")
        params.append("%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    if confidence is not None:
        if confidence not in CONFIDENCE_LEVELS:
            raise ValueError(f"confidence must be one of {CONFIDENCE_LEVELS}")
        clauses.append("list_position(?, f.confidence) >= ?")
        params += [CONFIDENCE_LEVELS, CONFIDENCE_LEVELS.index(confidence) + 1]
    # A finding is about a place when a record it cites is labelled with that country (or a corridor it is an end
    # of), or with that very corridor.
    about = "f.id IN (SELECT e.finding_id FROM finding_evidence e JOIN effective_labels l USING (record_id) WHERE {})"
    if corridor is not None:
        clauses.append(about.format("l.kind = 'corridor' AND l.value = ?"))
        params.append(f"{corridor[0].upper()}-{corridor[1].upper()}")
    elif area is not None:
        clauses.append(
            about.format(
                "(l.kind = 'area' AND l.value = ?) OR (l.kind = 'corridor' AND list_contains(string_split(l.value, "
                "'-'), ?))"
            )
        )
        params += [area.upper(), area.upper()]
    where = "WHERE " + " AND ".join(clauses) if clauses else ""
    with store.connect(read_only=True) as con:
        return _finding_rows(con, where, params, limit)


def finding_detail(finding_id: str, store: EvidenceStore | None = None) -> dict:
    """A finding with its references resolved (title, year, link, stance), the places they are about, and Markdown."""
    store = store or EvidenceStore()
    with store.connect(read_only=True) as con:
        rows = _finding_rows(con, "WHERE f.id = ?", [finding_id], 1)
        if not rows:
            raise KeyError(f"no finding {finding_id}")
        result = con.execute(
            """SELECT e.record_id, e.stance, r.title, r.year, r.doi, r.url, r.authors, r.venue,
                      (SELECT list(DISTINCT l.value ORDER BY l.value) FROM effective_labels l
                       WHERE l.record_id = e.record_id AND l.kind IN ('area', 'corridor')) AS places
               FROM finding_evidence e LEFT JOIN records r ON r.id = e.record_id
               WHERE e.finding_id = ? ORDER BY e.position""",
            [finding_id],
        )
        names = [column[0] for column in result.description]
        references = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    detail = rows[0]
    for ref in references:
        ref["authors"] = list(ref["authors"] or [])
        ref["places"] = list(ref["places"] or [])
        ref["reference"] = format_reference({**ref, "title": ref["title"] or ref["record_id"]})
        ref["link"] = f"https://doi.org/{ref['doi']}" if ref["doi"] else ref["url"]
    detail["references"] = references
    detail["places"] = sorted({p for ref in references for p in ref["places"]})
    detail["probability_range"] = list(LIKELIHOOD[detail["likelihood"]]) if detail["likelihood"] else None
    detail["markdown"] = render_markdown(
        load_finding(finding_id, store),
        {r["record_id"]: {**r, "title": r["title"] or r["record_id"]} for r in references},
    )
    return detail


def confidence_phrase(finding: dict) -> str:
    """'{high confidence}' or 'likely (66–100 %), {medium confidence}': the calibrated words of a finding."""
    words = f"{{{finding['confidence']} confidence}}"
    if finding.get("likelihood"):
        lo, hi = LIKELIHOOD[finding["likelihood"]]
        words = f"*{finding['likelihood']}* ({lo}–{hi} %), {words}"
    return words
