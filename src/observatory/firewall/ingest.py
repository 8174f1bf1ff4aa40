"""Read one CSV or XLSX upload in a limited worker and validate it against its declared schema; reject it whole.

Refusals name the row and the column by position (and a column's name only when the schema declares it): never a
cell value, an undeclared header or the file name, any of which can name a person.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from observatory.firewall.declarations import CaseSchema, age_to_band
from observatory.firewall.errors import UploadRejected, UploadTooLarge
from observatory.firewall.identifiers import (
    MAX_CELL_CHARS,
    declared_identifier_column,
    identifier_column,
    identifier_kind,
    normalise_column,
)
from observatory.firewall.ingest_worker import WorkerLimits, run_in_worker
from observatory.firewall.ingest_xlsx import read_xlsx

FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._()-]{0,119}\.(csv|xlsx)", re.IGNORECASE)
MAX_COLUMNS = 50
NUMBER = re.compile(r"[+-]?[0-9][0-9 .,]{0,40}")
WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class ParsedUpload:
    """Validated records of one upload, in memory only."""

    filename: str
    fields: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def check_filename(filename: str) -> str:
    """Accept a bare file name ending in .csv or .xlsx; refuse paths, traversal and control characters."""
    if "/" in filename or "\\" in filename or ".." in filename or PurePosixPath(filename).name != filename:
        raise UploadRejected("the file name must be a bare name, not a path")
    if not FILENAME.fullmatch(filename):
        raise UploadRejected("the file name must be letters, digits, spaces, dots or dashes and end in .csv or .xlsx")
    return filename


def decode_csv(data: bytes) -> list[list[str]]:
    """Decode strict UTF-8 and split into rows; report the row of the first bad byte or quote."""
    if b"\x00" in data:
        row = data[: data.index(b"\x00")].count(b"\n") + 1
        raise UploadRejected("contains NUL bytes: this is not a text CSV file", row=row)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        row = data[: error.start].count(b"\n") + 1
        raise UploadRejected("is not valid UTF-8 text; save it as CSV UTF-8", row=row) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    try:
        rows.extend(reader)
    except csv.Error:
        raise UploadRejected(
            "malformed CSV (unbalanced quotes, stray characters or an overlong field)", row=reader.line_num
        ) from None
    return rows


def looks_like(kind: str) -> str:
    """'looks like a personal name', 'looks like an e-mail address', 'looks like free text'."""
    if kind == "free text":
        return "looks like free text"
    return f"looks like {'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def clean(schema: CaseSchema, field: str, value: str) -> str:
    """Normalise a cell for its field: enums lower-case with underscores, codes upper-case."""
    spec = schema.fields[field]
    value = value.strip()
    if spec.type == "enum":
        lowered = WHITESPACE.sub("_", value.lower())
        return lowered if lowered in spec.values else value
    return value.upper() if spec.type == "code" else value


def data_kind(schema: CaseSchema, text: str) -> str | None:
    """What a first-row cell that is not a column name looks like, if it looks like data ('a personal name', ...)."""
    kind = identifier_kind(text)
    if kind is not None:
        return looks_like(kind)
    if NUMBER.fullmatch(text):
        return "looks like a number"
    for field, spec in schema.fields.items():
        # Codes count only in their canonical upper case, so a column called 'ref' is not taken for a country code.
        if spec.accepts(clean(schema, field, text) if spec.type == "enum" else text):
            return f"looks like a value of {field!r}"
    return None


def check_header(schema: CaseSchema, first: list[str]) -> list[str]:
    """The header row, checked: present, every column named, no identifier column, and not a row of data."""
    if not any(cell.strip() for cell in first):
        raise UploadRejected("the file is empty (no header row)", row=1)
    if len(first) > MAX_COLUMNS:
        raise UploadRejected(f"the file has {len(first)} columns (limit {MAX_COLUMNS})", row=1)
    header = [cell.strip() for cell in first]
    sources = schema.source_columns()
    accepted = ", ".join(sorted(sources))
    if not any(name in sources for name in header):
        # Name the column that tells most: a direct identifier before a mere value.
        kinds = [
            (identifier_kind(name) is None, position, data_kind(schema, name))
            for position, name in enumerate(header, start=1)
            if name
        ]
        telling = min((kind for kind in kinds if kind[2] is not None), default=None)
        if telling is not None:
            raise UploadRejected(
                f"the file has no header row: column {telling[1]} {telling[2]}; its first row must "
                f"name the columns (accepted: {accepted})",
                row=1,
            )
        raise UploadRejected(
            f"the first row names no declared column: the file needs a header row (accepted: {accepted})", row=1
        )
    declared_forms = {normalise_column(name): name for name in sources}
    position: int | None
    for position, name in enumerate(header, start=1):
        if name in sources:
            continue
        if not name:
            raise UploadRejected("has no name in the header row", row=1, column=position)
        if len(name) <= 40 and normalise_column(name) in declared_forms:
            raise UploadRejected(
                f"write the declared name {declared_forms[normalise_column(name)]!r} exactly", row=1, column=position
            )
        if identifier_column(name):
            raise UploadRejected(
                "its name announces a direct identifier (names, document or phone numbers, e-mails, "
                "birth dates, notes); remove the column before uploading",
                row=1,
                column=position,
                field=name if declared_identifier_column(name) else None,
            )
        looks = data_kind(schema, name)
        if looks is not None:
            raise UploadRejected(
                f"{looks}, not a column name; remove the column before uploading", row=1, column=position
            )
    for position, name in enumerate(header, start=1):
        if header.index(name) != position - 1:
            raise UploadRejected(f"repeats the name of column {header.index(name) + 1}", row=1, column=position)
    return header


def scan_cells(schema: CaseSchema, header: list[str], body: list[list[str]]) -> None:
    """Refuse over-long cells and cells that look like direct identifiers, in any column, naming row and column."""
    sources = schema.source_columns()
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise UploadRejected(f"has {len(row)} fields where the header has {len(header)}", row=number)
        for position, (name, raw) in enumerate(zip(header, row, strict=True), start=1):
            field = name if name in sources else None
            if len(raw) > MAX_CELL_CHARS:
                raise UploadRejected(
                    f"holds a value longer than {MAX_CELL_CHARS} characters (free text is not accepted)",
                    row=number,
                    column=position,
                    field=field,
                )
            if sources.get(name) == name and schema.fields[name].accepts(clean(schema, name, raw)):
                continue
            kind = identifier_kind(raw)
            if kind is not None:
                raise UploadRejected(
                    f"{looks_like(kind)} (a direct identifier); remove it before uploading",
                    row=number,
                    column=position,
                    field=field,
                )


def band_age(number: int, position: int, column: str, raw: str) -> str:
    """Turn an exact age into its declared band (the exact age is not kept)."""
    if not raw:
        return ""
    if not re.fullmatch(r"[0-9]{1,3}", raw):
        raise UploadRejected("is not a whole number of years", row=number, column=position, field=column)
    band = age_to_band(int(raw))
    if band is None:
        raise UploadRejected("is out of range (0-130)", row=number, column=position, field=column)
    return band


def validate_table(schema: CaseSchema, table: list[list[str]]) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Check header and every cell; return the schema-ordered fields and rows."""
    while table and not any(cell.strip() for cell in table[-1]):
        table.pop()
    if not table:
        raise UploadRejected("the file is empty (no header row)", row=1)
    header = check_header(schema, table[0])
    body = table[1:]
    if not body:
        raise UploadRejected("the file has a header but no records", row=2)
    if len(body) > schema.limits.max_rows:
        raise UploadRejected(f"the file has more than {schema.limits.max_rows} records", row=schema.limits.max_rows + 2)
    scan_cells(schema, header, body)
    sources = schema.source_columns()
    position: int | None
    for position, name in enumerate(header, start=1):
        if name not in sources:
            raise UploadRejected(
                f"is not declared in schema {schema.id!r} (accepted: {', '.join(sorted(sources))})",
                row=1,
                column=position,
            )
    present = {sources[name] for name in header}
    for name in schema.required:
        if name not in present:
            raise UploadRejected("required column is missing", row=1, field=name)
    for spec_name, spec in schema.fields.items():
        if spec.from_column and spec.from_column in header and spec_name in header:
            raise UploadRejected(
                f"give either {spec_name!r} or {spec.from_column!r}, not both", row=1, field=spec.from_column
            )
    index = {name: header.index(name) for name in header}
    fields = tuple(schema.fields)
    rows: list[tuple[str, ...]] = []
    for number, row in enumerate(body, start=2):
        record: list[str] = []
        for field in fields:
            spec = schema.fields[field]
            column = field if field in index else (spec.from_column if spec.from_column in index else None)
            position = index[column] + 1 if column else None
            raw = row[index[column]].strip() if column else ""
            if column and column != field:
                raw = band_age(number, index[column] + 1, column, raw)
            value = clean(schema, field, raw) if raw else ""
            if not value:
                if field in schema.required:
                    raise UploadRejected("is empty but required", row=number, column=position, field=column or field)
            elif not spec.accepts(value):
                if spec.type == "enum":
                    expected = f"one of {', '.join(spec.values)}"
                else:
                    expected = spec.description or f"a {spec.type} value"
                raise UploadRejected(
                    f"is not valid: expected {expected}", row=number, column=position, field=column or field
                )
            record.append(value)
        rows.append(tuple(record))
    return fields, tuple(rows)


