(
    """Releases: atomic switch, readers see one consistent release, killed builds leave nothing current, pruning, """
    """rollback."""
)

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import duckdb
import pytest

from observatory.warehouse import releases
from observatory.warehouse.query import QueryError, read_only_query

GOOD = "dest,orig,year,sex,stock\nFRA,DZA,2020,Male,800\nFRA,DZA,2020,Female,750\n"


def _total(settings) -> float:
    release, con = releases.connect(settings)
    try:
        return con.execute("SELECT sum(value) FROM observation").fetchall()[0][0]
    finally:
        con.close()


def test_build_creates_release_with_schema_and_provenance(tiny_world):
    tiny_world.write("tiny/stock.csv", GOOD)
    report = tiny_world.build()
    release, con = releases.connect(tiny_world.settings)
    try:
        assert report.datasets == {
            "area_reference": con.execute("SELECT count(*) FROM area").fetchall()[0][0],
            "tiny_stock": 2,
        }
        assert con.execute("SELECT count(*) FROM area WHERE kind = 'country'").fetchall()[0][0] == 11
        row = con.execute(
            "SELECT publisher, version_producer, licence, row_count FROM dataset WHERE id = 'tiny_stock'"
        ).fetchall()[0]
        assert row == ("Observatory tests", "1", "CC0", 2)
        assert (
            con.execute(
                "SELECT count(*) FROM dataset_file WHERE dataset_id = 'tiny_stock' AND length(sha256) = 64"
            ).fetchall()[0][0]
            == 1
        )
    finally:
        con.close()


def test_reader_of_current_release_is_unaffected_by_a_new_build(tiny_world):
    tiny_world.write("tiny/stock.csv", GOOD)
    tiny_world.build()
    release, reader = releases.connect(tiny_world.settings)
    tiny_world.write("tiny/stock.csv", GOOD.replace("800", "900"))
    tiny_world.build()
    try:
        assert reader.execute("SELECT sum(value) FROM observation").fetchall()[0][0] == 1550
    finally:
        reader.close()
    assert _total(tiny_world.settings) == 1650
    assert releases.current_release(tiny_world.settings).release_id != release.release_id


def test_reader_during_build_sees_the_previous_release(tiny_world):
    tiny_world.write("tiny/stock.csv", GOOD)
    tiny_world.build()
    first = releases.current_release(tiny_world.settings).release_id
    tiny_world.write("tiny/stock.csv", GOOD.replace("800", "900"))
    original_parse = tiny_world.connector.parse
    in_build, resume = threading.Event(), threading.Event()

    def slow_parse(ctx):
        in_build.set()
        resume.wait(10)
        return original_parse(ctx)

    tiny_world.connector.parse = slow_parse
    worker = threading.Thread(target=tiny_world.build)
    worker.start()
    assert in_build.wait(10)
    assert releases.current_release(tiny_world.settings).release_id == first
    assert _total(tiny_world.settings) == 1550
    resume.set()
    worker.join(30)
    assert _total(tiny_world.settings) == 1650


def test_killed_build_leaves_previous_release_current(tiny_world, tmp_path):
    tiny_world.write("tiny/stock.csv", GOOD)
    tiny_world.build()
    first = releases.current_release(tiny_world.settings).release_id
    tiny_world.write("tiny/stock.csv", GOOD.replace("800", "900"))
    marker = tmp_path / "inside-build"
    script = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(os.path.dirname(__file__) + "/..")!r})
        from pathlib import Path
        from conftest import TinyWorld
        world = TinyWorld.__new__(TinyWorld)
        import importlib.util, shutil
        from observatory.settings import Settings
        from observatory.sources.spec import load_spec
        world.mirror = Path({str(tiny_world.mirror)!r})
        world.settings = Settings(home=Path({str(tiny_world.settings.home)!r}), mirror=world.mirror)
        world.tiny_spec = load_spec(Path({str(tiny_world.tiny_spec.folder)!r}))  if False else """
        f"""{tiny_world.tiny_spec.model_dump_json()!r}
        from observatory.sources.spec import SourceSpec
        world.tiny_spec = SourceSpec.model_validate_json(world.tiny_spec)
        spec = importlib.util.spec_from_file_location("c", {str(tiny_world.connector.__file__)!r})
        world.connector = importlib.util.module_from_spec(spec); spec.loader.exec_module(world.connector)
        original = world.connector.parse
        def parse(ctx):
            Path({str(marker)!r}).write_text("x")
            time.sleep(60)
            return original(ctx)
        world.connector.parse = parse
        world.build()
    """
    )
    process = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 30
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the build did not start"
    assert list(tiny_world.settings.releases_dir.glob("*.building"))
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert releases.current_release(tiny_world.settings).release_id == first
    assert _total(tiny_world.settings) == 1550
    tiny_world.build()  # the next build clears what the killed one left behind
    assert not list(tiny_world.settings.releases_dir.glob("*.building*"))
    assert _total(tiny_world.settings) == 1650


def test_rollback_and_pruning(tiny_world):
    settings = tiny_world.settings.model_copy(update={"keep_releases": 2})
    tiny_world.settings = settings
    ids = []
    for value in (800, 900, 1000):
        tiny_world.write("tiny/stock.csv", GOOD.replace("800", str(value)))
        ids.append(tiny_world.build().release.release_id)
    assert [r.release_id for r in releases.list_releases(settings)] == ids[1:]
    assert releases.rollback(settings).release_id == ids[1]
    assert _total(settings) == 1650
    with pytest.raises(releases.ReleaseError, match="unknown release"):
        releases.set_current(settings, ids[0])
    releases.set_current(settings, ids[2])
    assert _total(settings) == 1750


@pytest.mark.parametrize(
    ("query", "refusal"),
    [
        ("INSERT INTO area VALUES ('X', 1, 'X', 'x', 'x', 'country', NULL, NULL)", "refused a INSERT statement"),
        ("DROP TABLE observation", "refused a DROP statement"),
        ("SELECT 1; DROP TABLE observation", "give exactly one statement \\(found 2\\)"),
        ("ATTACH '/tmp/other.duckdb' AS other", "refused a ATTACH statement"),
        ("COPY observation TO '/tmp/leak.csv'", "refused a COPY statement"),
        ("SELECT * FROM read_csv('/etc/passwd')", "the only table functions allowed are"),
        ("CREATE TABLE x AS SELECT 1", "refused a CREATE statement"),
    ],
)
def test_sql_refuses_writes_and_outside_reads(tiny_world, query, refusal):
    tiny_world.write("tiny/stock.csv", GOOD)
    tiny_world.build()
    with pytest.raises(QueryError, match=refusal):
        read_only_query(tiny_world.settings, query)
    assert _total(tiny_world.settings) == 1550


def test_sql_answers_a_select(tiny_world):
    tiny_world.write("tiny/stock.csv", GOOD)
    tiny_world.build()
    columns, rows = read_only_query(tiny_world.settings, "select count(*) as n from area where kind='country'")
    assert columns == ["n"] and rows == [(11,)]


def test_release_file_is_opened_read_only(tiny_world):
    tiny_world.write("tiny/stock.csv", GOOD)
    tiny_world.build()
    release, con = releases.connect(tiny_world.settings)
    with pytest.raises(duckdb.InvalidInputException, match="attached in read-only mode"):
        con.execute("DELETE FROM observation")
    con.close()
