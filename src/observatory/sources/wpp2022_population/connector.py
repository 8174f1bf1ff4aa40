"""WPP 2022 population by single age and sex, thousands converted to persons."""

from __future__ import annotations

from observatory.sources.context import ParseContext


def parse(ctx: ParseContext):
    raw = ctx.read_parquet(
        "wpp.parquet", columns={"iso": "VARCHAR", "t": "INTEGER", "sex": "VARCHAR", "age": "INTEGER", "v": "DOUBLE"}
    )
    ctx.require(raw, "sex IN ('Female', 'Male', 'Total')", "sex", "Female, Male or Total")
    return [
        raw.select(
            "'population_by_age' AS measure_id, iso AS area, CAST(t AS INTEGER) AS year, lower(sex) AS sex, "
            "CAST(age AS VARCHAR) AS age, v * 1000 AS value, _file, _row"
        )
    ]
