"""Read one CSV or XLSX upload safely and validate it against its declared schema; reject it whole on any fault."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from observatory.firewall.declarations import CaseSchema, age_to_band
from observatory.firewall.errors import UploadRejected, UploadTooLarge
from observatory.firewall.identifiers import identifier_column, identifier_kind

FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._()-]{0,119}\.(csv|xlsx)", re.IGNORECASE)
MAX_COLUMNS = 50


@dataclass(frozen=True)
class ParsedUpload:
    """Validated records of one upload, in memory only."""

    filename: str
    fields: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    sha256: str


def check_filename(filename: str) -> str:
    """Accept a bare file name ending in .csv or .xlsx; refuse paths, traversal and control characters."""
    shown = filename if len(filename) <= 120 and filename.isprintable() else "(unprintable name)"
    if "/" in filename or "\\" in filename or ".." in filename or PurePosixPath(filename).name != filename:
        raise UploadRejected("the file name must be a bare name, not a path", file=shown)
    if not FILENAME.fullmatch(filename):
        raise UploadRejected("the file name must be letters, digits, spaces, dots or dashes and end in .csv or .xlsx", file=shown)
    return filename


def _decode_csv(filename: str, data: bytes) -> list[list[str]]:
    """Decode strict UTF-8 and split into rows; report the row of the first bad byte or quote."""
    if b"\x00" in data:
        row = data[: data.index(b"\x00")].count(b"\n") + 1
        raise UploadRejected("contains NUL bytes: this is not a text CSV file", file=filename, row=row)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        row = data[: error.start].count(b"\n") + 1
        raise UploadRejected("is not valid UTF-8 text; save it as CSV UTF-8", file=filename, row=row) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error:
        raise UploadRejected("malformed CSV (unbalanced quotes or stray characters)", file=filename, row=reader.line_num) from None
    return rows


def _check_zip(filename: str, data: bytes, schema: CaseSchema) -> None:
    """Refuse zip bombs, traversal names and XML entity tricks before any XLSX parser sees the file."""
    limits = schema.limits
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UploadRejected("is not a valid XLSX file (broken zip container)", file=filename) from None
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_zip_entries:
            raise UploadRejected(f"the XLSX container has {len(members)} members (limit {limits.max_zip_entries})", file=filename)
        total = 0
        for member in members:
            name = member.filename
            if name.startswith(("/", "\\")) or "\\" in name or ".." in PurePosixPath(name).parts or ":" in name:
                raise UploadRejected("the XLSX container holds a member with a path outside the archive", file=filename)
            total += member.file_size
            ratio = member.file_size / max(member.compress_size, 1)
            if total > limits.max_unzipped_bytes or (member.file_size > 1_000_000 and ratio > limits.max_zip_ratio):
                raise UploadRejected("the XLSX container expands far beyond its size (zip bomb)", file=filename)
        for member in members:
            if member.filename.endswith((".xml", ".rels")):
                try:
                    head = archive.read(member)
                except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
                    raise UploadRejected("the XLSX container is corrupt", file=filename) from None
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise UploadRejected("the XLSX file declares XML entities (refused)", file=filename)


def _xlsx_cell(value: object) -> str:
    """A spreadsheet cell as text (whole numbers without '.0', first-of-month dates as YYYY-MM)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        if value.day == 1 and (not isinstance(value, dt.datetime) or value.time() == dt.time()):
            return f"{value.year:04d}-{value.month:02d}"
        return value.isoformat()[:10]
    return str(value)


