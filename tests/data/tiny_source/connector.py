"""Connector of the tiny fixture: the same shape as the UN DESA bilateral table."""

from observatory.sources.context import ParseContext


def parse(ctx: ParseContext):
    raw = ctx.read_csv(
        "stock.csv",
        columns={"dest": "VARCHAR", "orig": "VARCHAR", "year": "INTEGER", "sex": "VARCHAR", "stock": "DOUBLE"},
    )
    ctx.require(raw, "sex IN ('Male', 'Female')", "sex", "Male or Female")
    return [
        raw.select(
            "'migrant_stock' AS measure_id, orig AS origin, dest AS destination, year, lower(sex) AS sex, stock AS "
            "value, _file, _row"
        )
    ]
