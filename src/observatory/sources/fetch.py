"""Raw files: found in a mirror or the cache, or downloaded from the publisher with checksum, retries and resume."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import httpx
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from observatory.settings import Settings
from observatory.sources.errors import SourceError
from observatory.sources.spec import ConvertedFrom, RawFile, SourceSpec


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def locate(settings: Settings, spec: SourceSpec) -> dict[str, Path]:
    """Every declared raw file of a source on disk, from the mirror if set, else the cache."""
    root = settings.raw_dir()
    found: dict[str, Path] = {}
    missing: list[str] = []
    for raw in spec.files:
        path = root / raw.path
        (found.__setitem__(raw.path, path) if path.is_file() else missing.append(raw.path))
    if missing:
        hint = "run `observatory fetch` first" if settings.mirror is None else f"the mirror {root} lacks them"
        raise SourceError(missing[0], f"raw file not found ({len(missing)} missing for {spec.id}); {hint}")
    return found


def verify(path: Path, expected: str, label: str) -> None:
    actual = sha256_of(path)
    if actual != expected:
        raise SourceError(
            label, f"checksum mismatch: expected sha256 {expected[:16]}…, got {actual[:16]}… — refusing the file"
        )


def _download(
    client: httpx.Client, url: str, target: Path, expected: str, label: str, settings: Settings, progress: Progress
) -> None:
    """Download into `<target>.part`, resuming with a Range request after a broken connection."""
    part = target.with_name(target.name + ".part")
    task = progress.add_task(label, total=None)
    last_error: Exception | None = None
    for attempt in range(settings.download_retries + 1):
        offset = part.stat().st_size if part.exists() else 0
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        try:
            with client.stream("GET", url, headers=headers) as response:
                if response.status_code == 416:  # already complete
                    break
                response.raise_for_status()
                if offset and response.status_code != 206:
                    offset = 0  # server ignored the range: start again
                total = response.headers.get("content-length")
                progress.update(task, total=(int(total) + offset) if total else None, completed=offset)
                with part.open("ab" if offset else "wb") as handle:
                    for chunk in response.iter_bytes():  # as received, so a broken transfer keeps what arrived
                        handle.write(chunk)
                        progress.advance(task, len(chunk))
            break
        except (httpx.HTTPError, OSError) as error:
            last_error = error
            if isinstance(error, httpx.HTTPStatusError) and error.response.status_code < 500:
                raise SourceError(label, f"download failed: HTTP {error.response.status_code} from {url}") from None
            time.sleep(min(2**attempt * 0.2, 5))
    else:
        raise SourceError(label, f"download failed after {settings.download_retries + 1} attempts: {last_error}")
    try:
        verify(part, expected, label)
    except SourceError:
        part.unlink(missing_ok=True)
        raise
    part.replace(target)


def _convert(original: Path, converted: ConvertedFrom, target: Path) -> None:
    """Recreate a mirror file (CSV, or Parquet by suffix) from the publisher's R or Stata file, as the MANIFEST says."""
    import pandas as pd

    if converted.reader == "rda":
        import pyreadr

        objects = pyreadr.read_r(str(original))
        frame = objects[converted.object] if converted.object else next(iter(objects.values()))
    else:
        frame = pd.read_stata(original)
    frame = frame.rename(columns=converted.rename)
    for column in [*converted.dates, *converted.integers]:
        if column not in frame.columns:
            raise SourceError(converted.path, f"declared conversion column not found: {column!r}")
    for column in converted.dates:
        days = frame[column]
        stamps = days if pd.api.types.is_datetime64_any_dtype(days) else pd.to_datetime(days, unit="D", origin="unix")
        frame[column] = stamps.dt.strftime("%Y-%m-%d")
    for column in converted.integers:
        try:
            frame[column] = frame[column].astype("Int64")
        except (TypeError, ValueError):
            problem = f"column {column!r} declared as integers holds non-whole numbers"
            raise SourceError(converted.path, problem) from None
    if target.suffix == ".parquet":
        frame.to_parquet(target, index=False)
    else:
        frame.to_csv(target, index=False)


def _convert_verified(original: Path, converted: ConvertedFrom, target: Path, expected: str, label: str) -> None:
    """Convert into `<name>.part<suffix>` (the suffix picks the format); keep it only with the declared checksum."""
    part = target.with_name(f"{target.stem}.part{target.suffix}")
    try:
        _convert(original, converted, part)
        verify(part, expected, label)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    part.replace(target)


def fetch_source(settings: Settings, spec: SourceSpec, client: httpx.Client, progress: Progress) -> list[str]:
    """Bring every raw file of a source into the cache; returns what was done per file."""
    done = []
    for raw in spec.files:
        target = settings.cache_dir / raw.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_file() and sha256_of(target) == raw.sha256:
            done.append(f"{raw.path}: cached")
            continue
        if raw.url_download:
            _download(client, raw.url_download, target, raw.sha256, raw.path, settings, progress)
            done.append(f"{raw.path}: downloaded")
        elif raw.converted_from:
            original = settings.cache_dir / raw.converted_from.path
            original.parent.mkdir(parents=True, exist_ok=True)
            if not (original.is_file() and sha256_of(original) == raw.converted_from.sha256):
                _download(
                    client,
                    raw.converted_from.url_download,
                    original,
                    raw.converted_from.sha256,
                    raw.converted_from.path,
                    settings,
                    progress,
                )
            _convert_verified(original, raw.converted_from, target, raw.sha256, raw.path)
            done.append(f"{raw.path}: converted from {raw.converted_from.path}")
        else:
            raise SourceError(
                raw.path,
                f"this file cannot be downloaded ({raw.mirror_only or 'no URL declared'}); use a mirror "
                "(OBSERVATORY_MIRROR)",
            )
    return done


def fetch(settings: Settings, specs: list[SourceSpec]) -> dict[str, list[str]]:
    """Fetch the raw files of the given sources into the cache, with a progress bar."""
    results = {}
    progress = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with progress, httpx.Client(timeout=settings.download_timeout, follow_redirects=True) as client:
        for spec in specs:
            results[spec.id] = fetch_source(settings, spec, client, progress)
    return results


def file_record(raw: RawFile, path: Path) -> dict:
    """Provenance of one raw file as it was read for a build."""
    return {
        "path": raw.path,
        "sha256": sha256_of(path),
        "bytes": path.stat().st_size,
        "url_download": raw.url_download or (raw.converted_from.url_download if raw.converted_from else None),
    }