def _read_xlsx(filename: str, data: bytes, schema: CaseSchema) -> list[list[str]]:
    """Read the single sheet of an XLSX upload as text rows."""
    from openpyxl import load_workbook

    _check_zip(filename, data, schema)
    rows: list[list[str]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds on a broken workbook
            raise UploadRejected("could not be read as an XLSX workbook", file=filename) from None
        try:
            if len(book.worksheets) != 1:
                raise UploadRejected("an XLSX upload must have exactly one sheet", file=filename)
            for values in book.worksheets[0].iter_rows(values_only=True):
                rows.append([_xlsx_cell(v) for v in values])
                if len(rows) > schema.limits.max_rows + 1:
                    break
        except UploadRejected:
            raise
        except Exception:
            raise UploadRejected("could not be read as an XLSX workbook", file=filename, row=len(rows) + 1) from None
        finally:
            book.close()
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    return rows


def _clean(schema: CaseSchema, field: str, value: str) -> str:
    """Normalise a cell for its field: enums lower-case with underscores, codes upper-case."""
    spec = schema.fields[field]
    value = value.strip()
    if spec.type == "enum":
        lowered = re.sub(r"\s+", "_", value.lower())
        return lowered if lowered in spec.values else value
    return value.upper() if spec.type == "code" else value


def _validate(filename: str, table: list[list[str]], schema: CaseSchema) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Check header and every cell; return the schema-ordered fields and rows."""
    if not table or not any(c.strip() for c in table[0]):
        raise UploadRejected("is empty (no header row)", file=filename, row=1)
    header = [c.strip() for c in table[0]]
    if len(header) > MAX_COLUMNS:
        raise UploadRejected(f"has {len(header)} columns (limit {MAX_COLUMNS})", file=filename, row=1)
    for position, name in enumerate(header, start=1):
        if not name:
            raise UploadRejected(f"column {position} has no name", file=filename, row=1)
        if identifier_column(name):
            raise UploadRejected("is a direct identifier column (names, document or phone numbers, e-mails, birth dates, "
                                 "notes); remove it before uploading", file=filename, row=1, field=name)
    if len(set(header)) != len(header):
        raise UploadRejected("repeats a column name", file=filename, row=1)
    body = table[1:]
    if not body:
        raise UploadRejected("has a header but no records", file=filename, row=2)
    if len(body) > schema.limits.max_rows:
        raise UploadRejected(f"has more than {schema.limits.max_rows} records", file=filename, row=schema.limits.max_rows + 2)
    sources = schema.source_columns()
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise UploadRejected(f"has {len(row)} fields where the header has {len(header)}", file=filename, row=number)
        for name, raw in zip(header, row):
            field = sources.get(name)
            if field == name and schema.fields[name].accepts(_clean(schema, name, raw)):
                continue
            kind = identifier_kind(raw)
            if kind is not None:
                raise UploadRejected(f"holds what looks like a direct identifier ({kind}); remove it before uploading",
                                     file=filename, row=number, field=name)
    unknown = [name for name in header if name not in sources]
    if unknown:
        raise UploadRejected(f"is not declared in schema {schema.id!r} (accepted: {', '.join(sorted(sources))})",
                             file=filename, row=1, field=unknown[0])
    fields = tuple(schema.fields)
    present = {sources[name] for name in header}
    for name in schema.required:
        if name not in present:
            raise UploadRejected("required column is missing", file=filename, row=1, field=name)
    for spec_name, spec in schema.fields.items():
        if spec.from_column and spec.from_column in header and spec_name in header:
            raise UploadRejected(f"give either {spec_name!r} or {spec.from_column!r}, not both", file=filename, row=1, field=spec.from_column)
    index = {name: header.index(name) for name in header}
    rows: list[tuple[str, ...]] = []
    for number, row in enumerate(body, start=2):
        record: list[str] = []
        for field in fields:
            spec = schema.fields[field]
            column = field if field in index else (spec.from_column if spec.from_column in index else None)
            raw = row[index[column]].strip() if column else ""
            if column and column != field:
                raw = _band(filename, number, column, raw)
            value = _clean(schema, field, raw) if raw else ""
            if not value:
                if field in schema.required:
                    raise UploadRejected("is empty but required", file=filename, row=number, field=column or field)
            elif not spec.accepts(value):
                expected = f"one of {', '.join(spec.values)}" if spec.type == "enum" else (spec.description or f"a {spec.type} value")
                raise UploadRejected(f"is not valid: expected {expected}", file=filename, row=number, field=column or field)
            record.append(value)
        rows.append(tuple(record))
    return fields, tuple(rows)


def _band(filename: str, number: int, column: str, raw: str) -> str:
    """Turn an exact age into its declared band (the exact age is not kept)."""
    if not raw:
        return ""
    if not re.fullmatch(r"[0-9]{1,3}", raw):
        raise UploadRejected("is not a whole number of years", file=filename, row=number, field=column)
    band = age_to_band(int(raw))
    if band is None:
        raise UploadRejected("is out of range (0-130)", file=filename, row=number, field=column)
    return band


def parse_upload(filename: str, data: bytes, schema: CaseSchema) -> ParsedUpload:
    """Validate one upload in memory; raise UploadRejected naming file, row and field on any fault."""
    filename = check_filename(filename)
    if len(data) > schema.limits.max_bytes:
        raise UploadTooLarge(f"is {len(data)} bytes (limit {schema.limits.max_bytes})", file=filename)
    if not data:
        raise UploadRejected("is empty", file=filename)
    is_zip = data.startswith(b"PK\x03\x04")
    if filename.lower().endswith(".xlsx"):
        if not is_zip:
            raise UploadRejected("is named .xlsx but is not an XLSX file", file=filename)
        table = _read_xlsx(filename, data, schema)
    else:
        if is_zip:
            raise UploadRejected("is named .csv but is a zip/XLSX file", file=filename)
        table = _decode_csv(filename, data)
        while table and not any(cell.strip() for cell in table[-1]):
            table.pop()
    fields, rows = _validate(filename, table, schema)
    return ParsedUpload(filename=filename, fields=fields, rows=rows, sha256=hashlib.sha256(data).hexdigest())
