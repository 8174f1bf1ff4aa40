"""Directory entries contributed, imported (CSV/JSON) and disambiguated (merge and split proposals, reviewed)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from observatory.knowledge.directory import institution_id, theme_id_of
from observatory.knowledge.identifiers import normalise_orcid, normalise_ror
from observatory.knowledge.names import compatible_given, fold, parse_name, person_id
from observatory.knowledge.regions import country_codes, resolve_region
from observatory.knowledge.review import contributor, reviewer
from observatory.knowledge.store import KnowledgeStore, now

MAX_IMPORT_BYTES = 10 * 2**20
MAX_IMPORT_ROWS = 50_000
LIST_SEPARATOR = ";"


def _country(value: str | None) -> str | None:
    """An ISO3 country code, upper-cased; ValueError naming the field."""
    if value in (None, ""):
        return None
    code = str(value).strip().upper()
    if code not in country_codes():
        raise ValueError("country: not an ISO 3166 alpha-3 code")
    return code


def _listed(value: Any) -> list[str]:
    """A list from a list or a ';'-separated string (CSV cells)."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(LIST_SEPARATOR) if v.strip()]
    return [str(v).strip() for v in value if str(v).strip()]


class EntryIn(BaseModel):
    """Fields people and institutions share: country, expertise (evidence themes) and regions of work."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=2, max_length=200)
    country: str | None = None
    expertise: list[str] = Field(default_factory=list, max_length=20)
    regions: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("country", mode="before")
    @classmethod
    def _check_country(cls, value: Any) -> str | None:
        return _country(value)

    @field_validator("expertise", mode="before")
    @classmethod
    def _check_expertise(cls, value: Any) -> list[str]:
        return [theme_id_of(v) for v in _listed(value)]

    @field_validator("regions", mode="before")
    @classmethod
    def _check_regions(cls, value: Any) -> list[str]:
        return [resolve_region(v) for v in _listed(value)]


class PersonIn(EntryIn):
    """A person contributed or imported into the directory."""

    orcid: str | None = None
    affiliations: list[str] = Field(default_factory=list, max_length=10, description="Institution ids or ROR ids.")

    @field_validator("orcid", mode="before")
    @classmethod
    def _check_orcid(cls, value: Any) -> str | None:
        return normalise_orcid(str(value)) if value not in (None, "") else None

    @field_validator("affiliations", mode="before")
    @classmethod
    def _split_affiliations(cls, value: Any) -> list[str]:
        return _listed(value)


class InstitutionIn(EntryIn):
    """An institution contributed or imported into the directory."""

    ror: str | None = None
    kind: str | None = Field(None, max_length=60)

    @field_validator("ror", mode="before")
    @classmethod
    def _check_ror(cls, value: Any) -> str | None:
        return normalise_ror(str(value)) if value not in (None, "") else None


def problem_text(error: ValidationError) -> str:
    """Validation errors as 'field: message', without the values sent."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item.get("loc", ()))
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(message if message.startswith(f"{where}:") else f"{where}: {message}")
    return "; ".join(parts)


def _insert_person(con, store: KnowledgeStore, entry: PersonIn, origin: str, state: str, who: str) -> str:
    """Write a person (and their name key and affiliations) inside an open transaction; returns the id."""
    parsed = parse_name(entry.name)
    if parsed is None:
        raise ValueError("name: not a person's name")
    key = parsed.key
    known = con.execute("SELECT person_id FROM person_names WHERE name_key = ?", [key]).fetchone()
    if entry.orcid:
        holder = con.execute("SELECT id FROM people WHERE orcid = ? AND merged_into IS NULL", [entry.orcid]).fetchone()
        if holder and (known is None or holder[0] != known[0]):
            raise ValueError("orcid: already recorded for another person in the directory")
    stamp = now()
    if known:
        pid = known[0]
        con.execute(
            """UPDATE people SET orcid = coalesce(?, orcid), country = coalesce(?, country),
               expertise = list_distinct(list_concat(expertise, ?)), regions = list_distinct(list_concat(regions, ?)),
               updated_at = ? WHERE id = ?""",
            [entry.orcid, entry.country, entry.expertise, entry.regions, stamp, pid],
        )
        action = "amended"
    else:
        pid = person_id(key)
        con.execute(
            "INSERT INTO people VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
            [
                pid,
                parsed.display,
                parsed.family,
                parsed.given,
                entry.orcid,
                entry.country,
                entry.expertise,
                entry.regions,
                origin,
                state,
                who,
                stamp,
                stamp,
            ],
        )
        con.execute("INSERT INTO person_names VALUES (?, ?, ?)", [key, pid, parsed.display])
        action = "contributed" if state == "contributed" else "imported"
    for ref in entry.affiliations:
        iid = _institution_ref(con, ref)
        con.execute("DELETE FROM affiliations WHERE person_id = ? AND institution_id = ?", [pid, iid])
        con.execute("INSERT INTO affiliations VALUES (?, ?, NULL)", [pid, iid])
    store.log(con, "person", pid, action, who, None, entry.model_dump())
    return pid


