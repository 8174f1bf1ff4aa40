"""The policy and practice registry: laws, policies, agreements, effective practices and firewall arrangements."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from observatory.evidence.store import EvidenceStore
from observatory.knowledge.contributions import _country, _listed, problem_text
from observatory.knowledge.directory import theme_id_of, theme_labels
from observatory.knowledge.regions import resolve_region
from observatory.knowledge.review import OPEN_STATES, contributor
from observatory.knowledge.store import KnowledgeStore, now, plain
from observatory.knowledge.vocab import check, label, terms

GCM_OBJECTIVES = range(1, 24)


class Source(BaseModel):
    """The document an entry rests on: every entry cites one."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=3, max_length=400)
    url: AnyHttpUrl | None = None
    publisher: str | None = Field(None, max_length=200)
    published: date | None = None
    quote: str | None = Field(None, max_length=2000)


class PolicyIn(BaseModel):
    """A law, policy, agreement, practice or firewall arrangement as contributed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: str
    title: str = Field(min_length=3, max_length=400)
    country: str | None = None
    region: str | None = None
    adopted: date | None = None
    in_force_from: date | None = None
    ended: date | None = None
    status: str
    gcm: list[int] = Field(default_factory=list, max_length=23)
    themes: list[str] = Field(default_factory=list, max_length=20)
    firewall_kind: str | None = None
    summary: str | None = Field(None, max_length=4000)
    source: Source
    record_ids: list[str] = Field(default_factory=list, max_length=50)
    finding_ids: list[str] = Field(default_factory=list, max_length=50)

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        return check("policies.yml", "kinds", value, "kind")

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        return check("policies.yml", "statuses", value, "status")

    @field_validator("firewall_kind")
    @classmethod
    def _firewall_kind(cls, value: str | None) -> str | None:
        return check("policies.yml", "firewall_kinds", value, "firewall_kind") if value else None

    @field_validator("country", mode="before")
    @classmethod
    def _country(cls, value: Any) -> str | None:
        return _country(value)

    @field_validator("region", mode="before")
    @classmethod
    def _region(cls, value: Any) -> str | None:
        return resolve_region(str(value)) if value else None

    @field_validator("gcm", mode="before")
    @classmethod
    def _gcm(cls, value: Any) -> list[int]:
        numbers = [int(v) for v in _listed(value)] if isinstance(value, str) else [int(v) for v in value or []]
        if any(n not in GCM_OBJECTIVES for n in numbers):
            raise ValueError("gcm: objectives are numbered 1 to 23")
        return sorted(set(numbers))

    @field_validator("themes", mode="before")
    @classmethod
    def _themes(cls, value: Any) -> list[str]:
        return [theme_id_of(v) for v in _listed(value)]

    @model_validator(mode="after")
    def _consistent(self) -> PolicyIn:
        if not self.country and not self.region:
            raise ValueError("country: give the country (or the region) the entry applies to")
        if self.kind == "firewall_arrangement" and not self.firewall_kind:
            raise ValueError("firewall_kind: a firewall arrangement says which service it separates")
        if self.kind != "firewall_arrangement" and self.firewall_kind:
            raise ValueError("firewall_kind: only firewall arrangements have one")
        if self.ended and self.status == "in_force":
            raise ValueError("status: an entry with an end date is not in force")
        return self


def _check_links(evidence: EvidenceStore, entry: PolicyIn) -> None:
    """Linked records and findings must exist in the evidence library."""
    with evidence.connect(read_only=True) as con:
        for rid in entry.record_ids:
            if not con.execute("SELECT 1 FROM records WHERE id = ? AND status = 'public'", [rid]).fetchone():
                raise ValueError("record_ids: no public evidence record with one of these ids")
        for fid in entry.finding_ids:
            if not con.execute("SELECT 1 FROM findings WHERE id = ?", [fid]).fetchone():
                raise ValueError("finding_ids: no finding with one of these ids")


def validate(data: dict[str, Any]) -> PolicyIn:
    """A PolicyIn, or ValueError with 'field: message' for every problem (values are never echoed)."""
    if not isinstance(data, dict) or not data.get("source"):
        raise ValueError("source: every entry cites its source document")
    try:
        return PolicyIn.model_validate(data)
    except ValidationError as error:
        raise ValueError(problem_text(error)) from None


def contribute(store: KnowledgeStore, token: str, data: dict[str, Any], evidence: EvidenceStore) -> str:
    """A contributor's entry: stored as contributed, public only once a reviewer accepts it."""
    who = contributor(token, store)
    entry = validate(data)
    _check_links(evidence, entry)
    basis = f"{entry.kind}|{entry.country or entry.region}|{entry.title.lower()}"
    pid = "po-" + hashlib.sha1(basis.encode()).hexdigest()[:10]
    stamp = now()
    with store.connect() as con:
        if con.execute("SELECT 1 FROM policies WHERE id = ?", [pid]).fetchone():
            raise ValueError("title: an entry of this kind and title is already registered for this place")
        con.execute("BEGIN")
        con.execute(
            "INSERT INTO policies VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'contributed', ?, ?, ?)",
            [pid, entry.kind, entry.title, entry.country, entry.region, entry.adopted, entry.in_force_from,
             entry.ended, entry.status, entry.gcm, entry.themes, entry.firewall_kind, entry.summary,
             json.dumps(plain(entry.source.model_dump(mode="json"))), entry.record_ids, entry.finding_ids, who, stamp,
             stamp],
        )  # fmt: skip
        store.log(con, "policy", pid, "contributed", who, None, entry.model_dump(mode="json"))
        store.bump(con)
        con.execute("COMMIT")
    return pid


