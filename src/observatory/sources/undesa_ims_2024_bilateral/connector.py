"""UN DESA International Migrant Stock 2024: one row per destination × origin × year × sex, with the type of data."""

from __future__ import annotations

from observatory.sources.context import ParseContext

FLAGS = ("type_b", "type_c", "type_r", "type_i")
# UN DESA's type of data, in words, for the observation note; the flags hold per destination and year.
NOTE = """concat_ws('; ',
    CASE WHEN type_b = 1 AND type_c = 1 THEN 'based on foreign-born and foreign citizens'
         WHEN type_b = 1 THEN 'based on foreign-born' WHEN type_c = 1 THEN 'based on foreign citizens' END,
    CASE WHEN type_r = 1 THEN 'includes refugees' END,
    CASE WHEN type_i = 1 THEN 'imputed (no data)' END)"""


def parse(ctx: ParseContext):
    """Corridor stocks by sex, zeros kept (a definite absence); imputed rows are estimated."""
    columns = {"geo": "VARCHAR", "t": "INTEGER", "from": "VARCHAR", "sex": "VARCHAR", "n": "DOUBLE"}
    raw = ctx.read_csv("undesa_stocks.csv", columns={**columns, **{flag: "INTEGER" for flag in FLAGS}})
    ctx.require(raw, "sex IN ('female', 'male')", "sex", "female or male")
    ctx.require(raw, "n IS NOT NULL", "n", "a count of persons")
    for flag in FLAGS:
        ctx.require(raw, f"{flag} IN (0, 1)", flag, "0 or 1")
    residual = raw.filter("\"from\" = 'OOO'").count("*").fetchall()[0][0]
    message = f"{residual} row(s) of UN DESA's 'Other' origin (OOO, area XXX) kept for destination totals"
    ctx.note("other_origin", message, residual)
    return [
        raw.select(
            f"""'migrant_stock' AS measure_id, "from" AS origin, geo AS destination, t AS year, sex, n AS value,
            CASE WHEN type_i = 1 THEN 'estimated' ELSE 'reported' END AS status, NULLIF({NOTE}, '') AS note,
            _file, _row"""
        )
    ]
