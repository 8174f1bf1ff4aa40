"""RPW corridor-quarter means (third-party extract) by migration direction; impossible costs left out and listed."""

from __future__ import annotations

from observatory.sources.context import ParseContext

NAME = "rpw_filtered.csv"
# Published column -> measure; a total cost below 0 % or above 100 % of the amount sent is not a cost.
COSTS = {"avg_cost_pct_200usd": "remittance_cost_usd200", "avg_cost_pct_500usd": "remittance_cost_usd500"}
LOWEST, HIGHEST = 0.0, 100.0
LISTED = 20  # corridor-quarters named in a note; the count covers all


def parse(ctx: ParseContext):
    """One row per corridor, quarter and amount; origin = receiving country, destination = sending country."""
    table = ctx.read_csv(
        NAME,
        columns={
            "period": "VARCHAR",
            "source_code": "VARCHAR",
            "destination_code": "VARCHAR",
            **{column: "DOUBLE" for column in COSTS},
            "num_providers": "INTEGER",
        },
    )
    ctx.require(table, "regexp_full_match(period, '(19|20)[0-9]{2}_[1-4]Q')", "period", "a quarter like 2024_4Q")
    ctx.require(table, "num_providers >= 1", "num_providers", "at least one service quoted")
    for column in COSTS:
        ctx.require(table, f"{column} IS NOT NULL", column, "a number")
    ctx.con.register("rpw_quarter_table", table)
    long = ctx.con.sql(
        f"""SELECT measure_id, destination_code AS origin, source_code AS destination,
                   CAST(left(period, 4) AS INTEGER) AS year, left(period, 4) || 'Q' || substr(period, 6, 1) AS period,
                   value, 'simple mean over ' || CAST(num_providers AS VARCHAR) || ' service(s)' AS note, _file, _row
            FROM (UNPIVOT rpw_quarter_table ON {", ".join(COSTS)} INTO NAME cost_column VALUE value)
            JOIN (VALUES {", ".join(f"('{column}', '{measure}')" for column, measure in COSTS.items())})
                 AS measures(cost_column, measure_id) USING (cost_column)"""
    )
    rules = {
        "negative_cost_excluded": (f"value < {LOWEST}", f"below {LOWEST:g} %"),
        "cost_above_100_excluded": (f"value > {HIGHEST}", f"above {HIGHEST:g} %"),
    }
    for measure in COSTS.values():
        for check, (condition, words) in rules.items():
            rows = long.filter(f"measure_id = '{measure}' AND {condition}").order("_row").fetchall()
            if rows:
                # Named the way RPW names corridors: money sent from → to.
                where = ", ".join(f"{r[2]}→{r[1]} {r[4]} ({r[5]:.2f} %)" for r in rows[:LISTED])
                ctx.note(
                    check,
                    f"{measure}: {len(rows)} corridor-quarter(s) with a total cost {words} left out "
                    f"of the series: {where}" + (" …" if len(rows) > LISTED else ""),
                    len(rows),
                    severity="warning",
                )
    return [long.filter(f"value BETWEEN {LOWEST} AND {HIGHEST}")]
