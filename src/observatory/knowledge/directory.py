"""The research directory: people and institutions derived from the evidence library, and the queries on them."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from observatory.evidence.gazetteer import resolve_country
from observatory.evidence.records import load_vocab, resolve_theme
from observatory.evidence.store import EvidenceStore
from observatory.knowledge.names import fold, parse_name, person_id
from observatory.knowledge.regions import region_members, resolve_region
from observatory.knowledge.store import KnowledgeStore, now

MIN_LABEL_CONFIDENCE = 0.6  # labels below this are too uncertain to say someone works on a theme or place
ISSUING_TYPES = ("legal_decision",)  # records whose venue is the body that issued them (a court, a tribunal)
PUBLIC_STATES = ("published",)
MAX_LIMIT = 200


@dataclass
class SyncReport:
    """What deriving the directory from the evidence library did."""

    records: int = 0
    author_names: int = 0
    unparsed_names: int = 0
    people: int = 0
    people_added: int = 0
    institutions: int = 0
    institutions_added: int = 0
    authorships: int = 0

    def as_dict(self) -> dict[str, int]:
        """Plain dict for JSON output."""
        return asdict(self)


def institution_id(name: str) -> str:
    """Stable id of an institution from its folded name."""
    return "in-" + hashlib.sha1(fold(name).encode()).hexdigest()[:10]


def theme_labels() -> dict[str, str]:
    """Theme id -> label, from the evidence theme vocabulary."""
    return {t["id"]: t["label"] for t in load_vocab("themes.yml")["themes"]}


def sync_from_evidence(store: KnowledgeStore, evidence: EvidenceStore) -> SyncReport:
    """Derive people (from every author of every public record) and issuing institutions; merges are kept."""
    report = SyncReport()
    with evidence.connect(read_only=True) as con:
        records = con.execute("SELECT id, authors, type, venue FROM records WHERE status = 'public'").fetchall()
        labels = con.execute(
            """SELECT l.record_id, l.kind, l.value, l.confidence FROM effective_labels l
               JOIN records r ON r.id = l.record_id
               WHERE r.status = 'public' AND l.kind IN ('theme', 'area', 'corridor', 'region') AND l.confidence >= ?""",
            [MIN_LABEL_CONFIDENCE],
        ).fetchall()
    report.records = len(records)
    authorships: list[tuple[str, str, int]] = []
    displays: dict[str, tuple[str, str, str]] = {}
    issuers: list[tuple[str, str]] = []
    issuer_names: dict[str, str] = {}
    for rid, authors, rtype, venue in records:
        for position, raw in enumerate(authors or [], 1):
            report.author_names += 1
            name = parse_name(raw)
            if name is None:
                report.unparsed_names += 1
                continue
            displays.setdefault(name.key, (name.display, name.family, name.given))
            authorships.append((name.key, rid, position))
        if rtype in ISSUING_TYPES and venue:
            iid = institution_id(venue)
            issuer_names.setdefault(iid, venue)
            issuers.append((iid, rid))
    topics: list[tuple[str, str, str, float]] = []
    for rid, kind, value, confidence in labels:
        if kind == "corridor":  # a corridor's two ends are places the record is about
            topics.extend((rid, "area", end, confidence) for end in value.split("-"))
        else:
            topics.append((rid, kind, value, confidence))
    stamp = now()
    with store.connect() as con:
        known = dict(con.execute("SELECT name_key, person_id FROM person_names").fetchall())
        known_institutions = {r[0] for r in con.execute("SELECT id FROM institutions").fetchall()}
        new_names = [(key, person_id(key), displays[key][0]) for key in displays if key not in known]
        new_people = [
            (pid, displays[key][0], displays[key][1], displays[key][2], "corpus", "published", stamp, stamp)
            for key, pid, _ in new_names
        ]
        new_institutions = [
            (iid, name, resolve_country(name), "issuing_body", "corpus", "published", stamp, stamp)
            for iid, name in issuer_names.items()
            if iid not in known_institutions
        ]
        con.execute("BEGIN")
        if new_names:
            con.executemany("INSERT INTO person_names VALUES (?, ?, ?)", new_names)
            con.executemany(
                "INSERT INTO people (id, name, family, given, origin, state, created_at, updated_at, expertise, "
                "regions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, [], [])",
                new_people,
            )
        if new_institutions:
            con.executemany(
                "INSERT INTO institutions (id, name, country, kind, origin, state, created_at, updated_at, expertise, "
                "regions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, [], [])",
                new_institutions,
            )
        for table, frame in (
            ("authorships", pd.DataFrame(authorships, columns=["name_key", "record_id", "position"])),
            ("record_topics", pd.DataFrame(topics, columns=["record_id", "kind", "value", "confidence"])),
            ("issuers", pd.DataFrame(issuers, columns=["institution_id", "record_id"])),
        ):
            con.execute(f"DELETE FROM {table}")
            con.register("incoming", frame)
            con.execute(f"INSERT INTO {table} SELECT * FROM incoming")
            con.unregister("incoming")
        report.people_added, report.institutions_added = len(new_people), len(new_institutions)
        report.authorships = len(authorships)
        report.people = con.execute(
            "SELECT count(*) FROM people WHERE merged_into IS NULL AND state = 'published'"
        ).fetchone()[0]  # type: ignore[index]
        report.institutions = con.execute("SELECT count(*) FROM institutions WHERE state = 'published'").fetchone()[0]  # type: ignore[index]
        store.log(con, "directory", "sync", "derived", "evidence library", None, report.as_dict())
        store.bump(con)
        con.execute("COMMIT")
    return report


def theme_id_of(text: str) -> str:
    """A theme id from an id, a label or one word of a label ('climate'); ValueError without echoing the text."""
    try:
        return resolve_theme(text[:80])
    except ValueError:
        wanted = fold(text[:80])
        hits = [tid for tid, lab in theme_labels().items() if wanted and wanted in fold(f"{tid} {lab}").split()]
        if len(hits) == 1:
            return hits[0]
    raise ValueError(f"theme: unknown; use one of {', '.join(theme_labels())}")


def _region_filter(region: str | None) -> tuple[str | None, list[str]]:
    """Canonical region name and its ISO3 codes (None, [] without a region)."""
    if not region:
        return None, []
    name = resolve_region(region)
    return name, sorted(region_members()[name])


def find_people(
    store: KnowledgeStore,
    theme: str | None = None,
    region: str | None = None,
    q: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> dict[str, Any]:
    """People who work on a theme in a region (their records, or what they declared), most records first."""
    theme_id = theme_id_of(theme) if theme else None
    region_name, codes = _region_filter(region)
    limit = max(1, min(limit, MAX_LIMIT))
    conditions: list[str] = []
    params: list[Any] = []
    if theme_id:
        conditions.append("SELECT record_id FROM record_topics WHERE kind = 'theme' AND value = ?")
        params.append(theme_id)
    if region_name:
        conditions.append(
            "SELECT record_id FROM record_topics WHERE (kind = 'area' AND list_contains(?, value)) "
            "OR (kind = 'region' AND value = ?)"
        )
        params += [codes, region_name]
    matching = " INTERSECT ".join(conditions) if conditions else "SELECT DISTINCT record_id FROM authorships"
    declared = ["p.merged_into IS NULL", "p.state = 'published'"]
    declared_params: list[Any] = []
    if theme_id:
        declared.append("list_contains(p.expertise, ?)")
        declared_params.append(theme_id)
    if region_name:
        declared.append("(list_contains(p.regions, ?) OR list_contains(?, p.country))")
        declared_params += [region_name, codes]
    name_filter, name_params = "", []
    if q:
        name_filter = "AND contains(lower(strip_accents(p.name)), ?)"
        name_params = [fold(q[:100])]
    sql = f"""
        WITH hits AS ({matching}),
        counted AS (
            SELECT pn.person_id, count(DISTINCT a.record_id) AS records
            FROM authorships a JOIN hits USING (record_id) JOIN person_names pn USING (name_key)
            GROUP BY pn.person_id),
        declared AS (SELECT p.id AS person_id FROM people p WHERE {" AND ".join(declared)})
        SELECT p.id, p.name, p.orcid, p.country, p.origin, coalesce(c.records, 0) AS records,
               d.person_id IS NOT NULL AS declared
        FROM people p LEFT JOIN counted c ON c.person_id = p.id LEFT JOIN declared d ON d.person_id = p.id
        WHERE p.merged_into IS NULL AND p.state = 'published' AND (c.records IS NOT NULL OR d.person_id IS NOT NULL)
          {name_filter}
        ORDER BY records DESC, declared DESC, p.name, p.id"""
    rows = store.rows(sql, [*params, *declared_params, *name_params])
    page = rows[offset : offset + limit]
    _add_places(store, page, theme_id, codes, region_name)
    return {
        "theme": theme_id,
        "region": region_name,
        "total": len(rows),
        "limit": limit,
        "offset": offset,
        "results": page,
    }


def _add_places(
    store: KnowledgeStore, page: list[dict], theme_id: str | None, codes: list[str], region: str | None
) -> None:
    """Say why each person matched: the countries of their matching records."""
    if not page:
        return
    places = store.rows(
        """SELECT pn.person_id, t.value, count(DISTINCT t.record_id) AS n
           FROM person_names pn JOIN authorships a USING (name_key) JOIN record_topics t USING (record_id)
           WHERE list_contains(?, pn.person_id) AND t.kind = 'area'
             AND (? IS NULL OR t.record_id IN (SELECT record_id FROM record_topics WHERE kind = 'theme' AND value = ?))
           GROUP BY ALL ORDER BY n DESC, t.value""",
        [[p["id"] for p in page], theme_id, theme_id],
    )
    by_person: dict[str, list[str]] = {}
    for row in places:
        if not codes or row["value"] in codes:
            by_person.setdefault(row["person_id"], []).append(row["value"])
    for person in page:
        found = by_person.get(person["id"], [])[:5]
        parts = [f"{person['records']} matching record(s)"] if person["records"] else []
        if found:
            parts.append("about " + ", ".join(found))
        if person["declared"]:
            parts.append("declared expertise")
        person["why"] = "; ".join(parts)
        person["countries"] = found


def resolve_person(store: KnowledgeStore, pid: str) -> str | None:
    """The id a person is known under now (following merges), or None."""
    for _ in range(20):  # merges form chains, never cycles; the bound guards against a corrupted file
        row = store.rows("SELECT id, merged_into FROM people WHERE id = ?", [pid])
        if not row:
            return None
        if row[0]["merged_into"] is None:
            return pid
        pid = row[0]["merged_into"]
    return None


def person_page(store: KnowledgeStore, evidence: EvidenceStore, pid: str, public: bool = True) -> dict[str, Any] | None:
    """A person with their name variants, records, themes, places, co-authors, affiliations and history."""
    current = resolve_person(store, pid)
    if current is None:
        return None
    person = store.rows("SELECT * FROM people WHERE id = ?", [current])[0]
    if public and person["state"] not in PUBLIC_STATES:
        return None
    names = store.rows("SELECT name_key, display FROM person_names WHERE person_id = ? ORDER BY display", [current])
    keys = [n["name_key"] for n in names]
    record_ids = [
        r["record_id"]
        for r in store.rows(
            "SELECT DISTINCT record_id FROM authorships WHERE list_contains(?, name_key) ORDER BY record_id", [keys]
        )
    ]
    topics = store.rows(
        "SELECT kind, value, count(DISTINCT record_id) AS n FROM record_topics WHERE list_contains(?, record_id) "
        "AND kind IN ('theme', 'area') GROUP BY ALL ORDER BY n DESC, value",
        [record_ids],
    )
    labels = theme_labels()
    coauthors = store.rows(
        """SELECT pn.person_id AS id, p.name, count(DISTINCT a.record_id) AS shared
           FROM authorships a JOIN person_names pn USING (name_key) JOIN people p ON p.id = pn.person_id
           WHERE list_contains(?, a.record_id) AND pn.person_id <> ?
           GROUP BY ALL ORDER BY shared DESC, p.name LIMIT 30""",
        [record_ids, current],
    )
    affiliations = store.rows(
        "SELECT i.id, i.name, i.ror, a.role FROM affiliations a JOIN institutions i ON i.id = a.institution_id "
        "WHERE a.person_id = ? ORDER BY i.name",
        [current],
    )
    return {
        **{k: v for k, v in person.items() if k not in ("created_at", "updated_at")},
        "names": [n["display"] for n in names],
        "records": _record_rows(evidence, record_ids),
        "themes": [
            {"id": t["value"], "label": labels.get(t["value"], t["value"]), "records": t["n"]}
            for t in topics
            if t["kind"] == "theme"
        ],
        "countries": [{"code": t["value"], "records": t["n"]} for t in topics if t["kind"] == "area"][:15],
        "coauthors": coauthors,
        "affiliations": affiliations,
        "history": store.history("person", current),
        "redirected_from": pid if pid != current else None,
    }


def _record_rows(evidence: EvidenceStore, record_ids: list[str], limit: int = 100) -> list[dict[str, Any]]:
    """Title, year, venue and links of evidence records, newest first."""
    if not record_ids:
        return []
    with evidence.connect(read_only=True) as con:
        cursor = con.execute(
            "SELECT id, title, year, venue, doi, url, type FROM records "
            "WHERE list_contains(?, id) AND status = 'public' "
            "ORDER BY year DESC NULLS LAST, title LIMIT ?",
            [record_ids, limit],
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def institution_page(
    store: KnowledgeStore, evidence: EvidenceStore, iid: str, public: bool = True
) -> dict[str, Any] | None:
    """An institution with its members, the records it issued and its history."""
    rows = store.rows("SELECT * FROM institutions WHERE id = ?", [iid])
    if not rows or (public and rows[0]["state"] not in PUBLIC_STATES):
        return None
    issued = [r["record_id"] for r in store.rows("SELECT record_id FROM issuers WHERE institution_id = ?", [iid])]
    members = store.rows(
        "SELECT p.id, p.name, a.role FROM affiliations a JOIN people p ON p.id = a.person_id "
        "WHERE a.institution_id = ? AND p.merged_into IS NULL ORDER BY p.name",
        [iid],
    )
    return {
        **{k: v for k, v in rows[0].items() if k not in ("created_at", "updated_at")},
        "records_issued": len(issued),
        "records": _record_rows(evidence, issued, limit=20),
        "members": members,
        "history": store.history("institution", iid),
    }


def list_institutions(store: KnowledgeStore, q: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Published institutions with the number of records they issued and of people affiliated."""
    return store.rows(
        """SELECT i.id, i.name, i.ror, i.country, i.kind, i.origin,
                  (SELECT count(*) FROM issuers s WHERE s.institution_id = i.id) AS records_issued,
                  (SELECT count(*) FROM affiliations a WHERE a.institution_id = i.id) AS members
           FROM institutions i WHERE i.state = 'published'
             AND (? IS NULL OR contains(lower(strip_accents(i.name)), ?))
           ORDER BY records_issued DESC, i.name LIMIT ?""",
        [q, fold(q or ""), max(1, min(limit, MAX_LIMIT))],
    )


