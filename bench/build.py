"""Benchmark: a full release build from the mirror against DuckDB merely reading the same raw files.

Run as `python bench/build.py` (OBSERVATORY_MIRROR, else /work/shared/data). Prints the raw-read time (every CSV and
Parquet file declared in a source.yml read with CREATE TABLE AS SELECT * FROM read_csv/read_parquet, the xlsx files
with pandas/openpyxl), the build time, their ratio (the target is a build within 5× the raw read), and where the
build spends its time: ReleaseBuilder methods and the functions build.py calls are wrapped from the outside
(nothing in the package is edited), and the builder's connection is wrapped so that each SQL statement is charged
to a stage by what it does.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from observatory.settings import Settings
from observatory.sources import registry
from observatory.warehouse import build

TIMES: dict[str, float] = defaultdict(float)
PER_SOURCE: dict[str, float] = defaultdict(float)
BY_SOURCE_STAGE: dict[tuple[str, str], float] = defaultdict(float)
_current_source: list[str] = []


@contextmanager
def charged(stage: str):
    started = time.perf_counter()
    try:
        yield
    finally:
        seconds = time.perf_counter() - started
        TIMES[stage] += seconds
        if _current_source and "(total)" not in stage:
            BY_SOURCE_STAGE[(_current_source[-1], stage)] += seconds


def raw_read(mirror: Path) -> tuple[float, int, int]:
    """Seconds for DuckDB (and openpyxl for xlsx) to read every declared raw file into memory; files, rows."""
    seen: dict[str, str] = {}
    for spec in registry.all_specs():
        for raw in spec.files:
            seen.setdefault(raw.path, raw.encoding)
    con = duckdb.connect()
    rows = 0
    started = time.perf_counter()
    for index, (path, encoding) in enumerate(seen.items()):
        file = mirror / path
        if file.suffix in (".csv", ".tsv"):
            option = "" if encoding.lower().replace("-", "") == "utf8" else f", encoding = '{encoding}'"
            option += ", delim = '\t'" if file.suffix == ".tsv" else ""
            con.execute(f"CREATE TABLE raw_{index} AS SELECT * FROM read_csv('{file}'{option})")
        elif file.suffix == ".parquet":
            con.execute(f"CREATE TABLE raw_{index} AS SELECT * FROM read_parquet('{file}')")
        elif file.suffix == ".xlsx":
            sheets = pd.read_excel(file, sheet_name=None, engine="openpyxl")
            rows += sum(len(sheet) for sheet in sheets.values())
            continue
        else:
            raise SystemExit(f"no raw reader for {path}")
        rows += con.execute(f"SELECT count(*) FROM raw_{index}").fetchall()[0][0]
    seconds = time.perf_counter() - started
    con.close()
    return seconds, len(seen), rows


class TimedConnection:
    """Forwards to the builder's DuckDB connection; charges each statement to a stage by what it does."""

    STAGES = (
        ("CREATE OR REPLACE TEMP TABLE stage", "materialise connector output (reads raw files)"),
        ("INSERT INTO observation", "insert observations"),
        ("CREATE TEMP TABLE resolved", "resolve areas: rewrite codes"),
        ("INSERT INTO indicator_value", "indicators: insert values"),
        ("CREATE OR REPLACE TEMP TABLE indicator_raw", "indicators: run formulas"),
        ("CREATE OR REPLACE TEMP TABLE group_rows", "indicators: group aggregates"),
        ("CHECKPOINT", "publish: checkpoint"),
    )

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self._con = con

    def execute(self, query, *args, **kwargs):
        text = query.strip() if isinstance(query, str) else ""
        stage = next((label for prefix, label in self.STAGES if text.startswith(prefix)), None)
        if stage is None:
            return self._con.execute(query, *args, **kwargs)
        with charged(stage):
            return self._con.execute(query, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._con, name)


def instrument() -> None:
    """Wrap ReleaseBuilder methods and the helpers build.py calls, from the outside."""
    builder = build.ReleaseBuilder
    original_init = builder.__init__

    def init(self, *args, **kwargs):
        with charged("open release file and create schema"):
            original_init(self, *args, **kwargs)
        self.con = TimedConnection(self.con)

    builder.__init__ = init

    def wrap_method(name: str, stage: str, per_source: bool = False):
        original = getattr(builder, name)

        def wrapper(self, *args, **kwargs):
            spec = args[0] if args and hasattr(args[0], "id") else None
            if per_source and spec is not None:
                _current_source.append(spec.id)
            started = time.perf_counter()
            try:
                with charged(stage):
                    return original(self, *args, **kwargs)
            finally:
                if per_source and spec is not None:
                    PER_SOURCE[_current_source.pop()] += time.perf_counter() - started

        setattr(builder, name, wrapper)

    for name, stage, per_source in (
        ("load_reference", "load area reference (total)", True),
        ("load_frameworks", "load frameworks (total)", True),
        ("load_source", "load sources (total)", True),
        ("_resolve_areas", "resolve areas (total)", False),
        ("_record_dataset", "record dataset/measure rows", False),
        ("load_contributed", "contributed datasets", False),
        ("compute_indicators", "indicators (total)", False),
        ("validate", "validate release", False),
        ("store_findings", "store findings", False),
        ("publish", "publish (total)", False),
    ):
        wrap_method(name, stage, per_source)

    def wrap_function(module, name: str, stage: str):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            with charged(stage):
                return original(*args, **kwargs)

        setattr(module, name, wrapper)

    wrap_function(build, "file_record", "checksums (sha256 of raw files)")
    wrap_function(build, "run_checks", "data checks")
    wrap_function(build, "build_area_reference", "build area reference frames")
    wrap_function(build.AreaResolver, "resolve_values", "resolve areas: match names")

    original_connector = builder._connector

    class TimedConnector:
        def __init__(self, module):
            self._module = module

        def parse(self, ctx):
            with charged("connector parse (builds lazy relations)"):
                return self._module.parse(ctx)

    builder._connector = lambda self, spec: TimedConnector(original_connector(self, spec))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    mirror = Path(os.environ.get("OBSERVATORY_MIRROR", "/work/shared/data")).resolve()
    print(f"mirror: {mirror}")
    read_seconds, files, rows = raw_read(mirror)
    print(f"raw read: {files} files, {rows:,} rows: {read_seconds:.2f} s")
    instrument()
    with tempfile.TemporaryDirectory(prefix="observatory-bench-build-") as home:
        started = time.perf_counter()
        report = build.build_release(Settings(home=Path(home), mirror=mirror))
        build_seconds = time.perf_counter() - started
    observations = sum(report.datasets.values())
    print(
        f"build_release: {build_seconds:.2f} s ({observations:,} observations, {report.indicator_values:,} indicator "
        "values)"
    )
    print(f"build / raw read: {build_seconds / read_seconds:.1f}× (target ≤ 5×)")
    print("\nstages (seconds; '(total)' lines include the lines nested in them):")
    for stage, seconds in sorted(TIMES.items(), key=lambda item: -item[1]):
        print(f"  {seconds:8.2f}  {100 * seconds / build_seconds:5.1f} %  {stage}")
    print("\nslowest sources (load, all stages):")
    for source, seconds in sorted(PER_SOURCE.items(), key=lambda item: -item[1])[:10]:
        print(f"  {seconds:8.2f}  {source}")
    print("\nlargest source × stage items:")
    for (source, stage), seconds in sorted(BY_SOURCE_STAGE.items(), key=lambda item: -item[1])[:12]:
        print(f"  {seconds:8.2f}  {source}: {stage}")


if __name__ == "__main__":
    main()
