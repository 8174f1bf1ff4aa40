(
    """Profiles and briefs of a country or corridor made when first asked for, kept in the release's publication """
    """folder and registered in the catalogue; a file lock per publication so one render serves every request."""
)

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from observatory.i18n.languages import LANGUAGES
from observatory.publish.catalogue import NewPublication, find_publication, register_publication, release_folder
from observatory.publish.data import ReleaseData
from observatory.publish.document import Document
from observatory.settings import Settings

FORMATS = ("pdf", "html", "md", "json")
CHEAP_FORMATS = ("html", "md", "json")  # written whenever the document is built: milliseconds once it exists
RENDER_SLOTS = 2  # renders at once in one home (the machine has two cores); others wait for a slot
WAIT_SECONDS = 90.0  # a request waits this long for a slot or for someone else's render, then gets 'busy'
POLL_SECONDS = 0.05


class Busy(RuntimeError):
    """Every render slot stayed taken (or another render of the same file did not finish) within the wait."""


@dataclass(frozen=True)
class Wanted:
    """One publication: a kind (profile or brief) of a country (area) or a corridor (origin, destination), in a
    language (one file and one catalogue entry per language)."""

    kind: str
    area: str | None = None
    origin: str | None = None
    destination: str | None = None
    lang: str = "en"

    def __post_init__(self) -> None:
        if self.kind not in ("profile", "brief"):
            raise ValueError("kind must be profile or brief")
        if (self.area is None) == (self.origin is None or self.destination is None):
            raise ValueError("give an area, or an origin and a destination")
        if self.lang not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")

    @property
    def series(self) -> str:
        """MP (country profile), CP (corridor profile) or PB (brief)."""
        return "PB" if self.kind == "brief" else ("MP" if self.area else "CP")

    @property
    def layout(self) -> str:
        """The page layout: two dense pages for a brief, a full document otherwise."""
        return "brief" if self.kind == "brief" else "document"

    @property
    def subject(self) -> str:
        """DEU or SYR-DEU."""
        return self.area or f"{self.origin}-{self.destination}"

    def build(self, data: ReleaseData) -> Document:
        """The document, from the release (opened in the publication's language)."""
        if data.lang != self.lang:
            raise ValueError(f"the release was opened in {data.lang!r}, the publication is wanted in {self.lang!r}")
        from observatory.publish.brief import corridor_brief, country_brief
        from observatory.publish.corridor import corridor_profile
        from observatory.publish.profile import country_profile

        if self.area:
            return (country_profile if self.kind == "profile" else country_brief)(data, self.area)
        assert self.origin and self.destination
        return (corridor_profile if self.kind == "profile" else corridor_brief)(data, self.origin, self.destination)


def file_path(settings: Settings, release_id: str, wanted: Wanted, fmt: str) -> Path:
    """Where the file of one publication in one format lives for one release: SEN-brief.pdf in English (the names
    batch builds have always written), SEN-brief.fr.pdf in another language."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    suffix = "-brief" if wanted.kind == "brief" else ""
    language = "" if wanted.lang == "en" else f".{wanted.lang}"
    return release_folder(settings, release_id, wanted.series) / f"{wanted.subject}{suffix}{language}.{fmt}"


@contextmanager
def _flock(path: Path, deadline: float) -> Iterator[None]:
    """An exclusive lock on a lock file, waiting until the deadline (Busy after); flock is per open file, so threads
    of one server and separate processes exclude each other alike."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise Busy("another render of this publication is still running") from None
                time.sleep(POLL_SECONDS)
        yield
    finally:
        os.close(handle)  # closing releases the lock


@contextmanager
def _render_slot(folder: Path, deadline: float) -> Iterator[None]:
    """One of RENDER_SLOTS slots of the home, so renders never take every core (or every worker thread)."""
    folder.mkdir(parents=True, exist_ok=True)
    while True:
        for slot in range(RENDER_SLOTS):
            handle = os.open(folder / f"render-slot-{slot}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(handle)
                continue
            try:
                yield
            finally:
                os.close(handle)
            return
        if time.monotonic() > deadline:
            raise Busy("every render slot is taken")
        time.sleep(POLL_SECONDS)


def _write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Write to a hidden temporary name, then rename: a reader never sees half a file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _render_to(document: Document, fmt: str, layout: str, out: Path) -> None:
    """Render a document in one format to a file."""
    from observatory.publish.render import write

    write(document, fmt, out, layout=layout)


def write_publication(
    settings: Settings, data: ReleaseData, wanted: Wanted, formats: tuple[str, ...]
) -> dict[str, Path]:
    """Build the document once and write the given formats (plus the cheap ones) into the release folder; register."""
    document = wanted.build(data)
    layout = wanted.layout
    written: dict[str, Path] = {}
    for fmt in dict.fromkeys([*formats, *CHEAP_FORMATS]):
        target = file_path(settings, data.release_id, wanted, fmt)
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(target, partial(_render_to, document, fmt, layout))
        written[fmt] = target
    known = find_publication(settings, wanted.series, wanted.subject, data.release_id, wanted.lang)
    files = {f["format"]: settings.home / f["path"] for f in (known or {}).get("formats", [])}
    register_publication(
        settings,
        NewPublication(
            series=wanted.series,
            subject=wanted.subject,
            title=document.title,
            subtitle=document.subtitle,
            authors=["Migration Observatory"],
            release=data.release_id,
            language=wanted.lang,
            files={**files, **written},
        ),
    )
    return written


def ensure_publication(
    settings: Settings, release_id: str, wanted: Wanted, fmt: str, wait: float = WAIT_SECONDS
) -> Path:
    """The file of a publication in one format, rendered once per release (later requests get the kept file)."""
    target = file_path(settings, release_id, wanted, fmt)
    if target.is_file():
        return target
    deadline = time.monotonic() + wait
    locks = target.parent.parent / ".locks"
    language = "" if wanted.lang == "en" else f"-{wanted.lang}"  # English keeps the lock name it always had
    with _flock(locks / f"{wanted.series}-{wanted.subject}-{wanted.kind}{language}.lock", deadline):
        if target.is_file():  # someone else rendered it while this request waited
            return target
        with _render_slot(locks, deadline):
            data = ReleaseData.open(settings, release_id, lang=wanted.lang)
            try:
                write_publication(settings, data, wanted, (fmt,))
            finally:
                data.close()
    return target


def kept_publication(settings: Settings, release_id: str, wanted: Wanted) -> dict | None:
    """The catalogue entry of a publication already made for this release in its language, or None."""
    return find_publication(settings, wanted.series, wanted.subject, release_id, wanted.lang)
