"""OECD International Migration Database export (SDMX-CSV): inflows of foreign population per country and year."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, cast

import pandas as pd

from observatory.sources.context import ParseContext
from observatory.sources.errors import SourceError

if TYPE_CHECKING:
    import duckdb

FILE = "International-migration-database.csv"
# The export must be the one series the measure declares: all nationalities, both sexes, persons, annual.
FIXED = {
    "CITIZENSHIP": "W",
    "FREQ": "A",
    "MEASURE": "B11",
    "SEX": "_T",
    "BIRTH_PLACE": "_Z",
    "EDUCATION_LEV": "_Z",
    "UNIT_MEASURE": "PS",
    "UNIT_MULT": "0",
    "OBS_STATUS": "A",
}
COLUMNS = ("REF_AREA", "TIME_PERIOD", "OBS_VALUE", *FIXED)


def _codes(ctx: ParseContext) -> pd.DataFrame:
    """The code columns only: SDMX-CSV with labels repeats names in another case (SEX, Sex), which DuckDB confuses."""
    frame = pd.read_csv(io.StringIO(ctx.decoded_text(FILE)), dtype=str, keep_default_na=False)
    missing = [column for column in COLUMNS if column not in frame.columns]
    if missing:
        raise SourceError(ctx.label(FILE), f"missing column(s) {missing}; the file has {list(frame.columns)}", row=1)
    codes = frame[list(COLUMNS)].apply(lambda column: column.str.strip())
    return codes.assign(_file=ctx.label(FILE), _row=frame.index + 2)  # line 1 is the header


def parse(ctx: ParseContext):
    """One row per destination and year; absent country-years are counted, not filled."""
    raw = ctx.relation_from_frame(_codes(ctx), "oecd_imd")
    for column, code in FIXED.items():
        ctx.require(raw, f"\"{column}\" = '{code}'", column, repr(code))
    ctx.require(raw, "TRY_CAST(OBS_VALUE AS DOUBLE) >= 0", "OBS_VALUE", "a number of persons")
    ctx.require(raw, "TRY_CAST(TIME_PERIOD AS INTEGER) IS NOT NULL", "TIME_PERIOD", "a year")
    ctx.require(raw, "REF_AREA <> ''", "REF_AREA", "a country code")
    typed = raw.select(
        "REF_AREA AS area, CAST(TIME_PERIOD AS INTEGER) AS year, CAST(OBS_VALUE AS DOUBLE) AS value, _file, _row"
    )
    absent = cast(
        "duckdb.DuckDBPyRelation",
        typed.query(
            "oecd_imd_typed",
            """
        SELECT count(*) FROM (SELECT DISTINCT area FROM oecd_imd_typed) areas
        CROSS JOIN (SELECT DISTINCT year FROM oecd_imd_typed) years
        WHERE NOT EXISTS (SELECT 1 FROM oecd_imd_typed t WHERE t.area = areas.area AND t.year = years.year)""",
        ),
    ).fetchall()[0][0]
    if absent:
        ctx.note(
            "absent_country_years",
            f"{absent} country-year(s) of the country × year grid are not in the export (no row)",
            absent,
        )
    return [typed.select("'inflows_foreign_population_oecd' AS measure_id, area, year, value, _file, _row")]
