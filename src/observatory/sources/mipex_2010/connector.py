"""MIPEX 2010 overall score: one row per country (ISO3 in `short`), no time column (the score year is 2010)."""

from __future__ import annotations

from observatory.sources.context import ParseContext


def parse(ctx: ParseContext):
    """mipex10 only; the replication covariates are not loaded (see source.yml)."""
    raw = ctx.read_csv("mipex_av.csv", columns={"short": "VARCHAR", "mipex10": "DOUBLE"})
    ctx.require(raw, "mipex10 IS NULL OR mipex10 BETWEEN 0 AND 100", "mipex10", "a score between 0 and 100")
    return [
        raw.filter("mipex10 IS NOT NULL").select(
            "'mipex_overall_score' AS measure_id, short AS area, 2010 AS year, mipex10 AS value, _file, _row"
        )
    ]
