"""Dialogues: themes proposed and endorsed or selected by member states, workshops under them, and their record."""

from __future__ import annotations

import json
import re
from datetime import date
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from observatory.knowledge.contributions import _country, problem_text
from observatory.knowledge.directory import theme_id_of, theme_labels
from observatory.knowledge.review import contributor, reviewer
from observatory.knowledge.store import KnowledgeStore, now, plain
from observatory.knowledge.vocab import check, label

SEED_FILE = "idm_2010_2011.yml"
SEED_WHO = "seed: IOM IC/2010/5"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{2,79}$")


class Cited(BaseModel):
    """The document a dialogue record rests on."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    title: str = Field(min_length=3, max_length=400)


class ThemeIn(BaseModel):
    """A theme proposed for a dialogue year, with its rationale."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str
    title: str = Field(min_length=3, max_length=300)
    year: int = Field(ge=1990, le=2100)
    proposed_by: str = Field(min_length=2, max_length=200)
    rationale: str = Field(min_length=3, max_length=4000)
    evidence_themes: list[str] = Field(default_factory=list, max_length=20)
    status: str = "proposed"
    source: Cited

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("id: lower-case letters, digits and hyphens, 3 to 80 characters")
        return value

    @field_validator("evidence_themes", mode="before")
    @classmethod
    def _themes(cls, value: Any) -> list[str]:
        return [theme_id_of(str(v)) for v in value or []]

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        return check("dialogues.yml", "theme_statuses", value, "status")


class Participants(BaseModel):
    """Participants of one kind, counted."""

    model_config = ConfigDict(extra="forbid")

    kind: str
    count: int = Field(ge=0, le=100_000)
    note: str | None = Field(None, max_length=300)

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        return check("dialogues.yml", "participant_kinds", value, "participants.kind")


class WorkshopIn(BaseModel):
    """A workshop under a theme: when, where, agenda, participants, papers, key themes and common understandings."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str
    theme_id: str
    title: str = Field(min_length=3, max_length=300)
    starts: date
    ends: date | None = None
    place: str = Field(min_length=2, max_length=200)
    state: str = "held"
    agenda: list[str] = Field(default_factory=list, max_length=100)
    participants: list[Participants] = Field(default_factory=list, max_length=20)
    participants_total: int | None = Field(None, ge=0, le=100_000)
    institution_ids: list[str] = Field(default_factory=list, max_length=500)
    background_paper: str | None = Field(None, max_length=2000)
    presentations: list[str] = Field(default_factory=list, max_length=200)
    key_themes: list[str] = Field(default_factory=list, max_length=50)
    common_understandings: list[str] = Field(default_factory=list, max_length=50)
    evidence_themes: list[str] = Field(default_factory=list, max_length=20)
    source: Cited

    _slug = field_validator("id")(ThemeIn._slug.__func__)  # type: ignore[attr-defined]
    _themes = field_validator("evidence_themes", mode="before")(ThemeIn._themes.__func__)  # type: ignore[attr-defined]

    @field_validator("state")
    @classmethod
    def _state(cls, value: str) -> str:
        return check("dialogues.yml", "workshop_states", value, "state")

    @model_validator(mode="after")
    def _consistent(self) -> WorkshopIn:
        if self.ends and self.ends < self.starts:
            raise ValueError("ends: a workshop ends on or after its first day")
        counted = sum(p.count for p in self.participants)
        if self.participants_total is not None and self.participants and counted > self.participants_total:
            raise ValueError("participants_total: smaller than the participants counted by kind")
        return self


def _validated(model: type[BaseModel], data: Any) -> Any:
    """A validated model, or ValueError with 'field: message' (values never echoed)."""
    if not isinstance(data, dict) or not data.get("source"):
        raise ValueError("source: every dialogue record cites its source")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ValueError(problem_text(error)) from None


def _write_theme(con, store: KnowledgeStore, entry: ThemeIn, who: str) -> None:
    """Insert a theme inside an open transaction."""
    if con.execute("SELECT 1 FROM dialogue_themes WHERE id = ?", [entry.id]).fetchone():
        raise ValueError("id: a theme with this id is already recorded")
    stamp = now()
    con.execute(
        "INSERT INTO dialogue_themes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [entry.id, entry.title, entry.year, entry.proposed_by, entry.rationale, entry.evidence_themes, entry.status,
         json.dumps(plain(entry.source.model_dump(mode="json"))), who, stamp, stamp],
    )  # fmt: skip
    store.log(con, "theme", entry.id, "proposed", who, None, entry.model_dump(mode="json"))


def _write_workshop(con, store: KnowledgeStore, entry: WorkshopIn, who: str) -> None:
    """Insert a workshop inside an open transaction."""
    if not con.execute("SELECT 1 FROM dialogue_themes WHERE id = ?", [entry.theme_id]).fetchone():
        raise ValueError("theme_id: no dialogue theme with this id")
    if con.execute("SELECT 1 FROM workshops WHERE id = ?", [entry.id]).fetchone():
        raise ValueError("id: a workshop with this id is already recorded")
    for iid in entry.institution_ids:
        if not con.execute("SELECT 1 FROM institutions WHERE id = ?", [iid]).fetchone():
            raise ValueError("institution_ids: no institution with one of these ids in the directory")
    stamp = now()
    con.execute(
        "INSERT INTO workshops VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [entry.id, entry.theme_id, entry.title, entry.starts, entry.ends, entry.place, entry.state, entry.agenda,
         json.dumps([p.model_dump() for p in entry.participants]), entry.participants_total, entry.institution_ids,
         entry.background_paper, entry.presentations, entry.key_themes, entry.common_understandings,
         entry.evidence_themes, json.dumps(plain(entry.source.model_dump(mode="json"))), who, stamp, stamp],
    )  # fmt: skip
    store.log(con, "workshop", entry.id, "recorded", who, None, entry.model_dump(mode="json"))


def propose_theme(store: KnowledgeStore, token: str, data: dict[str, Any]) -> str:
    """A theme proposed by the secretariat or a member (any contributor), with its rationale and source."""
    who = contributor(token, store)
    entry = _validated(ThemeIn, {**data, "status": "proposed"})
    with store.connect() as con:
        con.execute("BEGIN")
        _write_theme(con, store, entry, who)
        store.bump(con)
        con.execute("COMMIT")
    return entry.id


def record_endorsement(
    store: KnowledgeStore, token: str, theme_id: str, member: str, position: str, source: str, note: str | None = None
) -> None:
    """The secretariat (a reviewer) records a member state's position on a proposed theme."""
    who = reviewer(token, store)
    code = _country(member)
    check("dialogues.yml", "endorsement_positions", position, "position")
    if not source or not source.strip():
        raise ValueError("source: an endorsement cites where the member stated it")
    with store.connect() as con:
        if not con.execute("SELECT 1 FROM dialogue_themes WHERE id = ?", [theme_id]).fetchone():
            raise KeyError("no dialogue theme with that id")
        con.execute("BEGIN")
        con.execute(
            "INSERT INTO endorsements VALUES (?, ?, ?, ?, ?, ?, ?)",
            [theme_id, code, position, (note or "")[:1000] or None, source.strip()[:1000], who, now()],
        )
        store.log(con, "theme", theme_id, f"{position} recorded for {code}", who, note)
        store.bump(con)
        con.execute("COMMIT")


