"""Benchmark: importing the mirror's research corpora into a fresh evidence store, then the first search.

Run: OBSERVATORY_MIRROR=../shared/data python bench/evidence_import.py [--runs 3] [--no-embed]
Each run prints, on the same machine state: the baseline (DuckDB's raw read of the six corpus files, and the readers'
parse alone), the import of records with their rule labels (`import --mirror --no-embed`, target ≤ 60 s), the MiniLM
embedding with the relabelling it brings (`evidence embed`), and warm_up() then the first search (target ≤ 300 ms).
Wall and CPU seconds are both printed: the machine is shared, and the load average says how much of it we had.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from observatory.evidence.corpora import MIRROR_CORPORA
from observatory.evidence.importer import embed_and_reclassify, import_mirror, parse_file
from observatory.evidence.search import search, warm_up
from observatory.evidence.store import EvidenceStore
from observatory.settings import get_settings


def timed(step, *args, **kwargs) -> tuple[object, float, float]:
    """Result, wall seconds and CPU seconds (all threads of this process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = step(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def raw_read(base: Path) -> int:
    """Rows of every corpus file as DuckDB reads them (the floor for any import)."""
    rows = 0
    con = duckdb.connect()
    for rel in MIRROR_CORPORA.values():
        path = str(base / rel).replace("'", "''")
        reader = "read_json_auto" if rel.endswith(".jsonl") else "read_csv_auto"
        rows += con.execute(f"SELECT count(*) FROM {reader}('{path}')").fetchone()[0]
    con.close()
    return rows


def parse_only(base: Path) -> int:
    """Records the readers build from every corpus file, nothing stored."""
    return sum(len(parse_file(base / rel)[1].records) for rel in MIRROR_CORPORA.values())


def one_run(mirror: Path, folder: Path, embed: bool) -> dict[str, list[float]]:
    """Seconds (wall, CPU) of each step of one import into a new store."""
    base = mirror / "evidence"
    out: dict[str, list[float]] = {}
    rows, *out["raw read (DuckDB)"] = timed(raw_read, base)
    records, *out["parse only"] = timed(parse_only, base)
    store = EvidenceStore(folder / "evidence.duckdb")
    reports, *out["import, records + rule labels"] = timed(import_mirror, mirror, store, embed=False)
    if embed:
        embedded, *out["embedding + relabelling"] = timed(embed_and_reclassify, store)
        print(f"    embedded {len(embedded):,} records")
    _, *out["warm_up()"] = timed(warm_up, store)
    _, *out["first search"] = timed(search, "mental health of refugee children", store=store)
    print(f"    {rows:,} raw rows, {records:,} parsed records, {store.count(None):,} stored records")
    return out


def main() -> None:
    """Three (or --runs) imports into new stores; figures per step and run."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-embed", action="store_true", help="leave out the embedding step (minutes of CPU)")
    args = parser.parse_args()
    mirror = get_settings().mirror
    if mirror is None:
        raise SystemExit("set OBSERVATORY_MIRROR to the shared data folder")
    for run in range(1, args.runs + 1):
        print(f"run {run}: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        folder = Path(tempfile.mkdtemp(prefix="observatory-bench-evidence-"))
        try:
            for step, (wall, cpu) in one_run(Path(mirror), folder, not args.no_embed).items():
                print(f"  {step:32s} {wall:8.2f} s wall {cpu:8.2f} s CPU")
        finally:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
