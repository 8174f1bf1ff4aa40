"""Write many country profiles at once, timing each one; or a release's batch of profiles and briefs, catalogued."""

from __future__ import annotations

import time
from pathlib import Path
from typing import cast

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from observatory.publish.data import ReleaseData
from observatory.publish.on_demand import Wanted, write_publication
from observatory.publish.profile import country_profile
from observatory.publish.render import write

SUFFIX = {"html": "html", "pdf": "pdf", "md": "md", "json": "json"}


def write_profile(data: ReleaseData, code: str, out_dir: Path, fmt: str) -> Path:
    """One country's profile into out_dir/<ISO3>.<ext>."""
    return cast(Path, write(country_profile(data, code), fmt, out_dir / f"{code}.{SUFFIX[fmt]}"))


def write_profiles(
    data: ReleaseData, codes: list[str], out_dir: Path, fmt: str = "html", progress: bool = False
) -> dict[str, float]:
    """Every profile in `codes`; returns seconds per profile (a Rich progress bar on stderr when asked)."""
    if fmt not in SUFFIX:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(SUFFIX)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, disable=not progress, transient=False) as bar:
        task = bar.add_task("profiles", total=len(codes))
        for code in codes:
            bar.update(task, description=f"profile {code}")
            start = time.perf_counter()
            write_profile(data, code, out_dir, fmt)
            timings[code] = time.perf_counter() - start
            bar.advance(task)
    return timings


def publish_batch(
    data: ReleaseData, codes: list[str], kinds: tuple[str, ...], formats: tuple[str, ...], progress: bool = False
) -> dict[str, float]:
    """The release's batch: each country's publications of the given kinds into the release folder, catalogued."""
    if data.settings is None:
        raise ValueError("a release batch needs the home's settings")
    timings: dict[str, float] = {}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), disable=not progress) as bar:
        task = bar.add_task("publications", total=len(codes) * len(kinds))
        for code in codes:
            for kind in kinds:
                bar.update(task, description=f"{kind} {code}")
                start = time.perf_counter()
                write_publication(data.settings, data, Wanted(kind, area=code), formats)
                timings[f"{kind} {code}"] = time.perf_counter() - start
                bar.advance(task)
    return timings
