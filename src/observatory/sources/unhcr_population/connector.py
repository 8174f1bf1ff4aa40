"""UNHCR population table: one row per year × origin (coo_iso) × asylum country (coa_iso), one column per population type."""

from __future__ import annotations

from observatory.sources.context import ParseContext

# source column -> measure id (declared in source.yml)
MEASURES = {
    "refugees": "unhcr_refugees",
    "asylum_seekers": "unhcr_asylum_seekers",
    "returned_refugees": "unhcr_returned_refugees",
    "idps": "unhcr_idps",
    "returned_idps": "unhcr_returned_idps",
    "stateless": "unhcr_stateless",
    "ooc": "unhcr_ooc",
    "oip": "unhcr_oip",
    "hst": "unhcr_host_community",
}


def parse(ctx: ParseContext):
    """One relation per population type; empty cells (not collected) give no row, zeros are kept."""
    columns = {"year": "INTEGER", "coo_iso": "VARCHAR", "coa_iso": "VARCHAR"} | {column: "DOUBLE" for column in MEASURES}
    # Only the empty cell means NA in these conversions; 'NA' is never a value here but would be Namibia's ISO2.
    raw = ctx.read_csv("population.csv", columns=columns, na_values=("",))
    ctx.require(raw, "coo_iso IS NOT NULL AND coa_iso IS NOT NULL", "coo_iso", "an ISO3 origin and asylum code")
    return [
        raw.filter(f"{column} IS NOT NULL").select(
            f"'{measure}' AS measure_id, coo_iso AS origin, coa_iso AS destination, year, {column} AS value, _file, _row"
        )
        for column, measure in MEASURES.items()
    ]
