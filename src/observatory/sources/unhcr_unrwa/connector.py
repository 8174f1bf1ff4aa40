"""Palestine refugees under UNRWA's mandate, as carried by UNHCR: origin PSE → UNRWA field."""

from __future__ import annotations

from observatory.sources.context import ParseContext


def parse(ctx: ParseContext):
    """One corridor row per year and UNRWA field."""
    raw = ctx.read_csv(
        "unrwa.csv",
        columns={"year": "INTEGER", "coo_iso": "VARCHAR", "coa_iso": "VARCHAR", "total": "DOUBLE"},
        na_values=("",),
    )
    ctx.require(raw, "coo_iso IS NOT NULL AND coa_iso IS NOT NULL", "coo_iso", "ISO3 origin and asylum codes")
    return [
        raw.filter("total IS NOT NULL").select(
            "'unhcr_unrwa_refugees' AS measure_id, coo_iso AS origin, coa_iso AS destination, year, total AS value, "
            "_file, _row"
        )
    ]
