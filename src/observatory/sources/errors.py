"""Errors that name the file, row and field, so bad input is found in seconds."""

from __future__ import annotations


class SourceError(Exception):
    """A raw file cannot be read as declared."""

    def __init__(self, file: str, message: str, *, row: int | None = None, field: str | None = None):
        self.file, self.row, self.field, self.message = file, row, field, message
        where = file
        if row is not None:
            where += f", row {row}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")
