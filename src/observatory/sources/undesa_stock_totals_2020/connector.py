"""Compiled IMS 2020 country totals: four measures per country-year."""

from __future__ import annotations

from observatory.sources.context import ParseContext

MEASURES = {
    "fb": "immigrant_stock_compiled",
    "disp": "emigrant_stock_compiled",
    "pop": "population_compiled",
    "refugee": "refugees_compiled",
}


def parse(ctx: ParseContext):
    # Keyed by the M49 code: alpha3 is "NA" for the Channel Islands (830) in this file.
    raw = ctx.read_csv(
        "stock_totals_2020.csv",
        columns={"country_code": "INTEGER", "year": "INTEGER", **{column: "DOUBLE" for column in MEASURES}},
        na_values=("", "NA", "~"),
    )  # "~" = not available in UN DESA tables
    return [
        raw.filter(f"{column} IS NOT NULL").select(
            f"'{measure}' AS measure_id, CAST(country_code AS VARCHAR) AS area, year, {column} AS value, _file, _row"
        )
        for column, measure in MEASURES.items()
    ]
