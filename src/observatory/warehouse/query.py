"""Read-only SQL on the current release: one SELECT, run on a connection that cannot reach outside the release."""

from __future__ import annotations

import json
import re
from typing import cast

import duckdb

from observatory.settings import Settings
from observatory.warehouse import releases

# Table functions a query may call. The locked, external-access-off connection is what keeps every other one
# (read_*, glob, sniff_csv, parquet_*, ...) from reaching files; this list is a second line, refusing them earlier.
ALLOWED_TABLE_FUNCTIONS = frozenset(
    {"range", "generate_series", "unnest", "duckdb_tables", "duckdb_columns", "duckdb_views"}
)
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class QueryError(Exception):
    """A refused or failing query."""


def _first_line(error: duckdb.Error) -> str:
    """The first line of a DuckDB error (the rest repeats the query)."""
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _references(tree: object) -> tuple[list[str], list[str]]:
    """Names of the table functions and of the tables a serialised query reads (walked without recursion)."""
    functions, tables, stack = [], [], [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == "TABLE_FUNCTION":
                functions.append(str((node.get("function") or {}).get("function_name", "")))
            elif node.get("type") == "BASE_TABLE":
                tables.append(str(node.get("table_name", "")))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return functions, tables


def check_query(con: duckdb.DuckDBPyConnection, query: str) -> None:
    """Refuse anything but exactly one SELECT that reads release tables (and a few harmless table functions)."""
    try:
        statements = con.extract_statements(query)
    except duckdb.Error as error:
        raise QueryError(f"cannot parse the query: {_first_line(error)}") from None
    if len(statements) != 1:
        raise QueryError(f"give exactly one statement (found {len(statements)})")
    if statements[0].type != duckdb.StatementType.SELECT:
        raise QueryError(f"only SELECT queries are allowed; refused a {statements[0].type.name} statement")
    try:
        tree = json.loads(cast(tuple, con.execute("SELECT json_serialize_sql(?)", [query]).fetchone())[0])
    except (duckdb.Error, ValueError, TypeError):
        raise QueryError("cannot analyse the query; give one plain SELECT") from None
    if not isinstance(tree, dict) or tree.get("error"):
        raise QueryError("cannot analyse the query; give one plain SELECT")
    functions, tables = _references(tree)
    if any(name.lower() not in ALLOWED_TABLE_FUNCTIONS for name in functions):
        allowed = ", ".join(sorted(ALLOWED_TABLE_FUNCTIONS))
        raise QueryError(f"queries may read only the release's tables; the only table functions allowed are {allowed}")
    if any(not _IDENTIFIER.match(name) for name in tables):
        raise QueryError("queries may read only the release's tables; file paths and quoted names are not allowed")


def read_only_query(
    settings: Settings, query: str, params: list | None = None, limit: int | None = None
) -> tuple[list[str], list[tuple]]:
    """Columns and rows of one SELECT on a locked connection that has no access outside the release."""
    try:
        _release, con = releases.connect(settings)
    except releases.ReleaseError as error:
        raise QueryError(str(error)) from None
    try:
        check_query(con, query)
        try:
            result = con.execute(query, params or [])
            rows = result.fetchmany(limit) if limit else result.fetchall()
            return [d[0] for d in result.description], rows
        except duckdb.Error as error:
            raise QueryError(_first_line(error)) from None
    finally:
        con.close()
