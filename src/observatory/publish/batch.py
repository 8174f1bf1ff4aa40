"""Many publications at once on every core (one worker process each), with a progress bar; a failed document is
reported at the end with its file and reason, never stopping the others."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import cast

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from observatory.publish.data import ReleaseData
from observatory.publish.on_demand import Wanted, file_path, write_publication
from observatory.publish.profile import country_profile
from observatory.publish.render import write
from observatory.settings import Settings

SUFFIX = {"html": "html", "pdf": "pdf", "md": "md", "json": "json"}
TASKS_PER_WORKER = 64  # a worker is replaced after this many documents, so no cache or leak grows without end
REASON_CHARS = 300
# A spawned worker first imports the publishing stack and opens the release (about 4-5 s of CPU on the 2-core machine,
# the cost of one or two PDFs): by default a worker is started only for this many documents, so a batch of a few
# documents is not slower on every core than in one process (bench/profiles.py measured 33 s against 23 s for 6 PDFs).
DOCUMENTS_PER_STARTED_WORKER = 4


@dataclass(frozen=True)
class Job:
    """One document of a batch: a profile or brief of a country, in one or more formats (built once), into a folder
    (out_dir: <ISO3>.<ext>, <ISO3>-brief.<ext>) or the release's publication folder and catalogue."""

    kind: str
    code: str
    formats: tuple[str, ...]
    out_dir: Path | None = None

    @property
    def label(self) -> str:
        return f"{self.kind} {self.code}"

    def target(self, settings: Settings | None, release_id: str, fmt: str | None = None) -> Path:
        """The file this job writes in a format (default its first; named in the failure report)."""
        fmt = fmt or self.formats[0]
        if self.out_dir is not None:
            suffix = "-brief" if self.kind == "brief" else ""
            return self.out_dir / f"{self.code}{suffix}.{SUFFIX[fmt]}"
        return file_path(cast(Settings, settings), release_id, Wanted(self.kind, area=self.code), fmt)


@dataclass(frozen=True)
class Outcome:
    """What one job did: seconds (wall and CPU of its process), or the reason it failed."""

    job: Job
    seconds: float
    cpu_seconds: float
    error: str | None = None


@dataclass
class BatchReport:
    """Every job's outcome, the wall time of the whole batch and the number of worker processes."""

    outcomes: list[Outcome] = field(default_factory=list)
    wall_seconds: float = 0.0
    workers: int = 1

    @property
    def timings(self) -> dict[str, float]:
        """Seconds per document that was written (keyed like 'profile DEU', or the code for a folder of profiles)."""
        return {_timing_key(o.job): o.seconds for o in self.outcomes if o.error is None}

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.error is not None]


class BatchFailed(RuntimeError):
    """Some documents of a batch failed (the others were written); the report names each file and reason."""

    def __init__(self, report: BatchReport, describe: str):
        super().__init__(describe)
        self.report = report


def _timing_key(job: Job) -> str:
    """'profile DEU' / 'brief DEU'; a folder's profiles keep their plain code (as write_profiles always gave)."""
    return job.code if job.out_dir is not None and job.kind == "profile" else job.label


def _reason(error: BaseException) -> str:
    """The error's type and first line, short (a reason for a person, not a traceback)."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}"[:REASON_CHARS]


@lru_cache(maxsize=1)
def _worker_release(settings: Settings, release_id: str) -> ReleaseData:
    """The release opened once per worker process (every job of the process reuses it)."""
    return ReleaseData.open(settings, release_id)


def _write(data: ReleaseData, job: Job) -> None:
    wanted = Wanted(job.kind, area=job.code)
    if job.out_dir is None:
        write_publication(cast(Settings, data.settings), data, wanted, job.formats)
        return
    document = wanted.build(data)
    for fmt in job.formats:
        write(document, fmt, job.target(data.settings, data.release_id, fmt), layout=wanted.layout)


def run_job(data: ReleaseData, job: Job) -> Outcome:
    """Write one document; an error becomes the outcome's reason (the batch goes on)."""
    start, cpu = time.perf_counter(), time.process_time()
    try:
        _write(data, job)
    except Exception as error:  # any failure of one document is reported, the batch continues
        return Outcome(job, time.perf_counter() - start, time.process_time() - cpu, _reason(error))
    return Outcome(job, time.perf_counter() - start, time.process_time() - cpu)


def _run_in_worker(settings: Settings, release_id: str, job: Job) -> Outcome:
    """A job in a worker process (module level so the pool can pickle it)."""
    return run_job(_worker_release(settings, release_id), job)


