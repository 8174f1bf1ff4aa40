"""IDMC new displacements by category, country-year."""

from __future__ import annotations

from observatory.sources.context import ParseContext


def parse(ctx: ParseContext):
    raw = ctx.read_csv("idmc.csv", columns={"iso": "VARCHAR", "category": "VARCHAR", "t": "INTEGER", "v": "DOUBLE"})
    ctx.require(raw, "category IN ('Conflict', 'Disaster')", "category", "Conflict or Disaster")
    return [
        raw.filter("v IS NOT NULL").select(
            "'internal_displacements_' || lower(category) AS measure_id, iso AS area, t AS year, v AS value, _file, "
            "_row"
        )
    ]
