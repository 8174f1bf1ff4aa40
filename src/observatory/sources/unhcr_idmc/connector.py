"""IDMC conflict IDPs carried by UNHCR: area-level stock; a lone 'Unknown' row in a year is the world total."""

from __future__ import annotations

from observatory.sources.context import ParseContext


def parse(ctx: ParseContext):
    """area = coa_iso (always equal to coo_iso); UNK alone in its year means the global total (WLD)."""
    raw = ctx.read_csv(
        "idmc.csv",
        columns={"year": "INTEGER", "coo_iso": "VARCHAR", "coa_iso": "VARCHAR", "total": "DOUBLE"},
        na_values=("",),
    )
    ctx.require(raw, "coo_iso = coa_iso", "coa_iso", "the same code as coo_iso (internal displacement)")
    return [
        raw.filter("total IS NOT NULL").query(
            "raw",
            """
        SELECT 'unhcr_idmc_idps' AS measure_id,
               CASE WHEN coa_iso = 'UNK' AND count(*) OVER (PARTITION BY year) = 1 THEN 'WLD' ELSE coa_iso END AS area,
               year, total AS value, _file, _row
        FROM raw""",
        )
    ]