def _outcomes(data: ReleaseData, jobs: list[Job], workers: int) -> Iterator[Outcome]:
    """Outcomes as jobs finish: in this process for one worker, else in a pool of fresh (spawned) processes, since
    forking a process that holds DuckDB and renderer threads is unsafe."""
    if workers <= 1:
        for job in jobs:
            yield run_job(data, job)
        return
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, max_tasks_per_child=TASKS_PER_WORKER)
    try:
        futures: dict[Future, Job] = {
            pool.submit(_run_in_worker, cast(Settings, data.settings), data.release_id, job): job for job in jobs
        }
        for future in as_completed(futures):
            try:
                yield future.result()
            except BrokenProcessPool as error:  # a worker died (killed, out of memory): its jobs are reported
                yield Outcome(futures[future], 0.0, 0.0, _reason(error))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def default_workers(documents: int, cores: int | None = None) -> int:
    """Every core, but no more processes than the documents pay for (see DOCUMENTS_PER_STARTED_WORKER)."""
    return max(1, min(cores or os.cpu_count() or 1, documents // DOCUMENTS_PER_STARTED_WORKER))


def run_batch(data: ReleaseData, jobs: list[Job], progress: bool = False, workers: int | None = None) -> BatchReport:
    """Run the jobs on `workers` processes (default: every core the documents pay for), a Rich progress bar on
    stderr when asked."""
    if data.settings is None and len(jobs) > 1:
        workers = 1  # a release without a home cannot be reopened by a worker
    count = max(1, min(workers or default_workers(len(jobs)), len(jobs)))
    report = BatchReport(workers=count)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    for folder in {job.out_dir for job in jobs if job.out_dir is not None}:
        folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with Progress(*columns, disable=not progress, transient=False) as bar:
        task = bar.add_task(f"publications ({count} processes)", total=len(jobs))
        for outcome in _outcomes(data, jobs, count):
            report.outcomes.append(outcome)
            state = "failed" if outcome.error else "done"
            bar.update(task, advance=1, description=f"{outcome.job.label} {state}")
    report.wall_seconds = time.perf_counter() - start
    return report


def describe_failures(report: BatchReport, data: ReleaseData) -> str:
    """One line per failed document: its file and the reason."""
    return "\n".join(
        f"{o.job.target(data.settings, data.release_id)}: {o.error}" for o in report.failures if o.error is not None
    )


def _checked(report: BatchReport, data: ReleaseData) -> dict[str, float]:
    if report.failures:
        raise BatchFailed(report, f"{len(report.failures)} documents failed:\n{describe_failures(report, data)}")
    return report.timings


def write_profile(data: ReleaseData, code: str, out_dir: Path, fmt: str) -> Path:
    """One country's profile into out_dir/<ISO3>.<ext>."""
    return cast(Path, write(country_profile(data, code), fmt, out_dir / f"{code}.{SUFFIX[fmt]}"))


def _check_formats(formats: tuple[str, ...]) -> None:
    unknown = [fmt for fmt in formats if fmt not in SUFFIX]
    if unknown or not formats:
        raise ValueError(f"unknown format; use one of {', '.join(SUFFIX)}")


def folder_jobs(codes: list[str], kinds: tuple[str, ...], formats: tuple[str, ...], out_dir: Path) -> list[Job]:
    """Each country's publications of the given kinds into one folder, each document built once."""
    _check_formats(formats)
    return [Job(kind, code, formats, Path(out_dir)) for code in codes for kind in kinds]


def profile_jobs(codes: list[str], out_dir: Path, fmt: str) -> list[Job]:
    """Profiles of the countries into one folder."""
    return folder_jobs(codes, ("profile",), (fmt,), out_dir)


def release_jobs(codes: list[str], kinds: tuple[str, ...], formats: tuple[str, ...]) -> list[Job]:
    """The release's catalogued batch: each country's publications of the given kinds, each built once."""
    _check_formats(formats)
    return [Job(kind, code, formats) for code in codes for kind in kinds]


def write_profiles(
    data: ReleaseData, codes: list[str], out_dir: Path, fmt: str = "html", progress: bool = False
) -> dict[str, float]:
    """Every profile in `codes` on every core; seconds per profile, or BatchFailed after all ran if any failed."""
    jobs = profile_jobs(codes, out_dir, fmt)
    return _checked(run_batch(data, jobs, progress), data)


def publish_batch(
    data: ReleaseData, codes: list[str], kinds: tuple[str, ...], formats: tuple[str, ...], progress: bool = False
) -> dict[str, float]:
    """The release's batch on every core, catalogued; seconds per publication, or BatchFailed if any failed."""
    if data.settings is None:
        raise ValueError("a release batch needs the home's settings")
    return _checked(run_batch(data, release_jobs(codes, kinds, formats), progress), data)
