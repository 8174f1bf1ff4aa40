"""Publications the dialogue generates: a theme's background paper and a workshop's dialogue record."""

from __future__ import annotations

from typing import Any

from observatory.evidence.findings import list_findings
from observatory.evidence.records import load_vocab
from observatory.evidence.store import EvidenceStore
from observatory.knowledge.dialogues import get_theme, get_workshop
from observatory.knowledge.directory import people_on_themes, theme_labels
from observatory.knowledge.policies import list_policies
from observatory.knowledge.store import KnowledgeStore
from observatory.publish.annex import gaps_section, sources_section
from observatory.publish.data import ReleaseData
from observatory.publish.document import Bullets, Document, FigureTable, Notice, Section, Table, Text

WORLD = "WLD"
PEOPLE_SHOWN = 15
GAP_ROWS = 8


def theme_objectives(evidence_themes: list[str]) -> list[int]:
    """GCM objectives the evidence themes bear on (declared in the evidence theme vocabulary)."""
    declared = {t["id"]: t.get("gcm", []) for t in load_vocab("themes.yml")["themes"]}
    return sorted({int(o) for t in evidence_themes for o in declared.get(t, [])})


def tagged_indicators(data: ReleaseData, objectives: list[int]) -> list[dict[str, Any]]:
    """Indicators of the release tagged with one of the GCM objectives (and the objectives they carry)."""
    wanted = {f"GCM {o}" for o in objectives}
    out = []
    for ind_id, meta in data.indicators.items():
        tags = [t.upper() for t in meta["frameworks"] if t.upper() in wanted]
        if tags:
            out.append({"id": ind_id, "title": meta.get("title", ind_id), "level": meta.get("level"), "tags": tags})
    return out


def _findings_for(evidence: EvidenceStore, store: KnowledgeStore, themes: list[str]) -> list[dict[str, Any]]:
    """Findings whose evidence includes a record labelled with one of the themes."""
    findings = list_findings(evidence)
    if not findings:
        return []
    with evidence.connect(read_only=True) as con:
        refs = con.execute("SELECT finding_id, record_id FROM finding_evidence").fetchall()
    labelled = {
        r["record_id"]
        for r in store.rows(
            "SELECT DISTINCT record_id FROM record_topics WHERE kind = 'theme' AND list_contains(?, value)", [themes]
        )
    }
    relevant = {fid for fid, rid in refs if rid in labelled}
    return [f for f in findings if f["id"] in relevant]


def _gap_rows(evidence: EvidenceStore, themes: list[str]) -> tuple[list[list[Any]], str | None]:
    """The emptiest regions of the gap map for the themes, or the reason the map could not be drawn."""
    from observatory.evidence.gaps import gap_map

    try:
        table = gap_map("region", store=evidence)
    except (OSError, ValueError, KeyError) as error:
        return [], f"the gap map needs the mirror's migrant stock and region files ({type(error).__name__})"
    labels = theme_labels()
    chosen = table[table["theme"].isin(themes)]
    rows = []
    for theme in themes:
        part = chosen[chosen["theme"] == theme].head(GAP_ROWS)
        for row in part.itertuples(index=False):
            rate = getattr(row, "per_million_migrants", None)
            rows.append([labels.get(theme, theme), row.col, int(row.records), "–" if rate is None else f"{rate:.2f}"])
    return rows, None