def read_upload(kind: str, data: bytes, schema: CaseSchema) -> dict[str, Any]:
    """Decode and validate one upload (run inside the worker); plain lists so the answer travels as JSON."""
    table = read_xlsx(data, schema.limits) if kind == "xlsx" else decode_csv(data)
    fields, rows = validate_table(schema, table)
    return {"fields": list(fields), "rows": [list(row) for row in rows]}


def _checked_reply(reply: Any, schema: CaseSchema) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """The worker's answer, accepted only in the exact shape the schema implies."""
    fields = tuple(schema.fields)
    rows = reply.get("rows") if isinstance(reply, dict) else None
    if (
        not isinstance(reply, dict)
        or reply.get("fields") != list(fields)
        or not isinstance(rows, list)
        or not rows
        or len(rows) > schema.limits.max_rows
    ):
        raise UploadRejected("the file could not be read")
    checked = []
    for row in rows:
        if not isinstance(row, list) or len(row) != len(fields) or not all(isinstance(value, str) for value in row):
            raise UploadRejected("the file could not be read")
        checked.append(tuple(row))
    return fields, tuple(checked)


def parse_upload(filename: str, data: bytes, schema: CaseSchema, limits: WorkerLimits | None = None) -> ParsedUpload:
    """Validate one upload in a limited worker process; raise UploadRejected naming row and column on any fault."""
    filename = check_filename(filename)
    if len(data) > schema.limits.max_bytes:
        raise UploadTooLarge(f"the file is {len(data)} bytes (limit {schema.limits.max_bytes})")
    if not data:
        raise UploadRejected("the file is empty")
    is_zip = data.startswith(b"PK\x03\x04")
    kind = "xlsx" if filename.lower().endswith(".xlsx") else "csv"
    if kind == "xlsx" and not is_zip:
        raise UploadRejected("the file is named .xlsx but is not an XLSX file")
    if kind == "csv" and is_zip:
        raise UploadRejected("the file is named .csv but is a zip/XLSX file")
    fields, rows = _checked_reply(run_in_worker(read_upload, (kind, data, schema), limits), schema)
    return ParsedUpload(filename=filename, fields=fields, rows=rows)  # no digest of the file: it would identify it
