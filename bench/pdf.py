"""Benchmark: seconds per PDF brief and profile (build + render + write), against the previous code in the same run.

Run: python bench/pdf.py [--home HOME] [--mirror MIRROR] [--countries DEU,IND,MEX,NGA,BRA] [--repeat 3]
     [--rounds 2] [--baseline-commit REV | --no-baseline] [--all]

Each round starts a fresh process for the previous code (`git archive REV src`, default the last commit before the
PDF speed work) and one for the current code, and has them render the same document in turn, so both see the same
load: first each document once (the current code starts from an empty chart cache, so its charts are drawn), then
`--repeat` warm renders. It prints wall and CPU seconds per document (CPU time is what a busy shared machine
distorts least), the medians, the targets (brief <= 1.5 s, profile <= 3 s) and the time for every country of the
release, projected from the warm medians on every core, or measured with --all (a real batch of every country's
brief and profile as PDF on every core, like `observatory profiles --all --kind profile --kind brief --format pdf`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

SAMPLE = ["DEU", "IND", "MEX", "NGA", "BRA"]
BASELINE_COMMIT = "dafe0c4"  # the last commit before the PDF speed work (issue 17 item 5)
TARGETS = {"brief": 1.5, "profile": 3.0}
REPOSITORY = Path(__file__).resolve().parent.parent


def measure(args: argparse.Namespace) -> None:
    """Serve the parent: for each line 'CODE KIND' on stdin render that PDF and answer [wall, cpu] as a JSON line."""
    start, cpu_start = time.perf_counter(), time.process_time()
    from observatory.publish.brief import country_brief
    from observatory.publish.data import ReleaseData
    from observatory.publish.profile import country_profile
    from observatory.publish.render import write
    from observatory.settings import get_settings

    data = ReleaseData.open(get_settings(home=args.home, mirror=args.mirror))
    imports = [time.perf_counter() - start, time.process_time() - cpu_start]
    builders = {"brief": (country_brief, "brief"), "profile": (country_profile, "document")}
    with tempfile.TemporaryDirectory() as scratch:
        try:  # the current code keeps charts per release: start from an empty cache so the first render draws them
            from observatory.publish.chart_cache import ChartCache

            data.chart_cache = ChartCache(Path(scratch) / "charts", data.release_id)  # type: ignore[misc]
        except ImportError:
            pass  # the previous code has no chart cache
        print(json.dumps({"release": data.release_id, "countries": len(data.countries()), "imports": imports}))
        sys.stdout.flush()
        for line in sys.stdin:
            code, kind = line.split()
            build, layout = builders[kind]
            begin, cpu = time.perf_counter(), time.process_time()
            write(build(data, code), "pdf", Path(scratch) / f"{code}-{kind}.pdf", layout=layout)
            print(json.dumps([time.perf_counter() - begin, time.process_time() - cpu]))
            sys.stdout.flush()
    data.close()


def _baseline_source(commit: str, folder: Path) -> Path | None:
    """The previous code's src/ unpacked from git (no worktree, nothing written into the repository)."""
    archive = subprocess.run(
        ["git", "-C", str(REPOSITORY), "archive", commit, "src"], capture_output=True, check=False, timeout=120
    )
    if archive.returncode != 0:
        return None
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder / "src"


class Renderer:
    """A fresh measuring process of one code path; `source` puts another copy of the package first on the path."""

    def __init__(self, args: argparse.Namespace, source: Path | None):
        command = [sys.executable, __file__, "--measure"]
        command += ["--home", str(args.home)] if args.home else []
        command += ["--mirror", str(args.mirror)] if args.mirror else []
        environment = dict(os.environ)
        if source is not None:
            environment["PYTHONPATH"] = str(source)
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=environment
        )
        self.ready = json.loads(self._answer())

    def _answer(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"measuring process stopped (exit {self.process.wait()})")
        return line

    def render(self, code: str, kind: str) -> list[float]:
        """[wall, cpu] seconds of one document."""
        assert self.process.stdin is not None
        self.process.stdin.write(f"{code} {kind}\n")
        self.process.stdin.flush()
        return json.loads(self._answer())

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)


def _round(args: argparse.Namespace, sources: dict[str, Path | None]) -> dict[str, dict]:
    """One round: a fresh process per code path, the same document rendered by each in turn (so both see the same
    load), first every document once (cold), then `repeat` more times (warm)."""
    renderers = {name: Renderer(args, source) for name, source in sources.items()}
    runs: dict[str, dict] = {name: dict(renderer.ready) for name, renderer in renderers.items()}
    for _ in range(args.repeat + 1):
        for code in args.countries:
            for kind in TARGETS:
                for name, renderer in renderers.items():
                    runs[name].setdefault(f"{code} {kind}", []).append(renderer.render(code, kind))
    for renderer in renderers.values():
        renderer.close()
    return runs


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _cell(pairs: list[list[float]]) -> str:
    """'wall s (CPU s)' medians of some runs."""
    return f"{_median([p[0] for p in pairs]):6.2f} ({_median([p[1] for p in pairs]):5.2f})"