def _institution_ref(con, ref: str) -> str:
    """The id of an institution named by its directory id or its ROR id; ValueError naming the field."""
    row = con.execute("SELECT id FROM institutions WHERE id = ? OR ror = ?", [ref, ref.lower()]).fetchone()
    if row is None:
        raise ValueError("affiliations: no institution with that id or ROR id in the directory")
    return row[0]


def _insert_institution(con, store: KnowledgeStore, entry: InstitutionIn, origin: str, state: str, who: str) -> str:
    """Write an institution inside an open transaction (one per ROR id or name); returns the id."""
    row = None
    if entry.ror:
        row = con.execute("SELECT id FROM institutions WHERE ror = ?", [entry.ror]).fetchone()
    iid = row[0] if row else institution_id(entry.name)
    stamp = now()
    if con.execute("SELECT 1 FROM institutions WHERE id = ?", [iid]).fetchone():
        con.execute(
            """UPDATE institutions SET ror = coalesce(?, ror), country = coalesce(?, country), kind = coalesce(?, kind),
               expertise = list_distinct(list_concat(expertise, ?)), regions = list_distinct(list_concat(regions, ?)),
               updated_at = ? WHERE id = ?""",
            [entry.ror, entry.country, entry.kind, entry.expertise, entry.regions, stamp, iid],
        )
        action = "amended"
    else:
        con.execute(
            "INSERT INTO institutions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                iid,
                entry.name,
                entry.ror,
                entry.country,
                entry.kind,
                entry.expertise,
                entry.regions,
                origin,
                state,
                who,
                stamp,
                stamp,
            ],
        )
        action = "contributed" if state == "contributed" else "imported"
    store.log(con, "institution", iid, action, who, None, entry.model_dump())
    return iid


def contribute(store: KnowledgeStore, token: str, entity: str, data: dict[str, Any]) -> str:
    """A contributor's new person or institution; it stays out of the public directory until a reviewer accepts."""
    who = contributor(token, store)
    model = PersonIn if entity == "person" else InstitutionIn
    try:
        entry = model.model_validate(data)
    except ValidationError as error:
        raise ValueError(problem_text(error)) from None
    with store.connect() as con:
        con.execute("BEGIN")
        if entity == "person":
            eid = _insert_person(con, store, entry, "contribution", "contributed", who)  # type: ignore[arg-type]
        else:
            eid = _insert_institution(con, store, entry, "contribution", "contributed", who)  # type: ignore[arg-type]
        store.bump(con)
        con.execute("COMMIT")
    return eid


