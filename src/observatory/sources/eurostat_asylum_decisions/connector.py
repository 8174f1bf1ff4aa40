(
    """Eurostat first-instance asylum decisions by reporting country: one measure per outcome, citizenship group as """
    """category."""
)

from __future__ import annotations

from observatory.sources.context import ParseContext
from observatory.sources.eurostat_asylum_applicants.connector import (
    AGGREGATE_GEO,
    FLAG_NOTE,
    check_members_add_up,
    read,
)

MEASURES = {
    "Total": "eurostat_first_instance_decisions_total",
    "Total positive decisions": "eurostat_first_instance_decisions_positive",
    "Rejected": "eurostat_first_instance_decisions_rejected",
}
CITIZEN_GROUPS = {"Total": "all_citizenships", "Extra-EU-28": "extra_eu28"}


def parse(ctx: ParseContext):
    """Area rows per reporting country and outcome; missing (':') cells give no row."""
    raw = read(ctx, "migr_asydcfsta_2017-04-26.csv", "DECISION")
    ctx.require(raw, "kind IN ('Total', 'Total positive decisions', 'Rejected')", "kind", "a decision outcome")
    ctx.require(raw, "CITIZEN IN ('Total', 'Extra-EU-28')", "CITIZEN", "'Total' or 'Extra-EU-28'")
    check_members_add_up(ctx, raw, "year, CITIZEN, kind")
    outcomes = raw.query(
        "raw",
        """
        SELECT t._file, t._row, t.value AS total, p.value AS positive, r.value AS rejected
        FROM raw t JOIN raw p USING (year, GEO, CITIZEN) JOIN raw r USING (year, GEO, CITIZEN)
        WHERE t.kind = 'Total' AND p.kind = 'Total positive decisions' AND r.kind = 'Rejected'""",
    )
    ctx.require(
        outcomes,
        "total IS NULL OR positive IS NULL OR rejected IS NULL OR abs(positive + rejected - total) <= 10",
        "total",
        "positive + rejected decisions (within Eurostat's rounding)",
    )
    aggregates = ", ".join(f"'{name}'" for name in AGGREGATE_GEO)
    measure = "CASE kind " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in MEASURES.items()) + " END"
    group = "CASE CITIZEN " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in CITIZEN_GROUPS.items()) + " END"
    return [
        raw.filter(f"value IS NOT NULL AND GEO NOT IN ({aggregates})").select(
            f"{measure} AS measure_id, GEO AS area, year, {group} AS category, value, {FLAG_NOTE} AS note, _file, _row"
        )
    ]
