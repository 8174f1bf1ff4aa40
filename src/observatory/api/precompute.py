"""What every country and corridor page of a release needs, computed in one pass over the release, in the background.

The digest hangs on the release's handle and names its release, so a release switched in atomically never answers
from another release's digest. A request arriving before the pass is done computes its own answer as before.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from observatory.api.queries.catalogue import areas, find_series, indicator_has_values, indicators
from observatory.api.queries.corridors import SHARE_INDICATORS, stock_series, stock_years
from observatory.api.queries.profiles import KEY_FIGURES
from observatory.api.queries.series import collapsed
from observatory.api.release_cache import ReleaseHandle
from observatory.api.responses import mutable_store_paths, stores_stamp
from observatory.settings import Settings

log = logging.getLogger("observatory.api")
# The country page's per-inhabitant view divides by this series (besides the indicators and KEY_FIGURES' stand-ins).
EXTRA_AREA_SERIES = ("population",)
SEXES = ("total", "female", "male")
PAIR = ("origin", "destination")


def _interned(value: Any, pool: dict) -> Any:
    """One shared object per distinct text or source list (a release repeats a few of them hundreds of thousands of
    times)."""
    if isinstance(value, list):
        value = tuple(value)
    if isinstance(value, (str, tuple)):
        return pool.setdefault(value, value)
    return value


@dataclass(frozen=True)
class AreaTable:
    """One series' collapsed rows (one sex) for every area, kept as tuples; dicts are made for the area asked for."""

    columns: tuple[str, ...]
    by_area: dict[str, tuple[tuple, ...]]

    def rows_for(self, area: str) -> list[dict[str, Any]]:
        """The rows `collapsed(..., area=area)` gives, as fresh dicts (callers may change them)."""
        out = []
        for values in self.by_area.get(area, ()):
            row = dict(zip(self.columns, values, strict=True))
            if isinstance(row.get("sources"), tuple):
                row["sources"] = list(row["sources"])
            out.append(row)
        return out


@dataclass
class ReleaseDigest:
    """Per release: every area series, the corridor stock by sex and the declared shares by corridor."""

    release_id: str
    area_tables: dict[tuple[str, str, str], AreaTable] = field(default_factory=dict)
    # (origin, destination) -> sex -> year -> value, and the datasets of the total rows
    corridor_stock: dict[tuple[str, str], dict[str, dict[int, float | None]]] = field(default_factory=dict)
    corridor_stock_sources: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    # share field -> (origin, destination) -> year -> fraction; the datasets of both share indicators by corridor
    corridor_shares: dict[str, dict[tuple[str, str], dict[int, float | None]]] = field(default_factory=dict)
    corridor_share_sources: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    # (direction, country, year) -> partner -> declared share (fraction), for the latest stock year
    partner_shares: dict[tuple[str, str, int], dict[str, float | None]] = field(default_factory=dict)
    partner_year: int | None = None
    seconds: float = 0.0

    def area_rows(self, kind: str, series_id: str, area: str, sex: str) -> list[dict[str, Any]] | None:
        """The series' collapsed rows for the area, or None when the digest does not hold the series."""
        table = self.area_tables.get((kind, series_id, sex))
        return None if table is None else table.rows_for(area)


def area_series_ids(handle: ReleaseHandle) -> list[str]:
    """Every area-level series a country page or summary reads: indicators with values, their stand-ins, extras."""
    wanted = [i for i, row in indicators(handle).items() if row["level"] == "area" and row["n_values"]]
    wanted += [fallback for _, fallback in KEY_FIGURES if fallback]
    wanted += list(EXTRA_AREA_SERIES)
    return list(dict.fromkeys(wanted))


def _area_table(handle: ReleaseHandle, series_id: str, pool: dict) -> tuple[tuple[str, str, str], AreaTable] | None:
    """One series' rows for every area in one query (the category chosen per area, as a per-area query would)."""
    series = find_series(handle, series_id)
    if series is None or series.level != "area":
        return None
    rows = collapsed(handle, series, partition=("area",))
    columns = tuple(rows[0]) if rows else ()
    by_area: dict[str, list[tuple]] = {}
    for row in rows:
        if row["area"] is not None:
            by_area.setdefault(row["area"], []).append(tuple(_interned(v, pool) for v in row.values()))
    return (series.kind, series.id, "total"), AreaTable(columns, {a: tuple(r) for a, r in by_area.items()})