@dataclass
class ImportReport:
    """What a directory import did: entries written, and every refused record with its number and reason."""

    file: str
    read: int = 0
    written: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return {"file": self.file, "read": self.read, "written": self.written, "errors": self.errors}


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a CSV (header row) or JSON (a list of objects) file, within the size and row limits."""
    if path.stat().st_size > MAX_IMPORT_BYTES:
        raise ValueError(f"file is larger than {MAX_IMPORT_BYTES // 2**20} MiB")
    text = path.read_bytes().decode("utf-8-sig")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        if not isinstance(data, list):
            raise ValueError("a JSON import is a list of objects")
        rows = data
    else:
        rows = list(csv.DictReader(io.StringIO(text)))
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValueError(f"more than {MAX_IMPORT_ROWS} records")
    return rows


def import_entries(store: KnowledgeStore, path: Path | str, entity: str, who: str = "import") -> ImportReport:
    """Import people or institutions; good records are written, each bad one is reported (record number, field)."""
    path = Path(path)
    model = PersonIn if entity == "person" else InstitutionIn
    report = ImportReport(file=path.name)
    rows = read_rows(path)
    report.read = len(rows)
    with store.connect() as con:
        for number, row in enumerate(rows, 1):
            if not isinstance(row, dict):
                report.errors.append({"record": number, "error": "not an object"})
                continue
            clean = {k: v for k, v in row.items() if k is not None and v not in (None, "")}
            try:
                entry = model.model_validate(clean)
                con.execute("BEGIN")
                if entity == "person":
                    _insert_person(con, store, entry, f"import:{path.name}", "published", who)  # type: ignore[arg-type]
                else:
                    _insert_institution(con, store, entry, f"import:{path.name}", "published", who)  # type: ignore[arg-type]
                con.execute("COMMIT")
                report.written += 1
            except ValidationError as error:
                report.errors.append({"record": number, "error": problem_text(error)})
            except ValueError as error:
                con.execute("ROLLBACK")
                report.errors.append({"record": number, "error": str(error)})
        store.bump(con)
    return report


def merge_candidates(store: KnowledgeStore, limit: int = 100) -> list[dict[str, Any]]:
    """Pairs of people who may be one person, with the reason: same family name, compatible given names."""
    people = store.rows(
        "SELECT id, name, family, given, orcid FROM people WHERE merged_into IS NULL AND state = 'published' "
        "AND family IS NOT NULL"
    )
    rejected = {
        tuple(sorted(r["subjects"]))
        for r in store.rows("SELECT subjects FROM proposals WHERE kind = 'merge' AND state IN ('rejected', 'pending')")
    }
    coauthors: dict[str, set[str]] = {}
    for r in store.rows(
        """SELECT pn.person_id, other.person_id AS coauthor FROM authorships a JOIN person_names pn USING (name_key)
           JOIN authorships b ON b.record_id = a.record_id AND b.name_key <> a.name_key
           JOIN person_names other ON other.name_key = b.name_key"""
    ):
        coauthors.setdefault(r["person_id"], set()).add(r["coauthor"])
    by_family: dict[str, list[dict]] = {}
    for p in people:
        by_family.setdefault(fold(p["family"]), []).append(p)
    found: list[dict[str, Any]] = []
    for group in by_family.values():
        if len(group) < 2 or len(group) > 40:  # very common family names need more than names to propose a merge
            continue
        for a, b in combinations(sorted(group, key=lambda p: p["id"]), 2):
            if a["orcid"] and b["orcid"] and a["orcid"] != b["orcid"]:
                continue
            name_a, name_b = parse_name(f"{a['family']}, {a['given']}"), parse_name(f"{b['family']}, {b['given']}")
            why = compatible_given(name_a, name_b) if name_a and name_b else None
            if why is None or tuple(sorted((a["id"], b["id"]))) in rejected:
                continue
            shared = len(coauthors.get(a["id"], set()) & coauthors.get(b["id"], set()))
            reason = f"same family name '{a['family']}'; {why}"
            if shared:
                reason += f"; {shared} co-author(s) in common"
            found.append(
                {
                    "people": [a["id"], b["id"]],
                    "names": [a["name"], b["name"]],
                    "reason": reason,
                    "shared_coauthors": shared,
                }
            )
    found.sort(key=lambda c: (-c["shared_coauthors"], c["names"]))
    return found[:limit]


def propose(
    store: KnowledgeStore, token: str, kind: str, subjects: list[str], reason: str, names: list[str] | None = None
) -> str:
    """A merge (subjects: person kept, person absorbed) or split (subject; names moved out) waiting for review."""
    who = contributor(token, store)
    if kind not in ("merge", "split"):
        raise ValueError("kind: must be merge or split")
    if not reason.strip():
        raise ValueError("reason: a proposal says why")
    wanted = 2 if kind == "merge" else 1
    if len(subjects) != wanted or len(set(subjects)) != wanted:
        raise ValueError(f"people: a {kind} names {wanted} distinct person id(s)")
    for pid in subjects:
        if not store.rows("SELECT 1 FROM people WHERE id = ? AND merged_into IS NULL", [pid]):
            raise KeyError("no current person with that id")
    payload: dict[str, Any] = {}
    if kind == "split":
        variants = {
            r["display"]: r["name_key"]
            for r in store.rows("SELECT display, name_key FROM person_names WHERE person_id = ?", subjects)
        }
        moved = [variants[n] for n in names or [] if n in variants]
        if not moved or len(moved) != len(names or []) or len(moved) >= len(variants):
            raise ValueError("names: give some, not all, of the person's name variants to move to a new entry")
        payload["name_keys"] = moved
    pid = "pr-" + hashlib.sha1(f"{kind}|{subjects}|{payload}|{now().isoformat()}".encode()).hexdigest()[:10]
    with store.connect() as con:
        con.execute("BEGIN")
        con.execute(
            "INSERT INTO proposals VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, NULL, NULL)",
            [pid, kind, subjects, reason.strip()[:1000], json.dumps(payload), who, now()],
        )
        for subject in subjects:
            store.log(con, "person", subject, f"{kind} proposed", who, reason.strip()[:1000])
        store.bump(con)
        con.execute("COMMIT")
    return pid


def decide(store: KnowledgeStore, token: str, proposal_id: str, decision: str, comment: str | None = None) -> str:
    """A reviewer accepts (the merge or split is applied, with history) or rejects a proposal; returns its state."""
    who = reviewer(token, store)
    if decision not in ("accept", "reject"):
        raise ValueError("decision: must be accept or reject")
    with store.connect() as con:
        row = con.execute(
            "SELECT kind, subjects, payload, state, proposed_by FROM proposals WHERE id = ?", [proposal_id]
        ).fetchone()
        if row is None:
            raise KeyError("no proposal with that id")
        kind, subjects, payload, state, proposer = row
        if state != "pending":
            raise ValueError(f"this proposal is {state}, not pending")
        if proposer == who:
            raise PermissionError("reviewers cannot decide their own proposals")
        new_state = "accepted" if decision == "accept" else "rejected"
        con.execute("BEGIN")
        if decision == "accept" and kind == "merge":
            keep, absorb = subjects
            con.execute("UPDATE person_names SET person_id = ? WHERE person_id = ?", [keep, absorb])
            con.execute("UPDATE people SET merged_into = ?, updated_at = ? WHERE id = ?", [keep, now(), absorb])
            con.execute("UPDATE affiliations SET person_id = ? WHERE person_id = ?", [keep, absorb])
            store.log(con, "person", keep, "merged", who, comment, {"absorbed": absorb, "proposal": proposal_id})
            store.log(con, "person", absorb, "merged into", who, comment, {"into": keep, "proposal": proposal_id})
        elif decision == "accept":
            (source,) = subjects
            keys = json.loads(payload)["name_keys"]
            display = con.execute("SELECT display FROM person_names WHERE name_key = ?", [keys[0]]).fetchone()[0]  # type: ignore[index]  # the keys were read from this table
            parsed = parse_name(display)
            new_id = person_id(keys[0] + "|split")
            previous = con.execute("SELECT id FROM people WHERE id = ?", [new_id]).fetchone()
            if previous:  # split again after a merge: the entry comes back
                con.execute("UPDATE people SET merged_into = NULL, updated_at = ? WHERE id = ?", [now(), new_id])
            else:
                con.execute(
                    "INSERT INTO people (id, name, family, given, origin, state, created_at, updated_at, expertise, "
                    "regions) VALUES (?, ?, ?, ?, 'split', 'published', ?, ?, [], [])",
                    [
                        new_id,
                        display,
                        parsed.family if parsed else None,
                        parsed.given if parsed else None,
                        now(),
                        now(),
                    ],
                )
            con.execute("UPDATE person_names SET person_id = ? WHERE list_contains(?, name_key)", [new_id, keys])
            store.log(con, "person", source, "split", who, comment, {"new_person": new_id, "proposal": proposal_id})
            store.log(con, "person", new_id, "split from", who, comment, {"from": source, "proposal": proposal_id})
        else:
            for subject in subjects:
                store.log(con, "person", subject, f"{kind} rejected", who, comment)
        con.execute(
            "UPDATE proposals SET state = ?, decided_by = ?, decided_at = ? WHERE id = ?",
            [new_state, who, now(), proposal_id],
        )
        store.bump(con)
        con.execute("COMMIT")
    return new_state


def proposals(store: KnowledgeStore, state: str | None = "pending") -> list[dict[str, Any]]:
    """Merge and split proposals (pending ones by default), oldest first."""
    rows = store.rows(
        "SELECT id, kind, subjects, reason, state, proposed_by, created_at, decided_by FROM proposals "
        "WHERE ? IS NULL OR state = ? ORDER BY created_at, id",
        [state, state],
    )
    return [{**r, "created_at": r["created_at"].isoformat()} for r in rows]