def _report(runs: dict[str, list[dict]], countries: list[str]) -> dict[str, dict[str, float]]:
    """Print the per-document table; return the warm medians (wall, CPU) per kind and code path."""
    print("\nseconds per document, wall (CPU); medians over rounds (first) and rounds x repeats (warm)")
    header = f"{'document':<14}"
    for name in runs:
        header += f" | {name + ' first':>16} | {name + ' warm':>16}"
    print(header)
    warm: dict[str, dict[str, list[list[float]]]] = {name: {} for name in runs}
    for code in countries:
        for kind in TARGETS:
            key = f"{code} {kind}"
            line = f"{key:<14}"
            for name, measured in runs.items():
                first = [run[key][0] for run in measured]
                later = [pair for run in measured for pair in run[key][1:]]
                warm[name].setdefault(kind, []).extend(later)
                line += f" | {_cell(first):>16} | {_cell(later):>16}"
            print(line)
    medians = {}
    for name, kinds in warm.items():
        for kind, pairs in kinds.items():
            wall, cpu = _median([p[0] for p in pairs]), _median([p[1] for p in pairs])
            medians[f"{name} {kind}"] = {"wall": wall, "cpu": cpu}
    print()
    for label, value in medians.items():
        kind = label.rsplit(" ", 1)[1]
        verdict = "meets" if value["cpu"] <= TARGETS[kind] else "misses"
        print(
            f"{label:<18} warm median {value['wall']:.2f} s wall, {value['cpu']:.2f} s CPU "
            f"({verdict} the {TARGETS[kind]} s target in CPU time; wall {value['wall'] / TARGETS[kind]:.1f}x target)"
        )
    return medians


def _all_countries(args: argparse.Namespace) -> None:
    """A real batch of every country's brief and profile as PDF on every core (into a temporary folder)."""
    from observatory.publish.batch import folder_jobs, run_batch
    from observatory.publish.data import ReleaseData
    from observatory.settings import get_settings

    data = ReleaseData.open(get_settings(home=args.home, mirror=args.mirror))
    with tempfile.TemporaryDirectory() as scratch:
        jobs = folder_jobs(data.countries(), ("brief", "profile"), ("pdf",), Path(scratch))
        report = run_batch(data, jobs, progress=True)
    done = [o for o in report.outcomes if o.error is None]
    print(
        f"\n--all: {len(done)} of {len(jobs)} PDFs in {report.wall_seconds:.0f} s on {report.workers} processes "
        f"({report.wall_seconds / max(len(done), 1):.2f} s per document overall; per document "
        f"{statistics.mean(o.seconds for o in done):.2f} s wall, {statistics.mean(o.cpu_seconds for o in done):.2f} s "
        f"CPU in its worker)"
    )
    for outcome in report.failures:
        print(f"  failed: {outcome.job.label}: {outcome.error}")
    data.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path)
    parser.add_argument("--mirror", type=Path)
    parser.add_argument("--countries", type=lambda text: text.split(","), default=SAMPLE)
    parser.add_argument("--repeat", type=int, default=3, help="Warm renders per document after the first.")
    parser.add_argument("--rounds", type=int, default=2, help="Fresh processes per code path (alternating).")
    parser.add_argument("--baseline-commit", default=BASELINE_COMMIT)
    parser.add_argument("--no-baseline", action="store_true", help="Measure the current code only.")
    parser.add_argument("--all", action="store_true", help="Also render every country's brief and profile.")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args)
        return
    print(f"{os.cpu_count()} cores; load average at start {os.getloadavg()[0]:.1f} (a loaded machine inflates wall)")
    runs: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        source = None if args.no_baseline else _baseline_source(args.baseline_commit, Path(scratch))
        if not args.no_baseline and source is None:
            print(f"(no baseline: git cannot archive {args.baseline_commit})")
        sources = {"previous": source, "now": None} if source is not None else {"now": None}
        for round_number in range(args.rounds):
            for name, run in _round(args, sources).items():
                runs.setdefault(name, []).append(run)
            print(f"round {round_number + 1} of {args.rounds} done; load average {os.getloadavg()[0]:.1f}")
    first = runs["now"][0]
    print(f"release {first['release']}, {first['countries']} countries; sample {', '.join(args.countries)}")
    for name, measured in runs.items():
        imports = [run["imports"] for run in measured]
        print(f"{name}: imports {_cell(imports)} s before the first document")
    medians = _report(runs, args.countries)
    cores = os.cpu_count() or 1
    for name in runs:
        per_country = sum(medians[f"{name} {kind}"]["wall"] for kind in TARGETS)
        per_country_cpu = sum(medians[f"{name} {kind}"]["cpu"] for kind in TARGETS)
        print(
            f"{name}: all {first['countries']} countries (brief + profile) projected from warm medians: "
            f"{per_country * first['countries'] / cores:.0f} s wall on {cores} processes at today's load, "
            f"{per_country_cpu * first['countries'] / cores:.0f} s if each process had its core"
        )
    if args.all:
        _all_countries(args)
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