def _corridor_stock(handle: ReleaseHandle, digest: ReleaseDigest) -> None:
    """The corridor stock of every corridor by sex, with the datasets of its total rows."""
    stock = stock_series(handle)
    if stock is None:
        return
    for sex in SEXES:
        for row in collapsed(handle, stock, sex=sex, partition=PAIR):
            if row["origin"] is None or row["destination"] is None:
                continue
            pair = (row["origin"], row["destination"])
            digest.corridor_stock.setdefault(pair, {s: {} for s in SEXES})[sex][row["year"]] = row["value"]
            if sex == "total":
                digest.corridor_stock_sources[pair] = frozenset(
                    digest.corridor_stock_sources.get(pair, frozenset()) | set(row["sources"] or [])
                )


def _corridor_shares(handle: ReleaseHandle, digest: ReleaseDigest) -> None:
    """The declared share indicators of every corridor (fractions), and each country's partners' shares."""
    years = stock_years(handle)
    digest.partner_year = years[-1] if years else None
    for share_field, indicator in SHARE_INDICATORS.items():
        if not indicator_has_values(handle, indicator):
            continue
        series = find_series(handle, indicator)
        if series is None:
            continue
        by_pair: dict[tuple[str, str], dict[int, float | None]] = {}
        for row in collapsed(handle, series, partition=PAIR):
            pair = (row["origin"], row["destination"])
            by_pair.setdefault(pair, {})[row["year"]] = None if row["value"] is None else row["value"] / 100
            digest.corridor_share_sources[pair] = frozenset(
                digest.corridor_share_sources.get(pair, frozenset()) | set(row["sources"] or [])
            )
        digest.corridor_shares[share_field] = by_pair
        if digest.partner_year is None:
            continue
        direction, place, partner = (
            ("out", "origin", "destination")
            if share_field.endswith("emigrants")
            else (
                "in",
                "destination",
                "origin",
            )
        )
        year = digest.partner_year
        for row in collapsed(handle, series, year_from=year, year_to=year, partition=(place,)):
            shares = digest.partner_shares.setdefault((direction, row[place], year), {})
            shares[row[partner]] = None if row["value"] is None else row["value"] / 100


def build_digest(handle: ReleaseHandle) -> ReleaseDigest:
    """One pass over the release: every area series, corridor stock and declared share."""
    started = time.perf_counter()
    digest = ReleaseDigest(handle.release_id)
    pool: dict = {}
    for series_id in area_series_ids(handle):
        table = _area_table(handle, series_id, pool)
        if table is not None:
            digest.area_tables[table[0]] = table[1]
        time.sleep(0)  # let request threads take the interpreter between series
    _corridor_stock(handle, digest)
    _corridor_shares(handle, digest)
    digest.seconds = time.perf_counter() - started
    return digest


@dataclass
class DocumentSet:
    """Full profile documents of one release made with one state of the stores (the documents show the evidence
    library), compressed; filled area by area as the child process sends them."""

    release_id: str
    stamp: str
    total: int
    documents: dict[str, bytes] = field(default_factory=dict)
    finished: bool = False

    def get(self, code: str) -> bytes | None:
        """The document's JSON members for the area, or None when the pass has not reached it."""
        packed = self.documents.get(code)
        return None if packed is None else zlib.decompress(packed)


def document_pass(
    settings_fields: dict[str, Any], release_id: str, codes: list[str], connection: Any, niceness: int = 10
) -> None:
    """(Child process, lowered priority) each area's full profile document, sent compressed as soon as it is made."""
    os.nice(niceness)  # idle cores only: serving never waits for the pass
    from observatory.api.queries.external import profile_document
    from observatory.publish.data import ReleaseData
    from observatory.settings import Settings

    settings = Settings(**settings_fields)
    data = ReleaseData.open(settings, release_id)
    try:
        for code in codes:
            connection.send((code, zlib.compress(profile_document(settings, code, data), 1)))
    finally:
        data.close()
        connection.close()


