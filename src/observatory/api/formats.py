"""Tables as JSON, CSV, Parquet or Excel downloads; every download names its release and sources."""

from __future__ import annotations

import csv
import io
import json
from enum import Enum
from typing import Any

from fastapi.responses import Response

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


def _cell(value: Any) -> Any:
    """A value a CSV or spreadsheet cell can hold, never read as a formula."""
    if isinstance(value, (list, tuple)):
        value = ";".join(str(v) for v in value)
    elif isinstance(value, dict):
        value = json.dumps(value, default=str)
    return spreadsheet_text(value)


def table_response(
    fmt: Format,
    rows: list[dict[str, Any]],
    columns: list[str],
    *,
    release: str,
    name: str,
    meta: dict[str, Any] | None = None,
    sources: list[dict[str, Any]] | None = None,
) -> Response:
    """The rows in the asked format; JSON wraps them with the release, the metadata and the sources."""
    meta = meta or {}
    sources = sources or []
    if fmt == Format.json:
        return json_response({"release": release, **meta, "data": rows, "sources": sources})
    filename = f"{name}-{release}.{fmt.value}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if fmt == Format.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([_cell(c) for c in columns])
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
        return Response(buffer.getvalue().encode("utf-8"), media_type=MEDIA_TYPES[fmt], headers=headers)
    if fmt == Format.parquet:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = (
            pa.Table.from_pylist([{c: row.get(c) for c in columns} for row in rows])
            if rows
            else pa.table({c: pa.array([], pa.string()) for c in columns})
        )
        metadata = {
            b"observatory.release": release.encode(),
            b"observatory.sources": json.dumps(sources, default=str).encode(),
        }
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
        sink = io.BytesIO()
        pq.write_table(table, sink)
        return Response(sink.getvalue(), media_type=MEDIA_TYPES[fmt], headers=headers)
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "data"
    sheet.append([_cell(c) for c in columns])
    for row in rows:
        sheet.append([_cell(row.get(c)) for c in columns])
    about = book.create_sheet("sources")
    about.append(["release", _cell(release)])
    for key, value in meta.items():
        about.append([_cell(key), _cell(value)])
    about.append([])
    about.append(["dataset", "publisher", "title", "version", "licence", "citation", "url"])
    for src in sources:
        fields = ("dataset", "publisher", "title", "version", "licence", "citation")
        about.append([_cell(src.get(field)) for field in fields] + [_cell(safe_url(src.get("url")))])
    sink = io.BytesIO()
    book.save(sink)
    return Response(sink.getvalue(), media_type=MEDIA_TYPES[fmt], headers=headers)
