"""UN WPP 2024 and national statistics' net migration, as reshaped by Gaskin et al.: one row per country-year."""

from __future__ import annotations

from observatory.sources.context import ParseContext

COLUMNS = {"column0": "INTEGER", "Year": "INTEGER", "Country ISO": "VARCHAR", "Net Number of Migrants": "DOUBLE"}
WPP_ROUNDING = 500  # WPP values are rounded to thousands: each is at most 500 persons off
LAST_ESTIMATE_YEAR = 2023  # WPP 2024 estimates end here; later years are medium-variant projections
GAP_FILLED = (
    "equals the WPP 2024 value for this country and year: probably gap-filled with WPP 2024 (list not in the mirror)"
)


def _read(ctx: ParseContext, name: str):
    raw = ctx.read_csv(name, columns=COLUMNS)
    for column in ("Year", "Country ISO", "Net Number of Migrants"):
        ctx.require(raw, f'"{column}" IS NOT NULL', column, "a value")
    return raw.select('"Year" AS year, "Country ISO" AS area, "Net Number of Migrants" AS value, _file, _row')


def parse(ctx: ParseContext):
    """WPP rows (2024 = projection, modelled) after the zero-sum check; national rows marked where they repeat WPP."""
    wpp = _read(ctx, "UN_WPP_2024_net_migration.csv")
    _check_world_sum(ctx, wpp)
    national = _read(ctx, "Net_migration_data.csv")
    projected = wpp.filter(f"year > {LAST_ESTIMATE_YEAR}").count("*").fetchall()[0][0]
    if projected:
        ctx.note(
            "projection_years",
            f"{projected} WPP row(s) after {LAST_ESTIMATE_YEAR} are medium-variant projections (status modelled)",
            projected,
        )
    wpp_rows = wpp.select(
        f"""'net_migration_wpp' AS measure_id, area, year, value,
            CASE WHEN year > {LAST_ESTIMATE_YEAR} THEN 'modelled' ELSE 'estimated' END AS status,
            CASE WHEN year > {LAST_ESTIMATE_YEAR} THEN 'WPP 2024 medium-variant projection' END AS note, _file, _row"""
    )
    national_rows = national.query(
        "wpp2024_national",
        f"""
        SELECT 'net_migration_national' AS measure_id, n.area, n.year, n.value,
               CASE WHEN w.value = n.value THEN 'estimated' ELSE 'reported' END AS status,
               CASE WHEN w.value = n.value THEN '{GAP_FILLED}' END AS note, n._file, n._row
        FROM wpp2024_national n LEFT JOIN ({wpp.sql_query()}) w ON w.area = n.area AND w.year = n.year""",
    )
    filled = national_rows.filter("status = 'estimated'").count("*").fetchall()[0][0]
    ctx.note(
        "probably_gap_filled",
        f"{filled} national row(s) equal the WPP 2024 value and are marked estimated (probably gap-filled)",
        filled,
    )
    return [wpp_rows, national_rows]


def _check_world_sum(ctx: ParseContext, wpp) -> None:
    """World net migration is zero: the areas must sum to zero within their rounding in every year."""
    rows = wpp.aggregate("year, sum(value) AS total, count(*) AS areas", "year").order("year").fetchall()
    beyond = [(year, total, areas) for year, total, areas in rows if abs(total) > WPP_ROUNDING * areas]
    for year, total, areas in beyond:
        ctx.note(
            "world_sum",
            f"{year}: the {areas} areas' net migration sums to {total:,.0f}, "
            f"beyond the rounding (±{WPP_ROUNDING * areas:,})",
            1,
            "warning",
        )
    largest = max(rows, key=lambda row: abs(row[1]))
    ctx.note(
        "world_sum",
        f"the areas' net migration sums to zero within rounding in {len(rows) - len(beyond)} of {len(rows)} years "
        f"(largest sum {largest[1]:,.0f}, in {largest[0]})",
        len(rows) - len(beyond),
    )
