"""`observatory sql` and every release connection are read-only: no statement reads or writes outside the release."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from observatory.api.release_cache import ReleaseRegistry
from observatory.settings import Settings
from observatory.warehouse import releases
from observatory.warehouse.query import QueryError, read_only_query

SECRET = "vault-key-3f9a1c"
RELEASE_ID = "r20260101T000000Z"


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Settings:
    """A home with one small release, a fake vault key, a CSV, a Parquet file and an NDJSON file beside it."""
    root = tmp_path_factory.mktemp("read-only")
    settings = Settings(home=root / "home", mirror=None)
    settings.releases_dir.mkdir(parents=True)
    con = duckdb.connect(str(settings.releases_dir / f"{RELEASE_ID}.duckdb"))
    con.execute(
        "CREATE TABLE area (code VARCHAR, kind VARCHAR); INSERT INTO area VALUES ('FRA', 'country'), ('MAR', 'country')"
    )
    con.execute(f"COPY (SELECT '{SECRET}' AS key) TO '{root / 'secret.parquet'}' (FORMAT parquet)")
    con.close()
    releases.set_current(settings, RELEASE_ID)
    vault = settings.home / "vault"
    vault.mkdir()
    (vault / "vault.key").write_text(f"key,value\n{SECRET},1\n")
    (root / "people.csv").write_text(f"name,age\n{SECRET},41\n")
    (root / "people.ndjson").write_text(f'{{"name": "{SECRET}"}}\n')
    return settings


def _tree(root: Path) -> set[tuple[str, int]]:
    """Every file under root with its size."""
    return {(str(p), p.stat().st_size) for p in root.rglob("*") if p.is_file()}


ESCAPES = [
    "EXPLAIN ANALYZE COPY (SELECT 1) TO '{out}'",
    "EXPLAIN ANALYZE COPY area TO '{out}' (FORMAT csv)",
    "EXPLAIN COPY area TO '{out}'",
    "EXPLAIN ANALYZE COPY(SELECT 1)TO '{out}'",
    "EXPLAIN ANALYZE\nCOPY area TO '{out}'",
    "explain analyze\tcopy area to '{out}' (format csv)",
    "EXPLAIN SELECT * FROM read_text('{key}')",
    "SELECT * FROM sniff_csv('{key}')",
    "SELECT * FROM glob('{root}/*')",
    "SELECT * FROM glob('{home}/vault/*')",
    "SELECT * FROM glob ('{root}/*')",
    "SELECT * FROM GLOB\t('{root}/*')",
    "SELECT * FROM \"read_text\"('{key}')",
    "SELECT * FROM read_text/**/('{key}')",
    "SELECT * FROM read_ndjson_objects('{ndjson}')",
    "SELECT * FROM read_json_auto('{ndjson}')",
    "SELECT * FROM parquet_scan('{parquet}')",
    "SELECT * FROM parquet_metadata('{parquet}')",
    "SELECT * FROM parquet_schema('{parquet}')",
    "SELECT * FROM read_parquet('{parquet}')",
    "SELECT * FROM read_text('{key}')",
    "SELECT * FROM read_text(['{key}', '{csv}'])",
    "SELECT * FROM read_blob('{key}')",
    "SELECT * FROM read_csv('{csv}')",
    "SELECT * FROM read_csv_auto('{key}')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM '{csv}'",
    "FROM '{parquet}'",
    "SELECT (SELECT count(*) FROM glob('{root}/*')) AS n",
    "WITH leak AS (SELECT * FROM read_text('{key}')) SELECT * FROM leak",
    "SELECT * FROM area WHERE code IN (SELECT content FROM read_text('{key}'))",
    "SELECT * FROM area, LATERAL (SELECT * FROM read_text('{key}'))",
    "SUMMARIZE SELECT * FROM read_text('{key}')",
    "SELECT * FROM query('SELECT * FROM read_text(''{key}'')')",
    "SELECT * FROM query_table('{csv}')",
    "SELECT * FROM duckdb_extensions()",
    "ATTACH '{root}/other.duckdb' AS other",
    "ATTACH ':memory:' AS scratch",
    "DETACH area",
    "COPY area TO '{out}'",
    "COPY area FROM '{csv}'",
    "EXPORT DATABASE '{root}/export'",
    "INSTALL httpfs",
    "LOAD httpfs",
    "LOAD '{key}'",
    "SET enable_external_access = true",
    "RESET enable_external_access",
    "PRAGMA enable_external_access = true",
    "SET lock_configuration = false",
    "SET GLOBAL enable_external_access = true",
    "RESET ALL",
    "CALL pragma_version()",
    "PRAGMA database_list",
    "CHECKPOINT",
    "CREATE TABLE copy AS SELECT * FROM area",
    "CREATE VIEW v AS SELECT 1",
    "INSERT INTO area VALUES ('X', 'country')",
    "UPDATE area SET kind = 'x'",
    "DELETE FROM area",
    "DROP TABLE area",
    "USE area",
    "PIVOT area ON kind",
    "SELECT 1; COPY area TO '{out}'",
    "SELECT 1; SELECT 2",
    "SELECT 1;; SET enable_external_access = true",
    "/* hidden */ COPY area TO '{out}'",
    "",
    "   ",
]


def _fill(query: str, settings: Settings) -> str:
    root = settings.home.parent
    return query.format(
        out=root / "leak.csv",
        key=settings.home / "vault" / "vault.key",
        root=root,
        home=settings.home,
        csv=root / "people.csv",
        ndjson=root / "people.ndjson",
        parquet=root / "secret.parquet",
    )


@pytest.mark.parametrize("template", ESCAPES)
def test_sql_refuses_every_escape_and_touches_no_file(home, template, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # relative paths would land here
    query = _fill(template, home)
    before, here = _tree(home.home.parent), _tree(tmp_path)
    with pytest.raises(QueryError, match=QUERY_REFUSAL) as refused:
        read_only_query(home, query)
    assert SECRET not in str(refused.value)
    assert _tree(home.home.parent) == before and _tree(tmp_path) == here
    relative = template.replace("'{out}'", "'leak.csv'")
    if relative != template:
        with pytest.raises(QueryError, match=QUERY_REFUSAL):
            read_only_query(home, _fill(relative, home))
        assert not (tmp_path / "leak.csv").exists()


FILE_READS = [
    t
    for t in ESCAPES
    if t.startswith(("SELECT", "FROM", "EXPLAIN", "WITH", "SUMMARIZE")) and "{" in t and "query(" not in t
]
FILE_WRITES = [
    "COPY area TO '{out}'",
    "EXPLAIN ANALYZE COPY area TO '{out}'",
    "EXPORT DATABASE '{root}/export'",
    "ATTACH '{root}/other.duckdb'",
]
SETTING_CHANGES = [
    "SET enable_external_access = true",
    "RESET enable_external_access",
    "PRAGMA enable_external_access = true",
    "SET lock_configuration = false",
    "RESET ALL",
    "SET autoload_known_extensions = true",
    "SET allow_unsigned_extensions = true",
]


# How the query check refuses: a statement that is not one SELECT, a read outside the release, or a parse failure.
QUERY_REFUSAL = (
    r"^(only SELECT queries are allowed|give exactly one statement|queries may read only the release's tables"
    r"|cannot parse the query)"
)


def _connections(settings: Settings):
    """The CLI's connection and the server's, both as opened in production."""
    _, cli = releases.connect(settings)
    registry = ReleaseRegistry(settings)
    return [("cli", cli, cli.close), ("server", registry.current().connection, registry.close)]


def test_release_connections_reach_no_file_even_without_the_query_check(home, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = _tree(home.home.parent)
    for name, con, close in _connections(home):
        try:
            for template in FILE_READS + FILE_WRITES:
                query = (
                    _fill(template, home)
                    .replace("EXPLAIN ANALYZE ", "")
                    .replace("EXPLAIN ", "")
                    .replace("SUMMARIZE ", "")
                )
                # One template keeps the ANALYZE of its EXPLAIN ANALYZE (a line break, not a space, follows it)
                # and fails to parse.
                kind, words = (
                    (duckdb.ParserException, "syntax error")
                    if query.startswith("ANALYZE\n")
                    else (duckdb.PermissionException, "file system operations are disabled by configuration")
                )
                with pytest.raises(kind, match=words) as refused:
                    con.execute(query).fetchall()
                assert SECRET not in str(refused.value), (name, template)
            for statement in SETTING_CHANGES:
                kind, words = (
                    (duckdb.ParserException, 'syntax error at or near "ALL"')
                    if statement == "RESET ALL"
                    else (duckdb.InvalidInputException, "the configuration has been locked")
                )
                with pytest.raises(kind, match=words):
                    con.execute(statement)
            settings = dict(
                con.execute(
                    "SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access', "
                    "'lock_configuration', 'autoinstall_known_extensions', 'autoload_known_extensions')"
                ).fetchall()
            )
            assert settings == {
                "enable_external_access": "false",
                "lock_configuration": "true",
                "autoinstall_known_extensions": "false",
                "autoload_known_extensions": "false",
            }, name
            with pytest.raises(duckdb.InvalidInputException, match="attached in read-only mode"):
                con.execute("DELETE FROM area")
            assert con.execute("SELECT count(*) FROM area").fetchall() == [(2,)]
        finally:
            close()
    assert _tree(home.home.parent) == before and not os.listdir(tmp_path)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT count(*) AS n FROM area WHERE kind = 'country'",
        "FROM area SELECT count(*) AS n",
        "WITH c AS (SELECT * FROM area) SELECT count(*) AS n FROM c",
        "SELECT count(*) AS n FROM area, range(1) r",
        "SELECT count(*) AS n FROM area;",
    ],
)
def test_plain_selects_still_answer(home, query):
    columns, rows = read_only_query(home, query)
    assert columns == ["n"] and rows == [(2,)]


def test_describe_and_parameters_work(home):
    _columns, rows = read_only_query(home, "DESCRIBE area")
    assert [row[0] for row in rows] == ["code", "kind"]
    assert read_only_query(home, "SELECT code FROM area WHERE code = ?", ["MAR"])[1] == [("MAR",)]
