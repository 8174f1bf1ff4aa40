"""Benchmark: a full release build from the mirror against DuckDB merely reading the same raw files.

Run as `python bench/build.py` (OBSERVATORY_MIRROR, else /work/shared/data). Prints the raw-read time (every CSV and
Parquet file declared in a source.yml read with CREATE TABLE AS SELECT * FROM read_csv/read_parquet, the xlsx files
with pandas/openpyxl), the build time, their ratio (the target is a build within 5× the raw read), and where the
build spends its time: ReleaseBuilder methods and the functions build.py calls are wrapped from the outside
(nothing in the package is edited), and the builder's connection is wrapped so that each SQL statement is charged
to a stage by what it does. Then an incremental rebuild after one small source's declaration changed (target: at
most 15 % of the full build). Wall and CPU seconds (all threads) are both given: on a shared machine the CPU ratio
is the steadier one.

`--scale 1,4,16` instead builds, per factor N, from a synthetic mirror where every observation source appears N
times (copy k reads its own links to the same raw files, its measures, datasets, series and indicators renamed with
a `_kN` suffix: new keys, same shapes); each factor runs in its own process and prints raw read, build time and
peak memory (the target: 16× within 24 GiB).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from observatory.indicators.spec import load_catalogue
from observatory.settings import Settings
from observatory.sources import registry
from observatory.sources.series import declared_series
from observatory.sources.spec import SourceSpec
from observatory.warehouse import build

TIMES: dict[str, float] = defaultdict(float)
CPU_TIMES: dict[str, float] = defaultdict(float)  # the same stages in CPU seconds (all threads)
PER_SOURCE: dict[str, float] = defaultdict(float)
BY_SOURCE_STAGE: dict[tuple[str, str], float] = defaultdict(float)
_current_source: list[str] = []


@contextmanager
def charged(stage: str):
    started, cpu_started = time.perf_counter(), cpu_seconds()
    try:
        yield
    finally:
        seconds = time.perf_counter() - started
        TIMES[stage] += seconds
        CPU_TIMES[stage] += cpu_seconds() - cpu_started
        if _current_source and "(total)" not in stage:
            BY_SOURCE_STAGE[(_current_source[-1], stage)] += seconds


def cpu_seconds() -> float:
    """User and system time of this process, all threads (DuckDB's included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def raw_read(mirror: Path, specs=None) -> tuple[float, int, int, float]:
    """Seconds for DuckDB (and openpyxl for xlsx) to read every declared raw file into memory; files, rows, CPU s."""
    seen: dict[str, str] = {}
    for spec in specs if specs is not None else registry.all_specs():
        for raw in spec.files:
            seen.setdefault(raw.path, raw.encoding)
    con = duckdb.connect()
    rows = 0
    started, cpu_started = time.perf_counter(), cpu_seconds()
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
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    con.close()
    return seconds, len(seen), rows, cpu


class TimedConnection:
    """Forwards to the builder's DuckDB connection; charges each statement to a stage by what it does."""

    STAGES = (
        ("CREATE OR REPLACE TEMP TABLE stage", "materialise connector output (reads raw files)"),
        ("INSERT INTO observation", "insert observations"),
        ("INSERT INTO indicator_value", "indicators: values and group aggregates"),
        ('INSERT INTO "', "indicators: earlier editions' values and group aggregates"),
        ("CREATE OR REPLACE TEMP TABLE indicator_rows", "indicators: run formulas"),
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


class ScaledSpec(SourceSpec):
    """A copy of a source under another id that keeps reading the original's folder (countries.yml, connector)."""

    original: str

    @property
    def folder(self) -> Path:
        return registry.SOURCES_DIR / self.original


class ScaledConnector:
    """The original connector; its rows get the copy's measure ids (new keys, same shapes)."""

    def __init__(self, module, suffix: str):
        self.module, self.suffix = module, suffix

    def parse(self, ctx):
        renamed = []
        for output in self.module.parse(ctx):
            if isinstance(output, pd.DataFrame):
                renamed.append(output.assign(measure_id=output["measure_id"] + self.suffix))
            else:
                renamed.append(output.project(f"* REPLACE (measure_id || '{self.suffix}' AS measure_id)"))
        return renamed


def _renamer(names: set[str], suffix: str):
    def rename(text: str) -> str:
        """Quoted measure and dataset ids in SQL (or a bare id) get the copy's suffix."""
        if text in names:
            return text + suffix
        return re.sub(r"'([a-z][a-z0-9_]*)'", lambda m: f"'{m[1]}{suffix}'" if m[1] in names else m[0], text)

    return rename


def scaled_inputs(mirror: Path, factor: int, links: Path):
    """Specs, connectors, series and catalogue with every observation source `factor` times; `links` is the mirror."""
    specs = list(registry.all_specs())
    series = dict(declared_series())
    catalogue = list(load_catalogue())
    copied = [spec for spec in specs if spec.provides == "observations"]
    names = {spec.id for spec in copied} | {m.id for spec in copied for m in spec.measures}
    for folder in mirror.iterdir():
        (links / folder.name).symlink_to(folder)
    extra, connectors = [], {}
    for k in range(2, factor + 1):
        suffix = f"_k{k}"
        rename = _renamer(names, suffix)
        for spec in copied:
            files = []
            for raw in spec.files:
                folder, _, rest = raw.path.partition("/")
                path = f"{folder}{suffix}/{rest}"
                (links / path).parent.mkdir(parents=True, exist_ok=True)
                if not (links / path).exists():
                    (links / path).symlink_to(mirror / raw.path)
                files.append({**raw.model_dump(), "path": path})
            checks = spec.checks.model_copy(
                update={
                    "non_negative": [rename(m) for m in spec.checks.non_negative],
                    "negative_is_warning": [rename(m) for m in spec.checks.negative_is_warning],
                    "sums": [c.model_copy(update={"measure": rename(c.measure)}) for c in spec.checks.sums],
                    "jumps": [c.model_copy(update={"measure": rename(c.measure)}) for c in spec.checks.jumps],
                }
            )
            fields = {
                **spec.model_dump(),
                "id": spec.id + suffix,
                "files": files,
                "measures": [{**m.model_dump(), "id": m.id + suffix} for m in spec.measures],
                "checks": checks.model_dump(),
                "original": spec.id,
            }
            extra.append(ScaledSpec.model_validate(fields))
            connectors[spec.id + suffix] = ScaledConnector(registry.connector(spec), suffix)
        for measure, entry in declared_series().items():
            order = [rename(dataset) for dataset in entry.order if dataset in names]
            if measure in names and len(order) >= 2:
                series[rename(measure)] = entry.model_copy(update={"order": order})
        for indicator in load_catalogue():
            if set(indicator.inputs) <= names:
                catalogue.append(
                    indicator.model_copy(
                        update={
                            "id": indicator.id + suffix,
                            "inputs": [rename(m) for m in indicator.inputs],
                            "labelled_measures": [rename(m) for m in indicator.labelled_measures],
                            "formula": rename(indicator.formula),
                        }
                    )
                )
    derived = len([spec for spec in specs if spec.provides != "derived"])
    return specs[:derived] + extra + specs[derived:], connectors, series, tuple(catalogue)


def scaled_build(mirror: Path, factor: int) -> dict:
    """One factor: raw read of the synthetic mirror and a full build from it; times and this process's peak memory."""
    with tempfile.TemporaryDirectory(prefix="observatory-bench-scale-") as folder:
        links = Path(folder) / "mirror"
        links.mkdir()
        specs, connectors, series, catalogue = scaled_inputs(mirror, factor, links)
        read_seconds, files, rows, read_cpu = raw_read(links, specs)
        build.load_catalogue = lambda: catalogue  # the copies' indicators too
        started, cpu_started = time.perf_counter(), cpu_seconds()
        report = build.build_release(
            Settings(home=Path(folder) / "home", mirror=links),
            specs=specs,
            connectors=connectors,
            series=series,
            console=None,
            incremental_build=False,
        )
        return {
            "factor": factor,
            "files": files,
            "raw_rows": rows,
            "read_seconds": read_seconds,
            "read_cpu": read_cpu,
            "build_seconds": time.perf_counter() - started,
            "build_cpu": cpu_seconds() - cpu_started,
            "observations": sum(report.datasets.values()),
            "indicator_values": report.indicator_values,
            "peak_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
        }


def run_scales(mirror: Path, factors: list[int]) -> None:
    """Each factor in a fresh process, so that its peak memory is its own."""
    print(f"mirror: {mirror}; every observation source ×N (derived sources once)")
    print(
        "factor  raw files  raw rows     raw read s  build s (wall/CPU)   build/read CPU  observations  indicator "
        "values  peak GiB"
    )
    first = None
    for factor in factors:
        done = subprocess.run(
            [sys.executable, __file__, "--one-scale", str(factor)], capture_output=True, text=True, check=False
        )
        if done.returncode:
            print(f"{factor:>5}×  failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ''}")
            continue
        row = json.loads(done.stdout.strip().splitlines()[-1])
        first = first or row
        print(
            f"{factor:>5}×  {row['files']:>9}  {row['raw_rows']:>11,}  {row['read_seconds']:>10.1f}  "
            f"{row['build_seconds']:>8.1f} / {row['build_cpu']:>7.1f}  {row['build_cpu'] / row['read_cpu']:>14.1f}  "
            f"{row['observations']:>12,}  {row['indicator_values']:>16,}  {row['peak_gib']:>8.2f}"
        )
    if first is not None:
        print(f"(per factor, build CPU grows from {first['build_cpu']:.1f} s at {first['factor']}×; limit 24 GiB)")


def incremental_rebuild(home: Path, mirror: Path, full_seconds: float, full_cpu: float) -> None:
    """Rebuild after one small source's declaration changed, in the home of the full build."""
    changed = "sdg_10_7_2"
    specs = [
        spec.model_copy(update={"note": spec.note + " (bench: declaration changed)"}) if spec.id == changed else spec
        for spec in registry.all_specs()
    ]
    for label, chosen in (("nothing changed", list(registry.all_specs())), (f"{changed} changed", specs)):
        started, cpu_started = time.perf_counter(), cpu_seconds()
        report = build.build_release(Settings(home=home, mirror=mirror), specs=chosen)
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
        print(
            f"incremental rebuild, {label}: {seconds:.2f} s wall ({100 * seconds / full_seconds:.1f} % of the full "
            f"build), {cpu:.2f} s CPU ({100 * cpu / full_cpu:.1f} %); {len(report.reused)} of {len(chosen)} sources "
            "copied (target ≤ 15 %)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", help="comma-separated factors, e.g. 1,4,16: build from a synthetic N× mirror")
    parser.add_argument("--one-scale", type=int, help=argparse.SUPPRESS)  # one factor, in a child process
    args = parser.parse_args()
    mirror = Path(os.environ.get("OBSERVATORY_MIRROR", "/work/shared/data")).resolve()
    if args.one_scale:
        print(json.dumps(scaled_build(mirror, args.one_scale)))
        return
    if args.scale:
        run_scales(mirror, [int(factor) for factor in args.scale.split(",")])
        return
    print(f"mirror: {mirror}")
    read_seconds, files, rows, read_cpu = raw_read(mirror)
    print(f"raw read: {files} files, {rows:,} rows: {read_seconds:.2f} s wall, {read_cpu:.2f} s CPU")
    instrument()
    with tempfile.TemporaryDirectory(prefix="observatory-bench-build-") as home:
        started, cpu_started = time.perf_counter(), cpu_seconds()
        report = build.build_release(Settings(home=Path(home), mirror=mirror))
        build_seconds, build_cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
        observations = sum(report.datasets.values())
        print(
            f"build_release: {build_seconds:.2f} s wall, {build_cpu:.2f} s CPU ({observations:,} observations, "
            f"{report.indicator_values:,} indicator values)"
        )
        print(
            f"build / raw read: {build_seconds / read_seconds:.1f}× wall, {build_cpu / read_cpu:.1f}× CPU (target ≤ 5×)"
        )
        print(
            "\nstages (wall s, share of wall, CPU s, share of CPU; '(total)' lines include the lines nested in them):"
        )
        for stage, seconds in sorted(TIMES.items(), key=lambda item: -item[1]):
            cpu = CPU_TIMES[stage]
            shares = f"{100 * seconds / build_seconds:5.1f} %  {cpu:8.2f}  {100 * cpu / build_cpu:5.1f} %"
            print(f"  {seconds:8.2f}  {shares}  {stage}")
        print("\nslowest sources (load, all stages):")
        for source, seconds in sorted(PER_SOURCE.items(), key=lambda item: -item[1])[:10]:
            print(f"  {seconds:8.2f}  {source}")
        print("\nlargest source × stage items:")
        for (source, stage), seconds in sorted(BY_SOURCE_STAGE.items(), key=lambda item: -item[1])[:12]:
            print(f"  {seconds:8.2f}  {source}: {stage}")
        print()
        incremental_rebuild(Path(home), mirror, build_seconds, build_cpu)


if __name__ == "__main__":
    main()