class Precomputer:
    """Starts the pass for each release the server opens, in a daemon thread that serving never waits for."""

    def __init__(
        self, settings: Settings, enabled: bool = True, warm_ups: Sequence[Callable[[ReleaseHandle], None]] = ()
    ):
        self.settings, self.enabled = settings, enabled
        # Told of each release before its digest is built: the portal loads its templates and texts there (a layer
        # this one does not import), so no reader's first page compiles them.
        self.warm_ups = tuple(warm_ups)
        self._lock = threading.Lock()
        self._started: set[str] = set()
        self._documents: dict[str, DocumentSet] = {}  # release id -> the newest document set
        self._workers: dict[str, Any] = {}  # release id -> its running child process
        self._stopping = threading.Event()

    def start(self, handle: ReleaseHandle) -> None:
        """Begin the pass for this release unless it already began (or precomputing is off)."""
        if not self.enabled:
            return
        with self._lock:
            if handle.release_id in self._started:
                return
            self._started.add(handle.release_id)
        threading.Thread(target=self._run, args=(handle,), name=f"precompute-{handle.release_id}", daemon=True).start()

    def document(self, handle: ReleaseHandle, code: str, stamp: str | None) -> bytes | None:
        """The precomputed document of the area for this release and stores stamp, or None; a changed stamp starts a
        new document pass (the old documents are never served for it)."""
        if not self.enabled or stamp is None:
            return None
        current = self._documents.get(handle.release_id)
        if current is not None and current.stamp == stamp:
            return current.get(code)
        if current is not None and current.finished:  # the stores changed since: make the documents again
            self._start_documents(handle, stamp)
        return None

    def status(self, release_id: str) -> dict[str, Any]:
        """How far the pass has come for a release."""
        documents = self._documents.get(release_id)
        return {
            "enabled": self.enabled,
            "documents": None
            if documents is None
            else {"stamp": documents.stamp, "done": len(documents.documents), "total": documents.total},
        }

    def stop(self) -> None:
        """End every child process (the server is shutting down)."""
        self._stopping.set()
        with self._lock:
            workers = list(self._workers.values())
        for worker in workers:
            worker.terminate()
            worker.join(timeout=10)

    def _run(self, handle: ReleaseHandle) -> None:
        """Build the digest and hang it on the handle, then make the documents; a closed or failing release only loses
        its shortcut."""
        for warm_up in self.warm_ups:
            try:
                warm_up(handle)
            except Exception as error:  # a shortcut only: the first page loads what it needs itself
                log.warning("warm-up of %s stopped: %s", handle.release_id, type(error).__name__)
        try:
            digest = build_digest(handle)
        except Exception as error:  # the digest is a shortcut: pages keep computing their own answers without it
            log.warning("precompute of %s stopped: %s", handle.release_id, type(error).__name__)
            return
        handle.digest = digest
        log.info("precomputed release %s in %.1f s", handle.release_id, digest.seconds)
        self._forget_other_releases(handle.release_id)
        self._start_documents(handle, stores_stamp(mutable_store_paths(self.settings)))

    def _forget_other_releases(self, release_id: str) -> None:
        """Drop the documents of earlier releases and stop their passes (a newer release is current)."""
        with self._lock:
            for other in [r for r in self._documents if r != release_id]:
                del self._documents[other]
            others = [worker for r, worker in self._workers.items() if r != release_id]
        for worker in others:
            worker.terminate()

    def _start_documents(self, handle: ReleaseHandle, stamp: str) -> None:
        """Make every area's document in a child process (one pass per release and stores stamp at a time)."""
        if not self.settings.precompute_documents:
            return
        with self._lock:
            if self._stopping.is_set() or handle.release_id in self._workers:
                return
            codes = sorted(areas(handle), key=lambda c: (areas(handle)[c]["kind"] != "country", c))
            documents = DocumentSet(handle.release_id, stamp, len(codes))
            context = multiprocessing.get_context("spawn")
            receiving, sending = context.Pipe(duplex=False)
            worker = context.Process(
                target=document_pass,
                args=(self.settings.model_dump(), handle.release_id, codes, sending),
                name=f"documents-{handle.release_id}",
                daemon=True,
            )
            worker.start()
            sending.close()
            self._workers[handle.release_id] = worker
        threading.Thread(target=self._receive, args=(documents, receiving, worker), daemon=True).start()

    def _receive(self, documents: DocumentSet, receiving: Any, worker: Any) -> None:
        """Keep each document as it arrives; the set replaces the previous one once complete."""
        started = time.perf_counter()
        try:
            while True:
                code, packed = receiving.recv()
                documents.documents[code] = packed
                if documents.release_id not in self._documents:  # the first pass serves while it fills
                    self._documents[documents.release_id] = documents
        except EOFError:  # the child finished (or was stopped)
            pass
        finally:
            receiving.close()
            worker.join(timeout=10)
            with self._lock:
                self._workers.pop(documents.release_id, None)
        documents.finished = len(documents.documents) == documents.total
        if documents.finished:
            self._documents[documents.release_id] = documents
            log.info("documents of %s made in %.1f s", documents.release_id, time.perf_counter() - started)
