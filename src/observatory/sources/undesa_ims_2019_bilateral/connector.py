"""UN DESA 2019 bilateral stocks: a wide table with one column per origin name, unpivoted."""

from __future__ import annotations

import csv
import io

from observatory.sources.context import ParseContext

NAME = "UN_MigrantStockByOriginAndDestination_2019_clean.csv"


def parse(ctx: ParseContext):
    header = next(csv.reader(io.StringIO(ctx.decoded_text(NAME).lstrip("\ufeff").splitlines()[0])))
    origins = header[2:]
    wide = ctx.read_csv(
        NAME,
        columns={"Year": "INTEGER", "Dest": "VARCHAR", **{origin: "DOUBLE" for origin in origins}},
        na_values=("", "-", ".."),
    )  # "-" nil and ".." not available in UN DESA tables: no row stored
    ctx.con.register("ims2019_wide", wide)
    columns = ", ".join('"' + origin.replace('"', '""') + '"' for origin in origins)
    return [
        ctx.con.sql(
            f"""SELECT 'migrant_stock' AS measure_id, origin, Dest AS destination, Year AS year, value, _file, _row
            FROM (UNPIVOT ims2019_wide ON {columns} INTO NAME origin VALUE value) WHERE value <> 0"""
        )
    ]
