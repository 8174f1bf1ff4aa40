"""Read-only SQL on the current release: one statement, reads only, on a read-only connection."""

from __future__ import annotations

import duckdb

from observatory.settings import Settings
from observatory.warehouse import releases

_READ_STATEMENTS = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}


class QueryError(Exception):
    """A refused or failing query."""


def read_only_query(settings: Settings, query: str, params: list | None = None, limit: int | None = None) -> tuple[list[str], list[tuple]]:
    """Columns and rows of one SELECT; anything that could write is refused before it runs."""
    try:
        release, con = releases.connect(settings)
    except releases.ReleaseError as error:
        raise QueryError(str(error)) from None
    try:
        try:
            statements = con.extract_statements(query)
        except duckdb.Error as error:
            raise QueryError(f"cannot parse the query: {str(error).splitlines()[0]}") from None
        if len(statements) != 1:
            raise QueryError(f"give exactly one statement (found {len(statements)})")
        if statements[0].type not in _READ_STATEMENTS:
            raise QueryError(f"only SELECT queries are allowed; refused a {statements[0].type.name} statement")
        # Also refuse table functions that reach outside the release (files, other databases).
        lowered = query.lower()
        for forbidden in ("read_csv", "read_parquet", "read_json", "read_text", "read_blob", "attach", "copy ", "glob(", "httpfs", "install ", "load "):
            if forbidden in lowered:
                raise QueryError(f"queries may read only the release tables; {forbidden.strip()!r} is not allowed")
        try:
            result = con.execute(query, params or [])
            rows = result.fetchmany(limit) if limit else result.fetchall()
            return [d[0] for d in result.description], rows
        except duckdb.Error as error:
            raise QueryError(str(error).splitlines()[0]) from None
    finally:
        con.close()