def counts(store: KnowledgeStore) -> dict[str, int]:
    """How many people, name variants, institutions and authorships the directory holds."""
    row = store.rows(
        """SELECT (SELECT count(*) FROM people WHERE merged_into IS NULL AND state = 'published') AS people,
                  (SELECT count(*) FROM people WHERE merged_into IS NULL AND state = 'published'
                     AND origin = 'corpus') AS people_from_corpora,
                  (SELECT count(*) FROM person_names) AS name_variants,
                  (SELECT count(*) FROM institutions WHERE state = 'published') AS institutions,
                  (SELECT count(*) FROM institutions WHERE state = 'published' AND origin = 'corpus')
                     AS institutions_from_corpora,
                  (SELECT count(*) FROM authorships) AS authorships"""
    )[0]
    return {k: int(v) for k, v in row.items()}


def top_themes(store: KnowledgeStore, person_ids: list[str]) -> dict[str, list[str]]:
    """The three themes each person has most records on."""
    rows = store.rows(
        """SELECT pn.person_id, t.value, count(DISTINCT t.record_id) AS n FROM person_names pn
           JOIN authorships a USING (name_key) JOIN record_topics t USING (record_id)
           WHERE list_contains(?, pn.person_id) AND t.kind = 'theme' GROUP BY ALL ORDER BY n DESC, t.value""",
        [person_ids],
    )
    out: dict[str, Counter] = {}
    for r in rows:
        out.setdefault(r["person_id"], Counter())[r["value"]] = r["n"]
    return {pid: [t for t, _ in c.most_common(3)] for pid, c in out.items()}


