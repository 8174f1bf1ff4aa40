"""Tables as JSON, CSV, Parquet or Excel downloads; every download names its release, row count and sources."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response, StreamingResponse

from observatory.api.responses import json_response
from observatory.api.safe_text import safe_url, spreadsheet_text


class Format(str, Enum):  # noqa: UP042 - StrEnum changes str()/format() of members (value instead of Class.member)
    """Download formats."""

    json = "json"
    csv = "csv"
    parquet = "parquet"
    xlsx = "xlsx"


MEDIA_TYPES = {
    Format.csv: "text/csv; charset=utf-8",
    Format.parquet: "application/vnd.apache.parquet",
    Format.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# One download holds at most this many rows (Excel's sheet limit is 1,048,576); a larger selection pages by Link.
DOWNLOAD_MAX_ROWS = 1_000_000
# Declared column types: every endpoint's Parquet schema is the same whatever the rows hold (never null-typed).
TYPE_NAMES = ("string", "int32", "int64", "float64", "bool", "date", "timestamp", "strings")
SOURCE_FIELDS = ("dataset", "publisher", "title", "version", "licence", "citation")


@dataclass(frozen=True)
class Selection:
    """Where a download's rows sit in the whole selection: its total, the first row's offset and the row count."""

    total: int
    offset: int = 0
    rows: int | None = None
    links: dict[str, str] = field(default_factory=dict)


def arrow_schema(columns: list[str], types: dict[str, str]):
    """The declared Arrow schema of a table (a column without a declared type is text)."""
    import pyarrow as pa

    arrow_types = {
        "string": pa.string(),
        "int32": pa.int32(),
        "int64": pa.int64(),
        "float64": pa.float64(),
        "bool": pa.bool_(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("us"),
        "strings": pa.list_(pa.string()),
    }
    return pa.schema([pa.field(c, arrow_types[types.get(c, "string")]) for c in columns])


def _text(value: Any) -> str | None:
    """A value as plain text (lists joined by ';', mappings as JSON)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, default=str, sort_keys=True)
    return str(value)


def typed(value: Any, kind: str) -> Any:
    """The value in its column's declared type (None stays None)."""
    if value is None:
        return None
    if kind == "string":
        return _text(value)
    if kind in ("int32", "int64"):
        return int(value)
    if kind == "float64":
        return float(value)
    if kind == "bool":
        return bool(value)
    if kind == "strings":
        return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
    if kind == "date" and isinstance(value, str):
        return date.fromisoformat(value[:10])
    if kind == "timestamp" and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def _cell(value: Any) -> Any:
    """A value a CSV or spreadsheet cell can hold, never read as a formula."""
    if isinstance(value, (list, tuple, dict)):
        value = _text(value)
    return spreadsheet_text(value)


def header_token(text: str) -> str:
    """A server-chosen id made safe for an HTTP header (percent-encoded, no separators or controls)."""
    return quote(text, safe="_.-")


def _headers(fmt: Format, name: str, release: str, selection: Selection, sources: list[dict]) -> dict[str, str]:
    """Attachment name, the selection's total and this download's rows, the sources and the paging links."""
    ids = [header_token(str(s.get("dataset"))) for s in sources if s.get("dataset")]
    headers = {
        "Content-Disposition": f'attachment; filename="{header_token(name)}-{header_token(release)}.{fmt.value}"',
        "X-Total-Count": str(selection.total),
        "X-Offset": str(selection.offset),
        "X-Observatory-Sources": ",".join(ids),
    }
    if selection.rows is not None:
        headers["X-Row-Count"] = str(selection.rows)
    links = [f'<{url}>; rel="{rel}"' for rel, url in selection.links.items()]
    links += [f'</api/datasets/{i}>; rel="describedby"' for i in ids]
    if links:
        headers["Link"] = ", ".join(links)
    return headers


def _chunks(rows: list[dict[str, Any]] | Iterable[list[dict[str, Any]]]) -> Iterator[list[dict[str, Any]]]:
    """Rows as chunks, whether given as one list or as an iterator of chunks."""
    if isinstance(rows, list):
        yield rows
        return
    yield from rows


