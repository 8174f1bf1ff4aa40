"""What a connector gets to read its raw files: checked CSV, Excel and Parquet readers on one DuckDB connection."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from observatory.sources.errors import SourceError
from observatory.sources.spec import SourceSpec

# Canonical observation columns a connector's SELECT may provide; the engine fills the rest.
OBSERVATION_COLUMNS = (
    "measure_id",
    "area",
    "origin",
    "destination",
    "year",
    "period",
    "sex",
    "age",
    "category",
    "value",
    "lower",
    "upper",
    "status",
    "note",
)
_TYPE_CHECKS = {"DOUBLE": "DOUBLE", "INTEGER": "BIGINT", "BIGINT": "BIGINT", "VARCHAR": "VARCHAR", "DATE": "DATE"}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class ParseContext:
    """Raw files of one source, located on disk, and the build's DuckDB connection."""

    spec: SourceSpec
    paths: dict[str, Path]  # declared relative path -> file on disk
    con: duckdb.DuckDBPyConnection
    scratch: Path  # a private folder for temporary files during the build
    _counter: int = 0
    notes: list[tuple[str, str, str, int]] = field(default_factory=list)  # (check, severity, message, count)
    _workbooks: dict[str, pd.ExcelFile] = field(default_factory=dict)

    def note(self, check: str, message: str, count: int = 1, severity: str = "info") -> None:
        """Record what the connector deliberately left out or changed, for the data-quality report."""
        self.notes.append((check, severity, message, count))

    def path(self, name: str) -> Path:
        return self.paths[self.spec.file(name).path]

    def label(self, name: str) -> str:
        """The file as users know it: `<folder>/<file>`."""
        return self.spec.file(name).path

    def _view_name(self, stem: str) -> str:
        self._counter += 1
        return f"raw_{self.spec.id}_{re.sub(r'[^a-z0-9]+', '_', stem.lower())}_{self._counter}"

    def _numbered(self, sql: str) -> None:
        """Run a row-numbering read with insertion order kept, so `_row` is the position in the file."""
        self.con.execute("SET preserve_insertion_order = true")
        try:
            self.con.execute(sql)
        finally:
            # The build runs with insertion order off: inserts then run in parallel.
            self.con.execute("SET preserve_insertion_order = false")

    # --- text checks -------------------------------------------------------------------------------------------
    def decoded_text(self, name: str) -> str:
        """The whole file decoded with its declared encoding; a bad byte is reported with its line."""
        raw_file = self.spec.file(name)
        data = self.path(name).read_bytes()
        try:
            return data.decode(raw_file.encoding)
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            raise SourceError(
                raw_file.path,
                f"not valid {raw_file.encoding} text (byte 0x{data[error.start]:02x} at offset {error.start}); "
                "the file is corrupt or in another encoding",
                row=line,
            ) from None

    def _locate_structure_error(self, label: str, text: str, header_line: int, delim: str) -> SourceError:
        """Scan with Python's csv module to say which row breaks the table (only on the error path)."""
        reader = csv.reader(io.StringIO(text), delimiter=delim)
        width = None
        for index, fields in enumerate(reader, start=1):
            if index < header_line or not fields:
                continue
            if width is None:
                width = len(fields)
                continue
            if len(fields) != width:
                return SourceError(
                    label,
                    f"expected {width} fields, found {len(fields)} (truncated or malformed row)",
                    row=reader.line_num,
                )
        return SourceError(label, "the CSV structure could not be read (unbalanced quotes or a truncated file)")

    # --- readers -----------------------------------------------------------------------------------------------
    def read_csv(
        self,
        name: str,
        *,
        columns: dict[str, str],
        skip_lines: int = 0,
        footer_lines: int = 0,
        delim: str = ",",
        na_values: tuple[str, ...] = ("", "NA"),
        thousands: str | None = None,
    ) -> duckdb.DuckDBPyRelation:
        (
            """A typed relation over a CSV with `_file` and `_row` (the line in the file); every declared column """
            """must """
            """parse."""
        )
        label = self.label(name)
        text = self.decoded_text(name)
        source_path = self.path(name)
        raw_file = self.spec.file(name)
        if footer_lines or skip_lines or raw_file.encoding.lower().replace("-", "") not in ("utf8", "utf8sig"):
            # DuckDB has no footer option; hand it a cleaned UTF-8 copy so the fast reader still does the work.
            lines = text.splitlines(keepends=True)
            body = lines[skip_lines : len(lines) - footer_lines if footer_lines else None]
            source_path = self.scratch / f"{self._view_name(Path(name).stem)}.csv"
            source_path.write_text("".join(body).lstrip("\ufeff"), encoding="utf-8")
        header_line = skip_lines + 1
        view = self._view_name(Path(name).stem)
        try:
            scan = (
                f"read_csv({_quote_literal(str(source_path))}, all_varchar = true, header = true, "
                f"delim = {_quote_literal(delim)}, quote = '\"', escape = '\"', strict_mode = true, "
                f"auto_detect = false, columns = {self._sniff_columns(text, header_line, delim, label)})"
            )
            self._numbered(
                f"CREATE OR REPLACE TEMP TABLE {view} AS SELECT *, row_number() OVER () + {header_line} AS _row FROM "
                f"{scan}"
            )
        except duckdb.Error:
            raise self._locate_structure_error(label, text, header_line, delim) from None
        present = [row[0] for row in self.con.execute(f"DESCRIBE {view}").fetchall()]
        for column in columns:
            if column not in present:
                raise SourceError(
                    label, f"missing column {column!r}; the file has {present[:-1]}", row=header_line, field=column
                )
        return self._typed(view, label, columns, na_values, thousands)

    def _sniff_columns(self, text: str, header_line: int, delim: str, label: str) -> str:
        """Declare every header column as VARCHAR so DuckDB never guesses."""
        lines = text.lstrip("\ufeff").splitlines()
        if len(lines) < header_line:
            raise SourceError(label, "the file is empty or has no header row", row=1)
        header = next(csv.reader([lines[header_line - 1]], delimiter=delim))
        seen: dict[str, int] = {}
        names = []
        for position, column in enumerate(header):
            column = column.strip() or f"column{position}"
            if column in seen:
                seen[column] += 1
                column = f"{column}_{seen[column]}"
            seen.setdefault(column, 0)
            names.append(column)
        return "{" + ", ".join(f"{_quote_literal(column)}: 'VARCHAR'" for column in names) + "}"

    def _typed(self, view: str, label: str, columns: dict[str, str], na_values, thousands) -> duckdb.DuckDBPyRelation:
        """Cast declared columns; the first value that does not parse is reported with its row and field."""
        na_list = ", ".join(_quote_literal(value) for value in na_values)
        selects, first_bad = [], []
        for column, declared in columns.items():
            target = _TYPE_CHECKS[declared.upper()]
            raw = f"trim({_quote(column)})"
            if thousands and target in ("DOUBLE", "BIGINT"):
                raw = f"replace({raw}, {_quote_literal(thousands)}, '')"
            # Missing-value markers apply to numbers only: "NA" in a text column may be Namibia.
            cleaned = (
                f"CASE WHEN {raw} IN ({na_list}) THEN NULL ELSE {raw} END"
                if target != "VARCHAR"
                else f"NULLIF({raw}, '')"
            )
            if target != "VARCHAR":
                if target == "BIGINT":
                    # Integers written as 1990.0 by R exports are still integers.
                    cleaned = f"regexp_replace({cleaned}, '\\.0+$', '')"
                first_bad.append(
                    (
                        column,
                        declared,
                        f"min(CASE WHEN {cleaned} IS NOT NULL AND TRY_CAST({cleaned} AS {target}) IS NULL THEN _row "
                        "END)",
                    )
                )
                cleaned = f"CAST({cleaned} AS {target})"
            selects.append(f"{cleaned} AS {_quote(column)}")
        if first_bad:
            # One scan finds, for every typed column at once, the first row whose value does not parse.
            rows = self.con.execute(
                f"SELECT {', '.join(expression for _, _, expression in first_bad)} FROM {view}"
            ).fetchall()[0]
            failures = [
                (row, column, declared)
                for row, (column, declared, _) in zip(rows, first_bad, strict=True)
                if row is not None
            ]
            if failures:
                row, column, declared = min(failures, key=lambda failure: failure[0])
                value = self.con.execute(f"SELECT {_quote(column)} FROM {view} WHERE _row = ?", [row]).fetchall()[0][0]
                raise SourceError(label, f"value {value!r} is not a valid {declared.lower()}", row=row, field=column)
        return self.con.sql(f"SELECT {', '.join(selects)}, {_quote_literal(label)} AS _file, _row FROM {view}")

    def read_parquet(self, name: str, *, columns: dict[str, str]) -> duckdb.DuckDBPyRelation:
        """A relation over a Parquet file with `_file` and `_row`; declared columns must exist with castable types."""
        label = self.label(name)
        view = self._view_name(Path(name).stem)
        try:
            self._numbered(
                f"CREATE OR REPLACE TEMP TABLE {view} AS SELECT *, row_number() OVER () AS _row "
                f"FROM read_parquet({_quote_literal(str(self.path(name)))})"
            )
        except duckdb.Error as error:
            raise SourceError(label, f"not a readable Parquet file ({str(error).splitlines()[0]})") from None
        present = {row[0]: row[1] for row in self.con.execute(f"DESCRIBE {view}").fetchall()}
        for column, declared in columns.items():
            if column not in present:
                raise SourceError(label, f"missing column {column!r}", field=column)
            if _TYPE_CHECKS[declared.upper()] in ("DOUBLE", "BIGINT") and present[column] == "VARCHAR":
                bad = self.con.execute(
                    f"SELECT _row, {_quote(column)} FROM {view} WHERE {_quote(column)} IS NOT NULL "
                    f"AND TRY_CAST({_quote(column)} AS DOUBLE) IS NULL ORDER BY _row LIMIT 1"
                ).fetchall()
                if bad:
                    first = bad[0]
                    raise SourceError(
                        label, f"value {first[1]!r} is not a valid {declared.lower()}", row=first[0], field=column
                    )
        return self.con.sql(f"SELECT *, {_quote_literal(label)} AS _file FROM {view}")

    def read_excel(self, name: str, sheet: str, **options) -> pd.DataFrame:
        """One sheet as a DataFrame (openpyxl); a broken workbook is reported by file and sheet."""
        label = self.label(name)
        try:
            if name not in self._workbooks:  # unzip and index the workbook once for all its sheets
                self._workbooks[name] = pd.ExcelFile(self.path(name), engine="openpyxl")
            return pd.read_excel(self._workbooks[name], sheet_name=sheet, **options)
        except Exception as error:  # openpyxl raises many kinds for a bad zip or sheet
            raise SourceError(label, f"sheet {sheet!r} cannot be read: {error}") from None

    def close(self) -> None:
        """Release the workbooks opened while parsing."""
        for book in self._workbooks.values():
            book.close()
        self._workbooks.clear()

    def require(self, relation: duckdb.DuckDBPyRelation, condition: str, field: str, expected: str) -> None:
        """Fail on the first row where `condition` (SQL) is false, naming file, row, field and value."""
        bad = relation.filter(f"NOT ({condition})").order("_row").limit(1).fetchall()
        if bad:
            row = dict(zip(relation.columns, bad[0], strict=True))
            raise SourceError(
                row["_file"], f"value {row[field]!r} is not allowed; expected {expected}", row=row["_row"], field=field
            )

    def relation_from_frame(self, frame: pd.DataFrame, stem: str) -> duckdb.DuckDBPyRelation:
        """Register a DataFrame built by the connector as a relation the engine can join."""
        view = self._view_name(stem)
        self.con.register(view, frame)
        return self.con.sql(f"SELECT * FROM {view}")


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
