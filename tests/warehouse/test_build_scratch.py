"""A build's scratch folder is in the releases folder, removed by the build or, after a kill, by the next build."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from observatory.warehouse import releases
from observatory.warehouse.build import BuildError

STOCK = "dest,orig,year,sex,stock\nFRA,DZA,2020,Male,800\nFRA,DZA,2020,Female,750\n"
SCRATCH = ".scratch-*"

# A build in its own process whose connector writes into the scratch folder, says where it is, then waits to be killed.
CHILD = textwrap.dedent("""
    import importlib.util, json, sys, time
    from pathlib import Path
    from observatory.settings import Settings
    from observatory.sources.spec import SourceSpec
    from observatory.warehouse.build import build_release

    arguments = json.loads(sys.argv[1])
    settings = Settings(home=Path(arguments["home"]), mirror=Path(arguments["mirror"]))
    specs = [SourceSpec.model_validate_json(text) for text in arguments["specs"]]
    module_spec = importlib.util.spec_from_file_location("tiny_connector", arguments["connector"])
    connector = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(connector)

    def parse(ctx):
        (ctx.scratch / "spill.bin").write_bytes(b"x" * 4096)
        Path(arguments["marker"]).write_text(str(ctx.scratch))
        time.sleep(120)

    connector.parse = parse
    build_release(settings, specs=specs, connectors={"tiny_stock": connector})
""")


def _scratch_folders(settings) -> list:
    return sorted(settings.releases_dir.glob(SCRATCH))


def test_a_build_leaves_no_scratch(tiny_world):
    tiny_world.write("tiny/stock.csv", STOCK)
    tiny_world.build()
    assert _scratch_folders(tiny_world.settings) == []
    tiny_world.write("tiny/stock.csv", STOCK.replace("800", "8x0"))
    with pytest.raises(BuildError, match="row 2, field 'stock': value '8x0' is not a valid double"):
        tiny_world.build(strict_checksums=False)
    assert _scratch_folders(tiny_world.settings) == []


def test_killed_build_scratch_is_removed_by_the_next_build(tiny_world, tmp_path):
    tiny_world.write("tiny/stock.csv", STOCK)
    tiny_world.build()
    settings = tiny_world.settings
    current = (settings.releases_dir / releases.CURRENT_FILE).read_bytes()
    marker, temp = tmp_path / "scratch-path", tmp_path / "system-temp"
    temp.mkdir()
    arguments = {
        "home": str(settings.home),
        "mirror": str(tiny_world.mirror),
        "marker": str(marker),
        "specs": [spec.model_dump_json() for spec in tiny_world.specs()],
        "connector": str(tiny_world.connector.__file__),
    }
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(arguments)], env={**os.environ, "TMPDIR": str(temp)}
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert marker.exists(), "the build did not reach the connector"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    [left] = _scratch_folders(settings)  # the kill left the scratch folder, with its files
    assert str(left) == marker.read_text() and (left / "spill.bin").is_file()
    assert left.stat().st_mode & 0o777 == 0o700
    assert (settings.releases_dir / releases.CURRENT_FILE).read_bytes() == current
    assert not list(temp.iterdir())  # nothing went to the system temp folder, where no later build would find it
    tiny_world.build()
    assert _scratch_folders(settings) == []
    assert not list(settings.releases_dir.glob("*.building*"))


def test_stale_scratch_links_are_removed_without_following_them(tiny_world, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("not the build's")
    tiny_world.write("tiny/stock.csv", STOCK)
    tiny_world.settings.releases_dir.mkdir(parents=True)
    os.symlink(outside, tiny_world.settings.releases_dir / ".scratch-r20000101T000000Z")
    tiny_world.build()
    assert _scratch_folders(tiny_world.settings) == []
    assert (outside / "keep.txt").read_text() == "not the build's"