def select_theme(store: KnowledgeStore, token: str, theme_id: str, comment: str | None = None) -> None:
    """The membership's selection, recorded by a reviewer: the theme is selected, its year's others are not."""
    who = reviewer(token, store)
    with store.connect() as con:
        row = con.execute("SELECT year FROM dialogue_themes WHERE id = ?", [theme_id]).fetchone()
        if row is None:
            raise KeyError("no dialogue theme with that id")
        con.execute("BEGIN")
        others = [r[0] for r in con.execute(
            "SELECT id FROM dialogue_themes WHERE year = ? AND id <> ? AND status = 'proposed'", [row[0], theme_id]
        ).fetchall()]  # fmt: skip
        con.execute("UPDATE dialogue_themes SET status = 'selected', updated_at = ? WHERE id = ?", [now(), theme_id])
        store.log(con, "theme", theme_id, "selected", who, comment)
        for other in others:
            con.execute(
                "UPDATE dialogue_themes SET status = 'not_selected', updated_at = ? WHERE id = ?", [now(), other]
            )
            store.log(con, "theme", other, "not selected", who, comment)
        store.bump(con)
        con.execute("COMMIT")


def record_workshop(store: KnowledgeStore, token: str, data: dict[str, Any]) -> str:
    """The secretariat (a reviewer) records a workshop under a theme."""
    who = reviewer(token, store)
    entry = _validated(WorkshopIn, data)
    with store.connect() as con:
        con.execute("BEGIN")
        _write_workshop(con, store, entry, who)
        store.bump(con)
        con.execute("COMMIT")
    return entry.id


