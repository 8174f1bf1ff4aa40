"""Missing Migrants incidents aggregated to incident country × year × route (and × cause)."""

from __future__ import annotations

from observatory.sources.context import ParseContext


def parse(ctx: ParseContext):
    (
        """Dead, missing and both together by route, and both by cause of death; undated incidents are left out and """
        """counted."""
    )
    raw = ctx.read_csv(
        "mmp.csv",
        columns={
            "location": "VARCHAR",
            "origin": "VARCHAR",
            "date": "DATE",
            "route": "VARCHAR",
            "cause_of_death": "VARCHAR",
            "count": "VARCHAR",
            "v": "DOUBLE",
        },
    )
    ctx.require(raw, "\"count\" IN ('Dead', 'Missing')", "count", "Dead or Missing")
    ctx.require(raw, "v IS NOT NULL AND v >= 0", "v", "a non-negative number of persons")
    dated = raw.filter("date IS NOT NULL")
    undated = raw.filter("date IS NULL").aggregate("count(*), coalesce(sum(v), 0)").fetchall()[0]
    if undated[0]:
        ctx.note(
            "undated_incidents",
            f"{undated[0]} incident row(s) without a date ({undated[1]:g} persons) cannot be placed in a year and are "
            "not in the series",
            undated[0],
            "warning",
        )
    by_route = dated.aggregate(
        "CASE \"count\" WHEN 'Dead' THEN 'migrants_dead' ELSE 'migrants_missing' END AS measure_id, location AS area, "
        "CAST(year(date) AS INTEGER) AS year, coalesce(route, 'unknown route') AS category, sum(v) AS value, "
        "min(_file) AS _file, min(_row) AS _row",
        "measure_id, area, year, category",
    )
    by_cause = dated.aggregate(
        "'migrants_dead_missing_by_cause' AS measure_id, location AS area, CAST(year(date) AS INTEGER) AS year, "
        "cause_of_death AS category, sum(v) AS value, min(_file) AS _file, min(_row) AS _row",
        "measure_id, area, year, category",
    )
    dead_and_missing = dated.aggregate(
        "'migrants_dead_missing' AS measure_id, location AS area, CAST(year(date) AS INTEGER) AS year, "
        "coalesce(route, 'unknown route') AS category, sum(v) AS value, min(_file) AS _file, min(_row) AS _row",
        "location, year(date), coalesce(route, 'unknown route')",
    )
    return [by_route, by_cause, dead_and_missing]
