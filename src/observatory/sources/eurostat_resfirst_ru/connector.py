"""Eurostat first residence permits to Russian citizens: one sheet, countries in rows, years in columns."""

from __future__ import annotations

import pandas as pd

from observatory.sources.context import ParseContext
from observatory.sources.errors import SourceError

FILE = "migr_resfirst_RU_citizens.xlsx"


def parse(ctx: ParseContext):
    """Long rows Russia → country per year (names, as area_scheme is name); ':' (not available) gives no row."""
    sheet = ctx.read_excel(FILE, "Sheet 1", header=None, dtype=str)
    header = [str(value).strip() for value in sheet.iloc[0]]
    if header[0] != "TIME" or not all(h.isdigit() for h in header[1:]):
        raise SourceError(ctx.label(FILE), f"expected a header TIME, <years>; found {header}", row=1)
    rows = []
    for index in range(1, len(sheet)):
        country = str(sheet.iat[index, 0]).strip()
        for column, year in enumerate(header[1:], start=1):
            cell = sheet.iat[index, column]
            text = "" if pd.isna(cell) else str(cell).strip()
            if text in ("", ":"):
                continue
            try:
                value = float(text.replace(",", ""))
            except ValueError:
                raise SourceError(
                    ctx.label(FILE), f"value {text!r} is not a number or ':'", row=index + 1, field=year
                ) from None
            rows.append(
                {
                    "measure_id": "eurostat_first_permits_ru",
                    "origin": "Russian Federation",
                    "destination": country,
                    "year": int(year),
                    "value": value,
                    "_file": ctx.label(FILE),
                    "_row": index + 1,
                }
            )
    return [ctx.relation_from_frame(pd.DataFrame(rows), "resfirst_ru")]