def load_seed(store: KnowledgeStore) -> dict[str, int]:
    """Load the 2010 workshops and the 2011 theme proposals of IOM IC/2010/5 (once; loading again adds nothing)."""
    text = resources.files("observatory.knowledge").joinpath("seeds", SEED_FILE).read_text(encoding="utf-8")
    seed = yaml.safe_load(text)
    added = {"themes": 0, "workshops": 0}
    with store.connect() as con:
        con.execute("BEGIN")
        for item in seed["themes"]:
            if not con.execute("SELECT 1 FROM dialogue_themes WHERE id = ?", [item["id"]]).fetchone():
                _write_theme(con, store, _validated(ThemeIn, item), SEED_WHO)
                added["themes"] += 1
        for item in seed["workshops"]:
            if not con.execute("SELECT 1 FROM workshops WHERE id = ?", [item["id"]]).fetchone():
                _write_workshop(con, store, _validated(WorkshopIn, item), SEED_WHO)
                added["workshops"] += 1
        store.bump(con)
        con.execute("COMMIT")
    return added


def _theme_shown(row: dict[str, Any]) -> dict[str, Any]:
    """A theme row for people and JSON."""
    labels = theme_labels()
    out = plain({k: v for k, v in row.items() if k not in ("created_at", "updated_at", "submitted_by")})
    out["source"] = json.loads(row["source"])
    out["status_label"] = label("dialogues.yml", "theme_statuses", row["status"])
    out["evidence_theme_labels"] = [labels.get(t, t) for t in row["evidence_themes"] or []]
    return out


def list_themes(store: KnowledgeStore) -> list[dict[str, Any]]:
    """Every dialogue theme, newest year first, with its endorsement tally and number of workshops."""
    rows = store.rows("SELECT * FROM dialogue_themes ORDER BY year DESC, id")
    tallies = store.rows("SELECT theme_id, position, count(*) AS n FROM endorsements GROUP BY ALL")
    workshops = dict(
        (r["theme_id"], r["n"]) for r in store.rows("SELECT theme_id, count(*) AS n FROM workshops GROUP BY ALL")
    )
    out = []
    for row in rows:
        shown = _theme_shown(row)
        shown["endorsements"] = {t["position"]: t["n"] for t in tallies if t["theme_id"] == row["id"]}
        shown["workshops"] = workshops.get(row["id"], 0)
        out.append(shown)
    return out


def get_theme(store: KnowledgeStore, theme_id: str) -> dict[str, Any] | None:
    """A theme with every endorsement, its workshops and its history."""
    rows = store.rows("SELECT * FROM dialogue_themes WHERE id = ?", [theme_id])
    if not rows:
        return None
    endorsements = store.rows(
        "SELECT member, position, note, source, recorded_at FROM endorsements WHERE theme_id = ? "
        "ORDER BY recorded_at, member",
        [theme_id],
    )
    for e in endorsements:
        e["position_label"] = label("dialogues.yml", "endorsement_positions", e["position"])
    return {
        **_theme_shown(rows[0]),
        "endorsement_list": plain(endorsements),
        "workshop_list": [w for w in list_workshops(store) if w["theme_id"] == theme_id],
        "history": store.history("theme", theme_id),
    }


def _workshop_shown(row: dict[str, Any]) -> dict[str, Any]:
    """A workshop row for people and JSON: participants parsed and labelled, dates as text."""
    out = plain({k: v for k, v in row.items() if k not in ("created_at", "updated_at")})
    out["source"] = json.loads(row["source"])
    out["participants"] = [
        {**p, "label": label("dialogues.yml", "participant_kinds", p["kind"])} for p in json.loads(row["participants"])
    ]
    out["state_label"] = label("dialogues.yml", "workshop_states", row["state"])
    labels = theme_labels()
    out["evidence_theme_labels"] = [labels.get(t, t) for t in row["evidence_themes"] or []]
    return out


def list_workshops(store: KnowledgeStore) -> list[dict[str, Any]]:
    """Every workshop, oldest first."""
    return [_workshop_shown(r) for r in store.rows("SELECT * FROM workshops ORDER BY starts, id")]


def get_workshop(store: KnowledgeStore, workshop_id: str) -> dict[str, Any] | None:
    """One workshop with the institutions it names and its history."""
    rows = store.rows("SELECT * FROM workshops WHERE id = ?", [workshop_id])
    if not rows:
        return None
    shown = _workshop_shown(rows[0])
    shown["institutions"] = store.rows(
        "SELECT id, name, ror FROM institutions WHERE list_contains(?, id) ORDER BY name", [rows[0]["institution_ids"]]
    )
    shown["theme"] = _theme_shown(store.rows("SELECT * FROM dialogue_themes WHERE id = ?", [rows[0]["theme_id"]])[0])
    shown["history"] = store.history("workshop", workshop_id)
    return shown
