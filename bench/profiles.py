"""Benchmark: a batch of publications (`observatory profiles`) on every core against one process, in the same run.

Run: python bench/profiles.py [--home HOME] [--mirror MIRROR] [--countries DEU,IND,MEX,NGA,BRA,USA | --limit N]
     [--kind profile] [--kind brief] [--format pdf] [--runs 3] [--workers N]

Each run starts two fresh processes in turn on the same documents: the baseline renders them one after the other in
one process (what `observatory profiles` did before its worker pool), the other runs the batch on every core
(`run_batch`, as `observatory profiles --all` does). A first unmeasured pool run draws the release's charts, so both
paths then read them from the chart cache. Per run it prints wall seconds (what a person waits; inflated when other
jobs share the machine) and CPU seconds of the process and all its workers (imports included; what a shared machine
distorts least), the ratio baseline / pool, the medians over runs and the projected time for every country.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SAMPLE = ["DEU", "IND", "MEX", "NGA", "BRA", "USA"]


def measure(args: argparse.Namespace) -> None:
    """Serve the parent: run the batch with --workers in this process and print its report as one JSON line."""
    from observatory.publish.batch import folder_jobs, run_batch
    from observatory.publish.data import ReleaseData
    from observatory.settings import get_settings

    data = ReleaseData.open(get_settings(home=args.home, mirror=args.mirror))
    codes = args.countries or data.countries()[: args.limit]
    with tempfile.TemporaryDirectory() as scratch:
        jobs = folder_jobs(codes, tuple(args.kinds), tuple(args.formats), Path(scratch))
        report = run_batch(data, jobs, workers=args.workers)
    print(
        json.dumps(
            {
                "release": data.release_id,
                "countries": len(data.countries()),
                "documents": len(jobs),
                "done": len(report.outcomes) - len(report.failures),
                "workers": report.workers,
                "failures": [f"{o.job.label}: {o.error}" for o in report.failures],
            }
        )
    )
    data.close()


def _run(args: argparse.Namespace, workers: int) -> dict:
    """One fresh process running the batch on `workers` processes: its answer with wall and CPU seconds (the
    process and every worker it waited for)."""
    command = [sys.executable, __file__, "--measure", "--workers", str(workers)]
    command += ["--home", str(args.home)] if args.home else []
    command += ["--mirror", str(args.mirror)] if args.mirror else []
    command += ["--countries", ",".join(args.countries)] if args.countries else ["--limit", str(args.limit)]
    for kind in args.kinds:
        command += ["--kind", kind]
    for fmt in args.formats:
        command += ["--format", fmt]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if finished.returncode != 0:
        raise SystemExit(f"measuring process failed (exit {finished.returncode}):\n{finished.stderr[-2000:]}")
    answer = json.loads(finished.stdout.strip().splitlines()[-1])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {**answer, "wall": wall, "cpu": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path)
    parser.add_argument("--mirror", type=Path)
    parser.add_argument("--countries", type=lambda text: text.split(","), default=None)
    parser.add_argument("--limit", type=int, default=0, help="The first N countries (alphabetical) instead.")
    parser.add_argument("--kind", dest="kinds", action="append", choices=["profile", "brief"])
    parser.add_argument("--format", dest="formats", action="append", choices=["html", "pdf", "md", "json"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="Processes of the pool.")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.kinds = args.kinds or ["profile", "brief"]
    args.formats = args.formats or ["pdf"]
    if not args.limit and not args.countries:
        args.countries = SAMPLE
    if args.measure:
        measure(args)
        return
    print(f"{os.cpu_count()} cores; load average at start {os.getloadavg()[0]:.1f} (a loaded machine inflates wall)")
    warm = _run(args, args.workers)
    print(
        f"release {warm['release']}; {warm['documents']} documents ({', '.join(args.kinds)} as "
        f"{', '.join(args.formats)}); first pool run (charts drawn): {warm['wall']:.1f} s wall, {warm['cpu']:.1f} s CPU"
    )
    runs: dict[str, list[dict]] = {"one process": [], "pool": []}
    for number in range(1, args.runs + 1):
        runs["one process"].append(_run(args, 1))
        runs["pool"].append(_run(args, args.workers))
        serial, pool = runs["one process"][-1], runs["pool"][-1]
        print(
            f"run {number}: one process {serial['wall']:6.1f} s wall {serial['cpu']:6.1f} s CPU | pool of "
            f"{pool['workers']} {pool['wall']:6.1f} s wall {pool['cpu']:6.1f} s CPU | baseline/pool wall "
            f"{serial['wall'] / pool['wall']:.2f}x, CPU {serial['cpu'] / pool['cpu']:.2f}x; "
            f"load {os.getloadavg()[0]:.1f}"
        )
        for failure in serial["failures"] + pool["failures"]:
            print(f"  failed: {failure}")
    documents = warm["documents"]
    for name, measured in runs.items():
        wall = statistics.median(r["wall"] for r in measured)
        cpu = statistics.median(r["cpu"] for r in measured)
        share = warm["countries"] / (documents / len(args.kinds))
        print(
            f"{name:>11}: median {wall:.1f} s wall ({wall / documents:.2f} s per document), {cpu:.1f} s CPU "
            f"({cpu / documents:.2f} s per document); all {warm['countries']} countries projected "
            f"{wall * share:.0f} s wall"
        )
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
