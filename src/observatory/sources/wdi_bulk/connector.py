"""WDI bulk CSVs: the wide year columns unpivoted; World Bank aggregates left out by the official metadata."""

from __future__ import annotations

import re

from observatory.sources.context import ParseContext
from observatory.sources.errors import SourceError

FILES = {
    "API_NY.GDP.MKTP.CD_DS2_en_csv_v2_6298258.csv": ("NY.GDP.MKTP.CD", "gdp_current_usd"),
    "API_SP.POP.TOTL_DS2_en_csv_v2_6298256.csv": ("SP.POP.TOTL", "population_total"),
}


def parse(ctx: ParseContext):
    meta = ctx.read_csv(
        "Metadata_Country_API_SP.POP.TOTL_DS2_en_csv_v2_6298256.csv",
        columns={"Country Code": "VARCHAR", "Region": "VARCHAR"},
    )
    ctx.con.register("wdi_meta", meta)
    indicator = ctx.read_csv(
        "Metadata_Indicator_API_SP.POP.TOTL_DS2_en_csv_v2_6298256.csv", columns={"INDICATOR_CODE": "VARCHAR"}
    )
    if [row[0] for row in indicator.select("INDICATOR_CODE").fetchall()] != ["SP.POP.TOTL"]:
        raise SourceError(
            ctx.label("Metadata_Indicator_API_SP.POP.TOTL_DS2_en_csv_v2_6298256.csv"),
            "expected the SP.POP.TOTL indicator",
            field="INDICATOR_CODE",
        )
    relations = []
    for name, (code, measure) in FILES.items():
        header = ctx.decoded_text(name).splitlines()[4]
        years = [y for y in re.findall(r'"?(\d{4})"?', header)]
        wide = ctx.read_csv(
            name,
            skip_lines=4,
            columns={"Country Code": "VARCHAR", "Indicator Code": "VARCHAR", **{y: "DOUBLE" for y in years}},
        )
        ctx.require(wide, f"\"Indicator Code\" = '{code}'", "Indicator Code", code)
        ctx.con.register(f"wdi_{measure}", wide)
        aggregates = ctx.con.execute(
            f'SELECT count(*) FROM wdi_{measure} w JOIN wdi_meta m USING ("Country Code") WHERE m.Region IS NULL'
        ).fetchall()[0][0]
        ctx.note(
            "world_bank_aggregates",
            f"{name}: {aggregates} World Bank aggregate rows (no region in the country metadata) left out",
            aggregates,
        )
        year_columns = ", ".join(f'"{y}"' for y in years)
        relations.append(
            ctx.con.sql(
                f"""SELECT '{measure}' AS measure_id, "Country Code" AS area, CAST(year AS INTEGER) AS year, value, """
                f"""_file, _row
                FROM (UNPIVOT (SELECT w.* FROM wdi_{measure} w JOIN wdi_meta m USING ("Country Code") WHERE """
                f"""m.Region IS NOT NULL)
                      ON {year_columns} INTO NAME year VALUE value)
                WHERE value IS NOT NULL"""
            )
        )
    return relations
