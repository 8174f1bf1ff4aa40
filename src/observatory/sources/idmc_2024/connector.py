"""IDMC via gdidata: IDPs at the end of 2024 by cause × sex × age; new displacements 2008–2023 by cause and hazard."""

from __future__ import annotations

from observatory.sources.context import ParseContext

STOCK_CAUSES = ("conflict", "disaster")
SEXES = ("female", "male")
AGE_BANDS = ("0-4", "5-11", "12-17", "18-59", "60+")
NO_BREAKDOWN = "unknown"  # sex and age of a stock published without a breakdown (Abyei)
NO_BREAKDOWN_NOTE = "includes {} persons published without a sex or age breakdown"
CONFLICT = "conflict"
HAZARDS = (
    "drought",
    "earthquake",
    "erosion",
    "extreme temperature",
    "flood",
    "mass movement",
    "storm",
    "volcanic activity",
    "wave action",
    "wildfire",
)


def _sql_values(values) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


def parse(ctx: ParseContext):
    """The stock as published (sex × age cells) plus its total per area and cause; flows by cause and hazard."""
    return _stocks(ctx) + _flows(ctx)


def _stocks(ctx: ParseContext) -> list:
    stocks = ctx.read_csv(
        "idmc_stocks.csv",
        columns={
            "geo": "VARCHAR",
            "t": "INTEGER",
            "cause": "VARCHAR",
            "sex": "VARCHAR",
            "age": "VARCHAR",
            "n": "DOUBLE",
        },
    )
    ctx.require(stocks, "geo IS NOT NULL", "geo", "an ISO3 code")
    ctx.require(stocks, "t IS NOT NULL", "t", "a year")
    ctx.require(stocks, "n IS NOT NULL AND n >= 0", "n", "a non-negative number of persons")
    ctx.require(stocks, f"cause IN ({_sql_values(STOCK_CAUSES)})", "cause", " or ".join(STOCK_CAUSES))
    ctx.require(
        stocks,
        f"sex IN ({_sql_values(SEXES)}) OR (sex = '{NO_BREAKDOWN}' AND age = '{NO_BREAKDOWN}')",
        "sex",
        f"{' or '.join(SEXES)} (or '{NO_BREAKDOWN}' with age '{NO_BREAKDOWN}')",
    )
    ctx.require(stocks, f"age IN ({_sql_values(AGE_BANDS)}) OR sex = '{NO_BREAKDOWN}'", "age", ", ".join(AGE_BANDS))
    unbroken = stocks.filter(f"sex = '{NO_BREAKDOWN}'").aggregate("count(*), coalesce(sum(n), 0)").fetchall()[0]
    if unbroken[0]:
        ctx.note(
            "stock_without_breakdown",
            f"{unbroken[0]} stock value(s) ({unbroken[1]:g} persons) have no sex or age "
            "breakdown: stored in the total only",
            unbroken[0],
        )
    cells = stocks.filter(f"sex IN ({_sql_values(SEXES)})").select(
        "'idps_idmc' AS measure_id, geo AS area, t AS year, sex, age, cause AS category, n AS value, "
        "'estimated' AS status, _file, _row"
    )
    unbroken_persons = f"sum(CASE WHEN sex = '{NO_BREAKDOWN}' THEN n ELSE 0 END)"
    totals = stocks.aggregate(
        "'idps_idmc' AS measure_id, geo AS area, t AS year, 'total' AS sex, 'total' AS age, cause AS category, "
        "sum(n) AS value, 'reported' AS status, "
        f"CASE WHEN {unbroken_persons} > 0 THEN format('{NO_BREAKDOWN_NOTE}', CAST({unbroken_persons} AS BIGINT)) END "
        "AS note, min(_file) AS _file, min(_row) AS _row",
        "geo, t, cause",
    )
    return [cells, totals]


def _flows(ctx: ParseContext) -> list:
    flows = ctx.read_csv(
        "idmc_flows.csv", columns={"geo": "VARCHAR", "t": "INTEGER", "cause": "VARCHAR", "n": "DOUBLE"}
    )
    ctx.require(flows, "geo IS NOT NULL", "geo", "an ISO3 code")
    ctx.require(flows, "t IS NOT NULL", "t", "a year")
    ctx.require(flows, "n IS NOT NULL AND n >= 0", "n", "a non-negative number of displacements")
    ctx.require(flows, f"cause IN ('{CONFLICT}', {_sql_values(HAZARDS)})", "cause", f"{CONFLICT} or a hazard type")
    conflict = flows.filter(f"cause = '{CONFLICT}'").select(
        "'internal_displacements_conflict' AS measure_id, geo AS area, t AS year, n AS value, _file, _row"
    )
    hazards = flows.filter(f"cause <> '{CONFLICT}'")
    by_hazard = hazards.select(
        "'internal_displacements_by_hazard' AS measure_id, geo AS area, t AS year, cause AS category, n AS value, "
        "_file, _row"
    )
    disaster = hazards.aggregate(
        "'internal_displacements_disaster' AS measure_id, geo AS area, t AS year, sum(n) AS value, "
        "min(_file) AS _file, min(_row) AS _row",
        "geo, t",
    )
    return [conflict, by_hazard, disaster]
