"""Fragile States Index (gdidata fsi): total and rank once per country-year, the twelve indicators by code."""

from __future__ import annotations

from observatory.sources.context import ParseContext

INDICATORS = ("C1", "C2", "C3", "E1", "E2", "E3", "P1", "P2", "P3", "S1", "S2", "X1")
CHANGE = "Change from Previous Year"  # a year-on-year difference of the total, published as if it were an indicator


def parse(ctx: ParseContext):
    """Indicator scores 0–10, totals 0–120 and published ranks; the change pseudo-indicator is left out, counted."""
    columns = {
        "geo": "VARCHAR",
        "t": "INTEGER",
        "rank": "DOUBLE",
        "total": "DOUBLE",
        "code": "VARCHAR",
        "indicator": "VARCHAR",
        "v": "DOUBLE",
    }
    raw = ctx.read_csv("fsi.csv", columns=columns)
    listed = ", ".join(f"'{code}'" for code in INDICATORS)
    ctx.require(raw, f"code IN ({listed}) OR code = '{CHANGE}'", "code", "an FSI indicator code (C1–X1)")
    ctx.require(raw, "geo IS NOT NULL AND t IS NOT NULL", "geo", "a country code and a year")
    ctx.require(raw, "total IS NOT NULL AND total BETWEEN 0 AND 120", "total", "a total score of 0–120")
    scores = raw.filter(f"code <> '{CHANGE}'")
    ctx.require(scores, "v IS NOT NULL AND v BETWEEN 0 AND 10", "v", "an indicator score of 0–10")
    ctx.require(
        raw, "rank IS NULL OR (rank >= 1 AND rank = floor(rank))", "rank", "a whole rank of 1 or more, or blank"
    )
    changes = raw.filter(f"code = '{CHANGE}'").aggregate("count(*)").fetchall()[0][0]
    if changes:
        ctx.note(
            "change_rows_excluded",
            f"{changes} row(s) of the pseudo-indicator '{CHANGE}' left out (a difference of totals)",
            changes,
        )
    # Total and rank repeat on every row of a country-year: they must agree before one is kept.
    per_year = raw.aggregate(
        "geo, t, count(DISTINCT total) AS totals, count(DISTINCT rank) AS ranks, count(rank) AS ranked, count(*) AS n, "
        "min(total) AS total, min(rank) AS rank, min(_file) AS _file, min(_row) AS _row",
        "geo, t",
    )
    ctx.require(
        per_year,
        "totals = 1 AND ranks <= 1 AND ranked IN (0, n)",
        "total",
        "one total and one rank per country and year",
    )
    unranked = per_year.filter("rank IS NULL").aggregate("count(*)").fetchall()[0][0]
    if unranked:
        ctx.note(
            "scored_not_ranked",
            f"{unranked} country-year(s) scored but not ranked by the Fund for Peace: no rank row",
            unranked,
        )
    return [
        scores.select(
            "'fsi_indicator' AS measure_id, geo AS area, t AS year, code AS category, v AS value, _file, _row"
        ),
        per_year.select("'fsi_total' AS measure_id, geo AS area, t AS year, total AS value, _file, _row"),
        per_year.filter("rank IS NOT NULL").select(
            "'fsi_rank' AS measure_id, geo AS area, t AS year, rank AS value, _file, _row"
        ),
    ]
