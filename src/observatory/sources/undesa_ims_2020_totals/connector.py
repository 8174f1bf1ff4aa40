"""The UN DESA destination workbook: six tables, each a block of year columns per sex, keyed by M49 location code."""

from __future__ import annotations

import pandas as pd

from observatory.sources.context import ParseContext
from observatory.sources.errors import SourceError

NAME = "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"
WORLD_CODE = 900  # UN DESA's location code for WORLD; standard M49 (and the area reference) use 001
# sheet -> list of (measure, sex, number of columns, scale); blocks follow each other left to right.
LAYOUT = {
    "Table 1": [
        ("migrant_stock_total", "total", 7, 1),
        ("migrant_stock_total", "male", 7, 1),
        ("migrant_stock_total", "female", 7, 1),
    ],
    "Table 2": [
        ("population_undesa", "total", 7, 1000),
        ("population_undesa", "male", 7, 1000),
        ("population_undesa", "female", 7, 1000),
    ],
    "Table 3": [
        ("migrant_share_published", "total", 7, 1),
        ("migrant_share_published", "male", 7, 1),
        ("migrant_share_published", "female", 7, 1),
    ],
    "Table 4": [("migrant_female_share_published", "total", 7, 1)],
    "Table 5": [
        ("migrant_stock_growth_rate", "total", 6, 1),
        ("migrant_stock_growth_rate", "male", 6, 1),
        ("migrant_stock_growth_rate", "female", 6, 1),
    ],
    "Table 6": [("refugees_undesa", "total", 7, 1), ("refugees_share_of_migrants_published", "total", 7, 1)],
}
HEADER_ROW = 10  # zero-based row of the column header in every table sheet


def _sheet(ctx: ParseContext, sheet: str) -> pd.DataFrame:
    frame = ctx.read_excel(NAME, sheet, header=None)
    header = list(frame.iloc[HEADER_ROW])
    if header[1] != "Region, development group, country or area" or header[3] != "Location code":
        raise SourceError(
            ctx.label(NAME),
            f"sheet {sheet!r}: unexpected header {header[:5]}",
            row=HEADER_ROW + 1,
            field="Location code",
        )
    return frame.iloc[HEADER_ROW + 1 :].reset_index(drop=True), header


def parse(ctx: ParseContext):
    frames = []
    for sheet, blocks in LAYOUT.items():
        body, header = _sheet(ctx, sheet)
        position = 5
        for measure, sex, width, scale in blocks:
            for column in range(position, position + width):
                label = str(header[column])
                year = int(label[:4])
                missing = body[column].isin(["~", ".."])  # "~" not applicable, ".." not available
                values = pd.to_numeric(body[column].where(~missing), errors="coerce")
                bad = body[column][values.isna() & body[column].notna() & ~missing]
                if not bad.empty:
                    raise SourceError(
                        f"{ctx.label(NAME)} [{sheet}]",
                        f"value {bad.iloc[0]!r} is not a number",
                        row=int(bad.index[0]) + HEADER_ROW + 2,
                        field=label,
                    )
                frames.append(
                    pd.DataFrame(
                        {
                            "measure_id": measure,
                            "code": body[3].astype("Int64"),
                            "is_country": body[4].notna(),
                            "name": body[1].astype(str).str.strip(),
                            "year": year,
                            "period": label if "-" in label else "",
                            "sex": sex,
                            "value": values * scale,
                            "_file": f"{ctx.label(NAME)} [{sheet}]",
                            "_row": body.index + HEADER_ROW + 2,
                        }
                    )
                )
            position += width
    long = pd.concat(frames, ignore_index=True).dropna(subset=["value", "code"])
    group_codes = _m49_codes(ctx, "group")
    keep = long["is_country"] | long["code"].isin(group_codes | {WORLD_CODE})
    aggregates_left_out = long.loc[~keep, "name"].unique()
    ctx.note(
        "published_aggregates",
        f"{len(aggregates_left_out)} published aggregates without an observatory group left out (e.g. "
        f"{', '.join(sorted(aggregates_left_out)[:4])})",
        len(aggregates_left_out),
    )
    long = long[keep].copy()
    long["area"] = long["code"].where(long["code"] != WORLD_CODE, 1).astype(str)
    _check_world_total(ctx, long)
    _check_corridors_add_up(ctx, long)
    return [
        ctx.relation_from_frame(
            long[["measure_id", "area", "year", "period", "sex", "value", "_file", "_row"]], "undesa_totals"
        )
    ]


def _m49_codes(ctx: ParseContext, kind: str) -> set[int]:
    """M49 codes the area reference (already loaded in this build) knows for a kind of area."""
    return {
        row[0] for row in ctx.con.execute("SELECT m49 FROM area WHERE kind = ? AND m49 IS NOT NULL", [kind]).fetchall()
    }


def _check_world_total(ctx: ParseContext, long: pd.DataFrame) -> None:
    """The published world total must equal the sum of the country rows (Table 1, both sexes)."""
    stock = long[(long["measure_id"] == "migrant_stock_total") & (long["sex"] == "total")]
    world = stock[stock["code"] == WORLD_CODE].set_index("year")["value"]
    by_year = stock[stock["code"].isin(_m49_codes(ctx, "country"))].groupby("year")["value"].sum()
    for year, total in world.items():
        if abs(by_year.get(year, 0) - total) > 0.001 * total:
            ctx.note(
                "world_total",
                f"{year}: countries sum to {by_year.get(year, 0):,.0f}, published world total {total:,.0f}",
                1,
                "warning",
            )


def _check_corridors_add_up(ctx: ParseContext, long: pd.DataFrame) -> None:
    (
        """Each destination's corridors (bilateral table, loaded earlier in the build) must add up to its published """
        """total."""
    )
    if not ctx.con.execute(
        "SELECT 1 FROM measure WHERE id = 'migrant_stock' AND dataset_id = 'undesa_ims_2020_bilateral'"
    ).fetchall():
        return
    totals = long[(long["measure_id"] == "migrant_stock_total") & (long["sex"] == "total") & long["is_country"]]
    ctx.con.register("published_totals", totals[["code", "year", "value"]])
    gaps = ctx.con.execute(
        """WITH corridors AS (
               SELECT a.m49 AS code, o.year, sum(o.value) AS value FROM observation o JOIN area a ON a.code = """
        """o.destination
               WHERE o.measure_id = 'migrant_stock' AND o.dataset_id = 'undesa_ims_2020_bilateral' GROUP BY a.m49, """
        """o.year)
           SELECT count(*), max(abs(c.value - p.value) / p.value) FROM published_totals p JOIN corridors c ON """
        """c.code = p.code AND c.year = p.year
           WHERE abs(c.value - p.value) > 0.001 * p.value"""
    ).fetchall()[0]
    ctx.con.unregister("published_totals")
    if gaps[0]:
        ctx.note(
            "corridors_vs_destination_total",
            f"{gaps[0]} destination-year(s) whose corridors differ from the published total by more than 0.1 % "
            f"(largest {gaps[1]:.1%})",
            gaps[0],
            "warning",
        )
    else:
        ctx.note(
            "corridors_vs_destination_total",
            "every destination's corridors add up to the published destination total (within 0.1 %)",
        )
