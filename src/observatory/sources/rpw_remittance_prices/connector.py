"""RPW corridor costs: one column per quarter unpivoted; the money's direction turned into the migration direction."""

from __future__ import annotations

import re

from observatory.sources.context import ParseContext

NAME = "rpw_corridors_databank_2011Q1_2020Q3.csv"


def parse(ctx: ParseContext):
    lines = ctx.decoded_text(NAME).splitlines()
    footer = lines[-5:]
    if not (footer[-2].startswith("Data from database:") and footer[-1].startswith("Last Updated:")):
        from observatory.sources.errors import SourceError

        raise SourceError(
            ctx.label(NAME),
            "the DataBank footer (database name, last-updated line) is missing: the file looks truncated",
            row=len(lines),
        )
    quarters = re.findall(r"(\d{4}Q\d) \[YR\d{4}Q\d\]", lines[0])
    columns = {
        "Sending Countries Code": "VARCHAR",
        "Receiving Countries  Code": "VARCHAR",
        "Series Code": "VARCHAR",
        **{f"{q} [YR{q}]": "DOUBLE" for q in quarters},
    }
    wide = ctx.read_csv(NAME, footer_lines=5, columns=columns, na_values=("..", ""))
    ctx.require(wide, "\"Series Code\" = 'ATCR.CORR'", "Series Code", "ATCR.CORR")
    ctx.con.register("rpw_wide", wide)
    quarter_columns = ", ".join(f'"{q} [YR{q}]"' for q in quarters)
    return [
        ctx.con.sql(
            """SELECT 'remittance_cost_usd200' AS measure_id, "Receiving Countries  Code" AS origin, "Sending """
            f"""Countries Code" AS destination,
                   CAST(left(quarter, 4) AS INTEGER) AS year, left(quarter, 6) AS period, value, _file, _row
            FROM (UNPIVOT rpw_wide ON {quarter_columns} INTO NAME quarter VALUE value) WHERE value IS NOT NULL"""
        )
    ]
