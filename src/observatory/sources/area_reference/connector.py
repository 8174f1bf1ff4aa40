"""Reads the reference tables the area reference is built from."""

from __future__ import annotations

import pandas as pd

from observatory.sources.context import ParseContext

_REQUIRED = {
    "countrynames": [
        "m49",
        "iso2",
        "iso3",
        "name",
        "name_sort",
        "name_text",
        "region",
        "region_code",
        "subregion",
        "subregion_code",
        "intregion",
        "intregion_code",
        "ldc",
        "lldc",
        "sids",
        "eu",
    ],
    "dict_ims": ["name", "iso3c", "name_short", "region_sdg", "region_a2018"],
    "countryclass": ["economy", "country_code", "region", "income_group"],
    "unhcr_countries": ["iso_code", "unhcr_code", "name", "unhcr_region"],
    "wb_metadata": ["Country Code", "TableName"],
}
_FILES = {
    "countrynames": "countrynames.csv",
    "dict_ims": "dict_ims.csv",
    "countryclass": "countryclass.csv",
    "unhcr_countries": "countries.csv",
    "wb_metadata": "Metadata_Country_API_SP.POP.TOTL_DS2_en_csv_v2_6298256.csv",
}


def parse(ctx: ParseContext) -> dict[str, pd.DataFrame]:
    """The five reference tables as DataFrames, every required column checked."""
    tables = {}
    for key, name in _FILES.items():
        # "NA" is Namibia's ISO2 code, so only empty cells are missing here.
        relation = ctx.read_csv(name, columns={column: "VARCHAR" for column in _REQUIRED[key]}, na_values=("",))
        frame = relation.df()
        if key == "countrynames":
            for column in ("m49", "region_code", "subregion_code", "intregion_code", "ldc", "lldc", "sids", "eu"):
                frame[column] = pd.to_numeric(frame[column])
        tables[key] = frame
    return tables
