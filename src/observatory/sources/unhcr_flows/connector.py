"""UNHCR forced displacement flows: one row per year × origin × asylum country, one column per flow type."""

from __future__ import annotations

from observatory.sources.context import ParseContext

MEASURES = {"refugees": "unhcr_flow_refugees", "asylum_seekers": "unhcr_flow_asylum_seekers",
            "refugee_like": "unhcr_flow_refugee_like", "oip": "unhcr_flow_oip"}


def parse(ctx: ParseContext):
    """One relation per flow type; empty cells (not collected) give no row."""
    columns = {"year": "INTEGER", "coo_iso": "VARCHAR", "coa_iso": "VARCHAR"} | {column: "DOUBLE" for column in MEASURES}
    raw = ctx.read_csv("flows.csv", columns=columns, na_values=("",))
    ctx.require(raw, "coo_iso IS NOT NULL AND coa_iso IS NOT NULL", "coo_iso", "ISO3 origin and asylum codes")
    return [
        raw.filter(f"{column} IS NOT NULL").select(
            f"'{measure}' AS measure_id, coo_iso AS origin, coa_iso AS destination, year, {column} AS value, _file, _row")
        for column, measure in MEASURES.items()
    ]
