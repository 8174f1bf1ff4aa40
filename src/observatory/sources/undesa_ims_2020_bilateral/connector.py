"""UN DESA bilateral migrant stock: one row per destination × origin × year × sex."""

from __future__ import annotations

from observatory.sources.context import ParseContext


def parse(ctx: ParseContext):
    """Corridor stocks by sex; sex is Male/Female only in the source."""
    raw = ctx.read_csv(
        "ims2020_bilateral_stock_by_sex.csv",
        columns={"dest": "VARCHAR", "orig": "VARCHAR", "year": "INTEGER", "sex": "VARCHAR", "stock": "DOUBLE"},
    )
    ctx.require(raw, "sex IN ('Male', 'Female')", "sex", "Male or Female")
    return [
        raw.select(
            "'migrant_stock' AS measure_id, orig AS origin, dest AS destination, year, lower(sex) AS sex, stock AS "
            "value, _file, _row"
        )
    ]
