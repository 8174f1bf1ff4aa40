"""UNHCR durable solutions: one row per year × origin × asylum country, one column per solution."""

from __future__ import annotations

from observatory.sources.context import ParseContext

MEASURES = {"returned_refugees": "unhcr_solutions_returned_refugees", "resettlement": "unhcr_resettlement",
            "naturalisation": "unhcr_naturalisation", "returned_idps": "unhcr_solutions_returned_idps"}


def parse(ctx: ParseContext):
    """One relation per solution type; empty cells (not collected) give no row."""
    columns = {"year": "INTEGER", "coo_iso": "VARCHAR", "coa_iso": "VARCHAR"} | {column: "DOUBLE" for column in MEASURES}
    raw = ctx.read_csv("solutions.csv", columns=columns, na_values=("",))
    ctx.require(raw, "coo_iso IS NOT NULL AND coa_iso IS NOT NULL", "coo_iso", "ISO3 origin and asylum codes")
    return [
        raw.filter(f"{column} IS NOT NULL").select(
            f"'{measure}' AS measure_id, coo_iso AS origin, coa_iso AS destination, year, {column} AS value, _file, _row")
        for column, measure in MEASURES.items()
    ]
