"""Printing result rows as a table for people (readable numbers, fits the terminal), or as raw CSV or JSON."""

from __future__ import annotations

import csv
import datetime
import decimal
import enum
import io
import json
import math
from collections.abc import Iterable

from rich import box
from rich.console import Console
from rich.table import Table

WIDE_LIMIT = 400  # characters: a --wide table is as wide as its columns need, but not wider than this


class OutputFormat(str, enum.Enum):  # noqa: UP042 - StrEnum changes str()/format() of members (value instead of Class.member)
    table = "table"
    csv = "csv"
    json = "json"


def _plain(value):
    """A value as JSON and CSV carry it: raw numbers, ISO dates, and no NaN or infinity (not valid JSON)."""
    if isinstance(value, decimal.Decimal):
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def is_percent_unit(unit: str | None) -> bool:
    """'percent', 'percent of GDP', 'percent of the amount sent': shown with one decimal."""
    return bool(unit and unit.strip().lower().startswith("percent"))


def human_number(value: float | decimal.Decimal | None, percent: bool = False) -> str:
    """A number as a person reads it: 50.47 M, 19.29 bn, 256,545, 23.3 (percent), 0.745; never 1.92884e+10."""
    if value is None:
        return ""
    number = float(value)
    if not math.isfinite(number):
        return ""
    if percent:
        return f"{number:,.1f}"
    magnitude = abs(number)
    if magnitude >= 1e9:
        return f"{number / 1e9:,.2f} bn"
    if magnitude >= 1e6:
        return f"{number / 1e6:,.2f} M"
    if number == int(number):
        return f"{number:,.0f}"
    if magnitude >= 100:
        return f"{number:,.1f}"
    if magnitude >= 1:
        return f"{number:,.2f}"
    # below one: three significant digits in fixed notation (0.745, 0.0123, 0.000456)
    decimals = min(12, 2 - math.floor(math.log10(magnitude)))
    return f"{number:.{decimals}f}"


def _is_number(value) -> bool:
    return isinstance(value, (float, decimal.Decimal)) and not isinstance(value, bool)


def _cell(value, percent: bool) -> str:
    """Floats and decimals as human numbers; integers (years, counts) and text as they are."""
    if value is None:
        return ""
    if _is_number(value):
        return human_number(value, percent)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def emit_rows(
    columns: list[str],
    rows: list[tuple],
    format: OutputFormat,
    console: Console,
    percent_columns: Iterable[str] = (),
    wide: bool = False,
    whole_columns: Iterable[str] = (),
) -> None:
    """Rows as a table for people (values formatted, folded to the terminal width unless `wide`), or raw CSV or JSON."""
    if format is OutputFormat.json:
        records = [{c: _plain(v) for c, v in zip(columns, row, strict=False)} for row in rows]
        print(json.dumps(records, ensure_ascii=False, indent=1, default=str))
    elif format is OutputFormat.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_plain(v) for v in row] for row in rows])
        print(buffer.getvalue(), end="")
    elif wide:
        # every column at its natural width (up to WIDE_LIMIT): read it with `less -S` rather than folded to slivers
        table = people_table(columns, rows, percent_columns, whole_columns)
        needed = console.measure(table, options=console.options.update_width(WIDE_LIMIT)).maximum
        Console(width=max(console.width, needed), file=console.file, no_color=console.no_color).print(table, crop=False)
    else:
        console.print(people_table(columns, rows, percent_columns, whole_columns))


def people_table(
    columns: list[str], rows: list[tuple], percent_columns: Iterable[str] = (), whole_columns: Iterable[str] = ()
) -> Table:
    """A light table (no vertical rules, so more fits in 80 columns); numbers and `whole_columns` are never split."""
    percent, whole = set(percent_columns), set(whole_columns)

    def numeric(index: int) -> bool:
        cells = [row[index] for row in rows if row[index] is not None]
        return bool(cells) and all(_is_number(cell) or isinstance(cell, int) for cell in cells)

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for index, column in enumerate(columns):
        if numeric(index):
            table.add_column(column, justify="right", no_wrap=True)
        elif column in whole:
            table.add_column(column, no_wrap=True)
        else:
            table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*[_cell(value, column in percent) for column, value in zip(columns, row, strict=False)])
    return table