def amend(store: KnowledgeStore, token: str, policy_id: str, data: dict[str, Any], evidence: EvidenceStore) -> str:
    """The contributor revises an entry still under review (after changes were requested); history keeps both."""
    who = contributor(token, store)
    entry = validate(data)
    _check_links(evidence, entry)
    with store.connect() as con:
        row = con.execute("SELECT state, submitted_by FROM policies WHERE id = ?", [policy_id]).fetchone()
        if row is None:
            raise KeyError("no policy with that id")
        if row[0] not in OPEN_STATES or row[1] != who:
            raise PermissionError("only the contributor may amend an entry, and only while it is under review")
        con.execute("BEGIN")
        con.execute(
            """UPDATE policies SET kind = ?, title = ?, country = ?, region = ?, adopted = ?, in_force_from = ?,
               ended = ?, status = ?, gcm = ?, themes = ?, firewall_kind = ?, summary = ?, source = ?, record_ids = ?,
               finding_ids = ?, state = 'contributed', updated_at = ? WHERE id = ?""",
            [entry.kind, entry.title, entry.country, entry.region, entry.adopted, entry.in_force_from, entry.ended,
             entry.status, entry.gcm, entry.themes, entry.firewall_kind, entry.summary,
             json.dumps(plain(entry.source.model_dump(mode="json"))), entry.record_ids, entry.finding_ids, now(),
             policy_id],
        )  # fmt: skip
        store.log(con, "policy", policy_id, "amended", who, None, entry.model_dump(mode="json"))
        store.bump(con)
        con.execute("COMMIT")
    return policy_id


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row for people and JSON: labels beside ids, the source parsed, dates as text."""
    out = plain({k: v for k, v in row.items() if k not in ("created_at", "updated_at")})
    out["source"] = json.loads(row["source"])
    out["kind_label"] = label("policies.yml", "kinds", row["kind"])
    out["status_label"] = label("policies.yml", "statuses", row["status"])
    out["firewall_kind_label"] = label("policies.yml", "firewall_kinds", row["firewall_kind"])
    labels = theme_labels()
    out["theme_labels"] = [labels.get(t, t) for t in row["themes"] or []]
    return out


def list_policies(
    store: KnowledgeStore,
    country: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    theme: str | None = None,
    state: str = "published",
) -> list[dict[str, Any]]:
    """Registered entries (published ones by default), filtered by country, kind, status or theme."""
    if kind:
        check("policies.yml", "kinds", kind, "kind")
    if status:
        check("policies.yml", "statuses", status, "status")
    theme_id = theme_id_of(theme) if theme else None
    rows = store.rows(
        """SELECT * FROM policies WHERE state = ? AND (? IS NULL OR country = ?) AND (? IS NULL OR kind = ?)
           AND (? IS NULL OR status = ?) AND (? IS NULL OR list_contains(themes, ?))
           ORDER BY country NULLS LAST, kind, title""",
        [state, country, country, kind, kind, status, status, theme_id, theme_id],
    )
    return [_shown(r) for r in rows]


def get_policy(store: KnowledgeStore, policy_id: str, public: bool = True) -> dict[str, Any] | None:
    """One entry with its full history (None when unknown, or not published and public is asked)."""
    rows = store.rows("SELECT * FROM policies WHERE id = ?", [policy_id])
    if not rows or (public and rows[0]["state"] != "published"):
        return None
    return {**_shown(rows[0]), "history": store.history("policy", policy_id)}


def firewall_map(store: KnowledgeStore) -> list[dict[str, Any]]:
    """Countries with a published firewall arrangement: the kinds recorded and how many entries."""
    rows = store.rows(
        """SELECT country, list(DISTINCT firewall_kind ORDER BY firewall_kind) AS kinds, count(*) AS entries,
                  list(id ORDER BY title) AS ids
           FROM policies WHERE state = 'published' AND kind = 'firewall_arrangement' AND country IS NOT NULL
           GROUP BY country ORDER BY country"""
    )
    names = terms("policies.yml", "firewall_kinds")
    return [{**r, "kind_labels": [names[k]["label"] for k in r["kinds"]]} for r in rows]