def people_on_themes(store: KnowledgeStore, themes: list[str], limit: int = 15) -> list[dict[str, Any]]:
    """People with the most distinct records on any of the themes, with the themes they cover."""
    rows = store.rows(
        """SELECT pn.person_id AS id, p.name, count(DISTINCT t.record_id) AS records,
                  list(DISTINCT t.value ORDER BY t.value) AS themes
           FROM record_topics t JOIN authorships a USING (record_id) JOIN person_names pn USING (name_key)
           JOIN people p ON p.id = pn.person_id
           WHERE t.kind = 'theme' AND list_contains(?, t.value) AND p.state = 'published' AND p.merged_into IS NULL
           GROUP BY ALL ORDER BY records DESC, p.name LIMIT ?""",
        [themes, max(1, min(limit, MAX_LIMIT))],
    )
    places = store.rows(
        """SELECT pn.person_id, t.value, count(DISTINCT t.record_id) AS n FROM person_names pn
           JOIN authorships a USING (name_key) JOIN record_topics t USING (record_id)
           WHERE list_contains(?, pn.person_id) AND t.kind = 'area' GROUP BY ALL ORDER BY n DESC, t.value""",
        [[r["id"] for r in rows]],
    )
    labels = theme_labels()
    for row in rows:
        row["theme_labels"] = [labels.get(t, t) for t in row["themes"]]
        row["countries"] = [p["value"] for p in places if p["person_id"] == row["id"]][:5]
    return rows
