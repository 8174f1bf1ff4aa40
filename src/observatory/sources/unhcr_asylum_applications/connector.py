"""UNHCR asylum applications: summed over procedure type and decision level; application type kept as category."""

from __future__ import annotations

from observatory.sources.context import ParseContext


def parse(ctx: ParseContext):
    """Persons (app_pc P) and cases (app_pc C) become separate measures; 'NA' in dec_level is a code, not missing."""
    raw = ctx.read_csv(
        "asylum_applications.csv",
        columns={
            "year": "INTEGER",
            "coo_iso": "VARCHAR",
            "coa_iso": "VARCHAR",
            "procedure_type": "VARCHAR",
            "app_type": "VARCHAR",
            "dec_level": "VARCHAR",
            "app_pc": "VARCHAR",
            "applied": "DOUBLE",
        },
        na_values=("",),  # UNHCR writes the stage code 'NA' (new applications); only an empty cell is missing
    )
    ctx.require(raw, "app_pc IN ('P', 'C')", "app_pc", "P (persons) or C (cases)")
    ctx.require(raw, "app_type IS NOT NULL", "app_type", "an application type code")
    ctx.require(raw, "coo_iso IS NOT NULL AND coa_iso IS NOT NULL", "coo_iso", "ISO3 origin and asylum codes")
    return [
        raw.filter("applied IS NOT NULL").query(
            "raw",
            """
        SELECT CASE app_pc WHEN 'P' THEN 'unhcr_asylum_applications' ELSE 'unhcr_asylum_applications_cases' END AS """
            """measure_id,
               coo_iso AS origin, coa_iso AS destination, year, app_type AS category,
               sum(applied) AS value, min(_file) AS _file, min(_row) AS _row
        FROM raw GROUP BY ALL""",
        )
    ]
