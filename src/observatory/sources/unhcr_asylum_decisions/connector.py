"""UNHCR asylum decisions: summed over procedure type; decision level kept as category; persons and cases apart."""

from __future__ import annotations

from observatory.sources.context import ParseContext

OUTCOMES = {
    "dec_recognized": "recognized",
    "dec_other": "other",
    "dec_rejected": "rejected",
    "dec_closed": "closed",
    "dec_total": "total",
}


def parse(ctx: ParseContext):
    """One relation per outcome column; 'NA' in dec_level is UNHCR's code for new applications, not a missing value."""
    raw = ctx.read_csv(
        "asylum_decisions.csv",
        columns={
            "year": "INTEGER",
            "coo_iso": "VARCHAR",
            "coa_iso": "VARCHAR",
            "procedure_type": "VARCHAR",
            "dec_level": "VARCHAR",
            "dec_pc": "VARCHAR",
        }
        | {column: "DOUBLE" for column in OUTCOMES},
        na_values=("",),
    )
    ctx.require(raw, "dec_pc IN ('P', 'C')", "dec_pc", "P (persons) or C (cases)")
    ctx.require(raw, "dec_level IS NOT NULL", "dec_level", "a decision level code")
    ctx.require(raw, "coo_iso IS NOT NULL AND coa_iso IS NOT NULL", "coo_iso", "ISO3 origin and asylum codes")
    return [
        raw.filter(f"{column} IS NOT NULL").query(
            "raw",
            f"""
            SELECT 'unhcr_asylum_decisions_{outcome}' || CASE dec_pc WHEN 'C' THEN '_cases' ELSE '' END AS measure_id,
                   coo_iso AS origin, coa_iso AS destination, year, dec_level AS category,
                   sum({column}) AS value, min(_file) AS _file, min(_row) AS _row
            FROM raw GROUP BY ALL""",
        )
        for column, outcome in OUTCOMES.items()
    ]
