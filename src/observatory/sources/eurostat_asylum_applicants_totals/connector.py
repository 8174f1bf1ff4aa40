(
    """Eurostat asylum applicants by reporting country: citizenship group as category; EU-28 and Total rows checked, """
    """then excluded."""
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
    "Asylum applicant": "eurostat_asylum_applicants",
    "First time applicant": "eurostat_first_time_asylum_applicants_total",
}
CITIZEN_GROUPS = {"Total": "all_citizenships", "Extra-EU-28": "extra_eu28"}
# EU-28 rows whose member states do not add up in the published extract (listed in source.yml's note).
KNOWN_GAPS = (
    "kind = 'First time applicant' AND ((year = 2012 AND CITIZEN IN ('Total', 'Extra-EU-28')) "
    "OR (year = 2013 AND CITIZEN = 'Total'))"
)


def parse(ctx: ParseContext):
    """Area rows per reporting country; missing (':') cells give no row."""
    raw = read(ctx, "migr_asyappctza_1_Data-2017-05-31-ADDED.csv", "ASYL_APP")
    ctx.require(raw, "kind IN ('Asylum applicant', 'First time applicant')", "kind", "an applicant type")
    ctx.require(raw, "CITIZEN IN ('Total', 'Extra-EU-28')", "CITIZEN", "'Total' or 'Extra-EU-28'")
    check_members_add_up(ctx, raw, "year, CITIZEN, kind", KNOWN_GAPS)
    aggregates = ", ".join(f"'{name}'" for name in AGGREGATE_GEO)
    measure = "CASE kind " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in MEASURES.items()) + " END"
    group = "CASE CITIZEN " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in CITIZEN_GROUPS.items()) + " END"
    return [
        raw.filter(f"value IS NOT NULL AND GEO NOT IN ({aggregates})").select(
            f"{measure} AS measure_id, GEO AS area, year, {group} AS category, value, {FLAG_NOTE} AS note, _file, _row"
        )
    ]