def _csv_body(chunks: Iterator[list[dict]], columns: list[str]) -> Iterator[bytes]:
    """CSV text in pieces: the header, then one piece per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([_cell(c) for c in columns])
    for chunk in chunks:
        for row in chunk:
            writer.writerow([_cell(row.get(c)) for c in columns])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    tail = buffer.getvalue()
    if tail:
        yield tail.encode("utf-8")


class _Drain(io.RawIOBase):
    """A write-only file whose written bytes are collected until taken (Parquet streamed row group by row group)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[bytes] = []
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.parts.append(chunk)
        self.position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self.position

    def take(self) -> bytes:
        """The bytes written since the last take."""
        data, self.parts = b"".join(self.parts), []
        return data


def _parquet_body(
    chunks: Iterator[list[dict]], columns: list[str], types: dict[str, str], metadata: dict
) -> Iterator[bytes]:
    """Parquet in pieces, one row group per chunk, under the endpoint's declared schema and the release metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(columns, types).with_metadata(metadata)
    sink = _Drain()
    writer = pq.ParquetWriter(sink, schema)
    try:
        for chunk in chunks:
            values = {c: [typed(row.get(c), types.get(c, "string")) for row in chunk] for c in columns}
            writer.write_table(pa.table(values, schema=schema))
            yield sink.take()
    finally:
        writer.close()
    yield sink.take()


def _xlsx_body(
    chunks: Iterator[list[dict]],
    columns: list[str],
    release: str,
    selection: Selection,
    meta: dict[str, Any],
    sources: list[dict[str, Any]],
) -> bytes:
    """A workbook: the rows on 'data'; the release, the row counts, the metadata and the sources on 'sources'."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("data")
    sheet.append([_cell(c) for c in columns])
    written = 0
    for chunk in chunks:
        for row in chunk:
            sheet.append([_cell(row.get(c)) for c in columns])
        written += len(chunk)
    about = book.create_sheet("sources")
    about.append(["release", _cell(release)])
    about.append(["rows", written])
    about.append(["total", selection.total])
    about.append(["offset", selection.offset])
    for rel, url in selection.links.items():
        about.append([f"page {rel}", _cell(url)])
    for key, value in meta.items():
        about.append([_cell(key), _cell(value)])
    about.append([])
    about.append([*SOURCE_FIELDS, "url"])
    for src in sources:
        about.append([_cell(src.get(f)) for f in SOURCE_FIELDS] + [_cell(safe_url(src.get("url")))])
    sink = io.BytesIO()
    book.save(sink)
    return sink.getvalue()


def table_response(
    fmt: Format,
    rows: list[dict[str, Any]] | Iterable[list[dict[str, Any]]],
    columns: list[str],
    *,
    release: str,
    name: str,
    meta: dict[str, Any] | None = None,
    sources: list[dict[str, Any]] | None = None,
    types: dict[str, str] | None = None,
    selection: Selection | None = None,
) -> Response:
    (
        """The rows (a list, or chunks streamed from an iterator) in the asked format; JSON wraps them with the """
        """release, the metadata and the sources; downloads carry the release, counts and sources too."""
    )
    meta = meta or {}
    sources = sources or []
    types = types or {}
    if fmt == Format.json:
        data = rows if isinstance(rows, list) else [row for chunk in rows for row in chunk]
        return json_response({"release": release, **meta, "data": data, "sources": sources})
    if selection is None:
        count = len(rows) if isinstance(rows, list) else None
        selection = Selection(total=count or 0, rows=count)
    headers = _headers(fmt, name, release, selection, sources)
    if fmt == Format.csv:
        return StreamingResponse(_csv_body(_chunks(rows), columns), media_type=MEDIA_TYPES[fmt], headers=headers)
    if fmt == Format.parquet:
        metadata = {
            b"observatory.release": release.encode(),
            b"observatory.sources": json.dumps(sources, default=str).encode(),
            b"observatory.total_count": str(selection.total).encode(),
            b"observatory.offset": str(selection.offset).encode(),
            b"observatory.meta": json.dumps(meta, default=str).encode(),
        }
        if selection.rows is not None:
            metadata[b"observatory.row_count"] = str(selection.rows).encode()
        body = _parquet_body(_chunks(rows), columns, types, metadata)
        return StreamingResponse(body, media_type=MEDIA_TYPES[fmt], headers=headers)
    content = _xlsx_body(_chunks(rows), columns, release, selection, meta, sources)
    return Response(content, media_type=MEDIA_TYPES[fmt], headers=headers)
