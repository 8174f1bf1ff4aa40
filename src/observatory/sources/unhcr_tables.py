"""Shared reading of UNHCR's wide tables: one row per year × origin × asylum country, one column per measure."""

from __future__ import annotations

from observatory.sources.context import ParseContext


def corridor_measures(ctx: ParseContext, name: str, measures: dict[str, str]):
    (
        """One relation per value column (origin = coo_iso, destination = coa_iso); empty cells give no row, zeros """
        """are """
        """kept."""
    )
    columns = {"year": "INTEGER", "coo_iso": "VARCHAR", "coa_iso": "VARCHAR"} | {
        column: "DOUBLE" for column in measures
    }
    # Only the empty cell means NA in these conversions; 'NA' is never a value here but would be Namibia's ISO2.
    raw = ctx.read_csv(name, columns=columns, na_values=("",))
    ctx.require(raw, "coo_iso IS NOT NULL AND coa_iso IS NOT NULL", "coo_iso", "an ISO3 origin and asylum code")
    return [
        raw.filter(f"{column} IS NOT NULL").select(
            f"'{measure}' AS measure_id, coo_iso AS origin, coa_iso AS destination, year, {column} AS value, _file, "
            "_row"
        )
        for column, measure in measures.items()
    ]
