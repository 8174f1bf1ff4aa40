(
    """Abel & Cohen flow estimates: the wide Parquet of 27 variants unpivoted to one row per corridor, period, """
    """method """
    """and sex."""
)

from __future__ import annotations

import re

from observatory.sources.context import ParseContext
from observatory.sources.errors import SourceError

METHODS = ("da_pb_closed", "da_min_closed", "da_min_open", "sd_drop_neg", "sd_rev_neg", "mig_rate")
MOVE_TYPES = ("outward", "return", "transit")


def _flow_columns(columns: list[str]) -> list[tuple[str, str, str]]:
    """(column, sex or move type, method) for every flow_* column."""
    found = []
    for column in columns:
        match = re.fullmatch(r"flow_(?:(female|male|outward|return|transit)_)?(" + "|".join(METHODS) + ")", column)
        if match:
            found.append((column, match.group(1) or "total", match.group(2)))
    return found


def parse(ctx: ParseContext):
    """Both sexes, female and male flows per method; move types per method; SUD keys summed as the MANIFEST advises."""
    wide = ctx.read_parquet(
        "abel_cohen_flows_all_variants.parquet", columns={"year0": "INTEGER", "orig": "VARCHAR", "dest": "VARCHAR"}
    )
    flows = _flow_columns(wide.columns)
    if len(flows) != 27:
        raise SourceError(
            ctx.label("abel_cohen_flows_all_variants.parquet"),
            f"expected 27 flow_* variant columns, found {len(flows)}",
        )
    ctx.con.register("abel_wide", wide)
    selects = []
    for column, split, method in flows:
        measure, sex, category = (
            ("migration_flow_by_move_type", "total", f"{method}/{split}")
            if split in MOVE_TYPES
            else ("migration_flow", split, method)
        )
        selects.append(
            f"SELECT '{measure}' AS measure_id, orig AS origin, dest AS destination, CAST(year0 AS INTEGER) AS year, "
            f"year0 || '-' || (year0 + 5) AS period, '{sex}' AS sex, '{category}' AS category, sum(\"{column}\") AS "
            "value, "
            f'min(_file) AS _file, min(_row) AS _row FROM abel_wide WHERE "{column}" IS NOT NULL AND "{column}" <> 0 '
            "GROUP BY ALL"
        )
    long = ctx.con.sql(" UNION ALL ".join(selects))
    _cross_check(ctx)
    return [long]


def _cross_check(ctx: ParseContext) -> None:
    """The published both-sexes CSV and the Parquet must agree on every method's global total."""
    csv = ctx.read_csv(
        "abel_cohen_flows_total_by_method.csv",
        columns={"year0": "INTEGER", "orig": "VARCHAR", "dest": "VARCHAR", **{f"flow_{m}": "DOUBLE" for m in METHODS}},
    )
    ctx.con.register("abel_csv", csv)
    for method in METHODS:
        csv_total, parquet_total = ctx.con.execute(
            f'SELECT (SELECT coalesce(sum("flow_{method}"), 0) FROM abel_csv), (SELECT coalesce(sum("flow_{method}"), '
            "0) FROM abel_wide)"
        ).fetchall()[0]
        if abs(csv_total - parquet_total) > 1e-6 * max(parquet_total, 1):
            raise SourceError(
                ctx.label("abel_cohen_flows_total_by_method.csv"),
                f"global total of flow_{method} is {csv_total:,.0f} here but {parquet_total:,.0f} in the Parquet file",
                field=f"flow_{method}",
            )
