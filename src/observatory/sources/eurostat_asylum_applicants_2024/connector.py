"""Eurostat asylum applicants (IOM gdidata): citizenship × reporting country × sex; EU27 rows checked, left out."""

from __future__ import annotations

from observatory.sources.context import ParseContext
from observatory.sources.errors import SourceError

FILE = "eu_asyapp.csv"
MEASURE = "eurostat_asylum_applicants_by_citizenship"
EU27 = "EU27"  # the reporting aggregate in the file and the area reference's group of the same members
ROUNDING = 2  # Eurostat rounds every figure to the nearest 5: a published count is at most 2 persons off


def parse(ctx: ParseContext):
    """Female and male rows as published, plus a both-sexes row that includes applicants of unknown sex."""
    raw = ctx.read_csv(
        FILE, columns={"geo": "VARCHAR", "t": "INTEGER", "nat": "VARCHAR", "sex": "VARCHAR", "n": "DOUBLE"}
    )
    ctx.require(raw, "sex IN ('female', 'male', 'unknown')", "sex", "female, male or unknown")
    ctx.require(raw, "n IS NOT NULL AND n >= 0", "n", "a count of persons")
    ctx.require(raw, "t IS NOT NULL", "t", "a year")
    _check_eu27(ctx, raw)
    countries = raw.filter(f"geo <> '{EU27}'")
    unknown_sex = countries.filter("sex = 'unknown'").aggregate("count(*), coalesce(sum(n), 0)").fetchall()[0]
    ctx.note(
        "unknown_sex",
        f"{unknown_sex[0]} row(s) of applicants of unknown sex ({unknown_sex[1]:,.0f} persons) counted in the "
        "both-sexes rows only",
        unknown_sex[0],
    )
    by_sex = countries.filter("sex IN ('female', 'male')").select(
        f"'{MEASURE}' AS measure_id, nat AS origin, geo AS destination, t AS year, sex, n AS value, _file, _row"
    )
    both = countries.query(
        "asylum2024_countries",
        f"""
        SELECT '{MEASURE}' AS measure_id, nat AS origin, geo AS destination, t AS year, 'total' AS sex, sum(n) AS value,
               CASE WHEN count(*) FILTER (WHERE sex = 'unknown') > 0
                    THEN 'includes ' || CAST(CAST(sum(n) FILTER (WHERE sex = 'unknown') AS BIGINT) AS VARCHAR)
                         || ' applicant(s) of unknown sex' END AS note,
               min(_file) AS _file, min(_row) AS _row
        FROM asylum2024_countries GROUP BY nat, geo, t""",
    )
    return [by_sex, both]


def _eu27_members(ctx: ParseContext) -> list[str]:
    """The member states of the area reference's EU27 group (loaded first in every build)."""
    members = [
        row[0]
        for row in ctx.con.execute(
            'SELECT area FROM area_membership WHERE "group" = ? ORDER BY area', [EU27]
        ).fetchall()
    ]
    if not members:
        raise SourceError(
            ctx.label(FILE), f"the area reference has no {EU27} group to check the EU27 rows against", field="geo"
        )
    return members


def _check_eu27(ctx: ParseContext, raw) -> None:
    """Each EU27 cell (year × citizenship × sex) must equal the member states' sum within Eurostat's rounding."""
    members = _eu27_members(ctx)
    listed = ", ".join(f"'{code}'" for code in members)
    bound = ROUNDING * (len(members) + 1)  # every member figure and the EU27 figure are rounded separately
    rows = raw.query(
        "asylum2024_raw",
        f"""
        WITH cells AS (
            SELECT t, nat, sex,
                   coalesce(sum(n) FILTER (WHERE geo IN ({listed})), 0) AS members,
                   coalesce(sum(n) FILTER (WHERE geo = '{EU27}'), 0) AS eu27
            FROM asylum2024_raw WHERE t IN (SELECT DISTINCT t FROM asylum2024_raw WHERE geo = '{EU27}')
            GROUP BY t, nat, sex)
        SELECT t, sum(members), sum(eu27), count(*) FILTER (WHERE abs(members - eu27) > {bound}),
               max(abs(members - eu27))
        FROM cells GROUP BY t ORDER BY t""",
    ).fetchall()
    eu27_rows = raw.filter(f"geo = '{EU27}'").count("*").fetchall()[0][0]
    ctx.note(
        "aggregates_excluded",
        f"{eu27_rows} row(s) of the published aggregate {EU27} left out after the member check "
        f"({rows[0][0] if rows else '-'}–{rows[-1][0] if rows else '-'})",
        eu27_rows,
    )
    for year, member_sum, eu27_sum, beyond, largest in rows:
        if beyond:
            ctx.note(
                "eu27_vs_members",
                f"{year}: {beyond} EU27 cell(s) differ from the sum of the {len(members)} member states by more "
                f"than Eurostat's rounding ({bound}; largest gap {largest:,.0f}); member states {member_sum:,.0f}, "
                f"EU27 rows {eu27_sum:,.0f}",
                beyond,
                "warning",
            )
    within = [str(row[0]) for row in rows if not row[3]]
    if within:
        ctx.note(
            "eu27_vs_members",
            f"EU27 rows equal the member-state sums within rounding in every cell for {', '.join(within)}",
            len(within),
        )
