"""SDG 10.7.2 (all domains) from an Our World in Data export: one score 1–4 per country and year; regions left out."""

from __future__ import annotations

import csv
import io

from observatory.sources.context import ParseContext
from observatory.sources.errors import SourceError

NAME = "facilitate-orderly-safe-migration.csv"
SERIES = "SG_CPA_MIGRS - All Domains"  # the UN series the value column must be


def parse(ctx: ParseContext):
    """Country rows as `migration_policy_assessment`; OWID entities without an ISO code are counted and left out."""
    header = next(csv.reader(io.StringIO(ctx.decoded_text(NAME).lstrip("\ufeff"))))
    if len(header) != 4 or not header[3].endswith(SERIES):
        raise SourceError(
            ctx.label(NAME), f"expected Entity, Code, Year and one column of {SERIES}", row=1, field="header"
        )
    score = header[3]
    table = ctx.read_csv(NAME, columns={"Entity": "VARCHAR", "Code": "VARCHAR", "Year": "INTEGER", score: "INTEGER"})
    ctx.require(table, f'"{score}" IS NOT NULL AND "{score}" BETWEEN 1 AND 4', score, "a score from 1 to 4")
    ctx.require(table, "Year IS NOT NULL", "Year", "a year")
    uncoded = table.filter("Code IS NULL").aggregate("count(*), string_agg(DISTINCT Entity, ', ')").fetchall()[0]
    ctx.note(
        "entities_without_code_excluded",
        f"{uncoded[0]} row(s) of OWID entities without an ISO code (regions, "
        f"groups) left out{': ' + uncoded[1] if uncoded[0] else ''}",
        uncoded[0],
    )
    ctx.con.register("sdg_10_7_2_table", table)
    return [
        ctx.con.sql(
            f"""SELECT 'migration_policy_assessment' AS measure_id, Code AS area, Year AS year, "{score}" AS value,
                   _file, _row
            FROM sdg_10_7_2_table WHERE Code IS NOT NULL"""
        )
    ]
