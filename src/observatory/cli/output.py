"""Printing result rows as a table, CSV or JSON."""

from __future__ import annotations

import csv
import datetime
import decimal
import enum
import io
import json
import math

from rich.console import Console
from rich.table import Table


class OutputFormat(str, enum.Enum):
    table = "table"
    csv = "csv"
    json = "json"


def _plain(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def emit_rows(columns: list[str], rows: list[tuple], format: OutputFormat, console: Console) -> None:
    if format is OutputFormat.json:
        print(json.dumps([{c: _plain(v) for c, v in zip(columns, row)} for row in rows], ensure_ascii=False, indent=1))
    elif format is OutputFormat.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_plain(v) for v in row] for row in rows])
        print(buffer.getvalue(), end="")
    else:
        table = Table()
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*["" if v is None else (f"{v:,.6g}" if isinstance(v, float) else str(v)) for v in row])
        console.print(table)