def background_paper(data: ReleaseData, store: KnowledgeStore, evidence: EvidenceStore, theme_id: str) -> Document:
    """A theme's background paper from the observatory itself: figures, findings, gaps, policies, people."""
    theme = get_theme(store, theme_id)
    if theme is None:
        raise KeyError("no dialogue theme with that id")
    themes = theme["evidence_themes"]
    labels = theme_labels()
    objectives = theme_objectives(themes)
    document = Document(
        kind="background-paper",
        title=f"Background paper: {theme['title']}",
        subtitle=f"Proposed for {theme['year']} by {theme['proposed_by']}; evidence themes: "
        + ", ".join(labels.get(t, t) for t in themes),
        release_id=data.release_id,
        meta={"theme": theme_id, "gcm_objectives": objectives},
    )
    source = theme["source"]
    document.sections.append(
        Section(
            "theme",
            "The theme",
            [
                Text([theme["rationale"]], "lead"),
                Text([f"Status: {theme['status_label']}. Source: {source['title']}."], "small"),
            ],
        )
    )
    indicators = tagged_indicators(data, objectives)
    figures = [data.latest(i["id"], area=WORLD) for i in indicators if i["level"] == "area"]
    blocks: list[Any] = [
        Text(
            [
                f"The theme bears on GCM objectives {', '.join(map(str, objectives)) or '(none declared)'}; "
                f"{len(indicators)} indicators of this release are tagged with them."
            ]
        )
    ]
    if figures:
        blocks.append(FigureTable("World values of the indicators tagged with the theme's objectives", figures))
    if indicators:
        rows = [[i["title"], i["id"], ", ".join(i["tags"]), i["level"] or ""] for i in indicators]
        blocks.append(Table("Indicators tagged with the theme", ["Indicator", "Id", "Objectives", "Level"], rows))
    else:
        blocks.append(Notice("No indicator of this release is tagged with the theme's objectives."))
    document.sections.append(Section("figures", "Key figures and indicators", blocks))

    findings = _findings_for(evidence, store, themes)
    document.sections.append(
        Section(
            "findings",
            "Findings and their confidence",
            [Bullets([[f"{f['statement']} ({f['confidence']} confidence"
                       + (f"; {f['likelihood']}" if f.get("likelihood") else "") + ")"] for f in findings])]
            if findings
            else [Notice("No finding of the evidence library rests on records about these themes yet.")],
        )
    )  # fmt: skip

    gap_rows, gap_reason = _gap_rows(evidence, themes)
    document.sections.append(
        Section(
            "gaps-evidence",
            "Where evidence is thin",
            [
                Text(["Regions with the fewest research records per million international migrants, by theme."]),
                Table("Evidence gaps", ["Theme", "Region", "Records", "Records per million migrants"], gap_rows),
            ]
            if gap_rows
            else [Notice(f"No gap map: {gap_reason or 'no records'}.")],
        )
    )

    policies = [
        p for p in list_policies(store) if set(p["themes"]) & set(themes) or set(p["gcm"] or []) & set(objectives)
    ]
    document.sections.append(
        Section(
            "policies",
            "Policies and practices",
            [
                Table(
                    "Registered policies and practices on the theme",
                    ["Entry", "Kind", "Country or region", "Status", "Source"],
                    [[p["title"], p["kind_label"], p["country"] or p["region"] or "", p["status_label"],
                      p["source"]["title"]] for p in policies],
                )
            ]
            if policies
            else [Notice("No published policy or practice in the registry is tagged with these themes yet.")],
        )
    )  # fmt: skip

    ranked = people_on_themes(store, themes, PEOPLE_SHOWN)
    document.sections.append(
        Section(
            "people",
            "Who works on it",
            [
                Table(
                    "People in the directory with the most records on the theme",
                    ["Name", "Records", "Themes", "Countries studied"],
                    [
                        [p["name"], p["records"], ", ".join(p["theme_labels"]), ", ".join(p["countries"])]
                        for p in ranked
                    ],
                )
            ]
            if ranked
            else [Notice("Nobody in the directory has records on these themes yet.")],
        )
    )
    document.sections.append(gaps_section(document, data))
    document.sections.append(sources_section(document, data))
    return document


def dialogue_record(data: ReleaseData, store: KnowledgeStore, workshop_id: str) -> Document:
    """The dialogue record of a workshop: when and where, who took part, agenda, papers, themes, understandings."""
    workshop = get_workshop(store, workshop_id)
    if workshop is None:
        raise KeyError("no workshop with that id")
    when = workshop["starts"] + (f" to {workshop['ends']}" if workshop["ends"] else "")
    document = Document(
        kind="dialogue-record",
        title=f"Dialogue record: {workshop['title']}",
        subtitle=f"{workshop['place']}, {when} · theme: {workshop['theme']['title']} · {workshop['state_label']}",
        release_id=data.release_id,
        meta={"workshop": workshop_id},
    )
    counted = [[p["label"], p["count"], p.get("note") or ""] for p in workshop["participants"]]
    participation: list[Any] = []
    if workshop["participants_total"] is not None:
        participation.append(Text([f"{workshop['participants_total']} participants."], "lead"))
    if counted:
        participation.append(Table("Participants by kind", ["Kind", "Participants", "Note"], counted))
    if workshop["institutions"]:
        participation.append(Bullets([[i["name"]] for i in workshop["institutions"]]))
    if not participation:
        participation.append(Notice("Participation is not recorded (yet) for this workshop."))
    document.sections.append(Section("participants", "Participants", participation))
    for key, title, empty in (
        ("agenda", "Agenda", "The agenda is not recorded."),
        ("presentations", "Presentations", "No presentation is recorded."),
        ("key_themes", "Key themes", "No key theme is recorded."),
        ("common_understandings", "Common understandings", "No common understanding is recorded."),
    ):
        items = workshop[key]
        document.sections.append(
            Section(key.replace("_", "-"), title, [Bullets([[i] for i in items])] if items else [Notice(empty)])
        )
    paper = workshop["background_paper"]
    document.sections.append(
        Section("paper", "Background paper", [Text([paper])] if paper else [Notice("No background paper recorded.")])
    )
    source = workshop["source"]
    document.sections.append(
        Section(
            "source",
            "Source",
            [Text([source["title"] + (f", paragraphs {source['paragraphs']}" if source.get("paragraphs") else "")])],
        )
    )
    return document
