"""UNDP HDI extract: one row per ISO3 country and year."""

from __future__ import annotations

from observatory.sources.context import ParseContext


def parse(ctx: ParseContext):
    """hdi only; NA cells give no row."""
    raw = ctx.read_csv("hdi_2020.csv", columns={"alpha3": "VARCHAR", "year": "INTEGER", "hdi": "DOUBLE"})
    ctx.require(raw, "hdi IS NULL OR hdi BETWEEN 0 AND 1", "hdi", "an index between 0 and 1")
    return [
        raw.filter("hdi IS NOT NULL").select("'hdi' AS measure_id, alpha3 AS area, year, hdi AS value, _file, _row")
    ]
