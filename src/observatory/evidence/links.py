"""Evidence for the numbers: records linked to an area, a corridor or an indicator, as plain dicts."""

from __future__ import annotations

from observatory.evidence.store import EvidenceStore

_SELECT = """
SELECT r.id, r.title, r.authors, r.year, r.type, r.venue, r.doi, r.url, max(l.confidence) AS confidence,
       string_agg(DISTINCT l.kind || '=' || l.value || ' (' || l.origin || ')', '; ') AS why,
       list_sort(list(DISTINCT t.value) FILTER (WHERE t.value IS NOT NULL)) AS themes
FROM records r
JOIN effective_labels l ON l.record_id = r.id
LEFT JOIN effective_labels t ON t.record_id = r.id AND t.kind = 'theme'
WHERE r.status = 'public' AND ({where})
GROUP BY r.id, r.title, r.authors, r.year, r.type, r.venue, r.doi, r.url, r.abstract
ORDER BY confidence DESC, (r.abstract IS NOT NULL) DESC, r.year DESC NULLS LAST, r.id
LIMIT ?
"""


def _query(where: str, params: list, limit: int, store: EvidenceStore | None) -> list[dict]:
    """Run the shared linked-records query."""
    store = store or EvidenceStore()
    with store.connect(read_only=True) as con:
        frame = con.execute(_SELECT.format(where=where), [*params, limit]).df()
    out = []
    for row in frame.to_dict("records"):
        row["authors"] = list(row["authors"]) if row["authors"] is not None else []
        row["themes"] = list(row["themes"]) if row["themes"] is not None else []
        row["year"] = None if row["year"] != row["year"] or row["year"] is None else int(row["year"])
        row["confidence"] = round(float(row["confidence"]), 3)
        out.append({k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()})
    return out


def evidence_for_area(iso3: str, limit: int = 20, store: EvidenceStore | None = None) -> list[dict]:
    """Public records about a country (area label, or either end of a corridor), most certain first."""
    iso3 = iso3.upper()
    return _query(
        "(l.kind = 'area' AND l.value = ?) OR (l.kind = 'corridor' AND (l.value LIKE ? OR l.value LIKE ?))",
        [iso3, f"{iso3}-%", f"%-{iso3}"],
        limit,
        store,
    )


def evidence_for_corridor(orig: str, dest: str, limit: int = 20, store: EvidenceStore | None = None) -> list[dict]:
    """Public records about an origin -> destination corridor."""
    return _query("l.kind = 'corridor' AND l.value = ?", [f"{orig.upper()}-{dest.upper()}"], limit, store)


def evidence_for_indicator(indicator_id: str, limit: int = 20, store: EvidenceStore | None = None) -> list[dict]:
    """Public records that inform an indicator (e.g. 'sdg_10_c_1', 'refugees_hosted')."""
    return _query("l.kind = 'indicator' AND l.value = ?", [indicator_id], limit, store)
