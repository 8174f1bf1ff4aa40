"""The per-release precompute pass: its answers are the per-request answers, it is keyed by release and stores stamp,
and a request before it is done computes its own answer."""

from __future__ import annotations

import time
import zlib

import duckdb
import pytest

from observatory.api.precompute import DocumentSet, Precomputer, area_series_ids, build_digest, document_pass
from observatory.api.queries.catalogue import find_series
from observatory.api.queries.corridors import corridor_profile, top_partners
from observatory.api.queries.external import published_profile
from observatory.api.queries.profiles import country_summary
from observatory.api.queries.series import area_series, collapsed
from observatory.api.release_cache import ReleaseHandle, ReleaseRegistry
from observatory.api.responses import mutable_store_paths, stores_stamp

from .conftest import load_helper

COUNTRIES = ("NPL", "IND", "FRA", "USA", "TUV", "SYR", "WLD")
CORRIDORS = (("MEX", "USA"), ("SYR", "TUR"), ("NPL", "IND"), ("IND", "ARE"), ("FRA", "MAR"))


def _twin(handle: ReleaseHandle) -> ReleaseHandle:
    """A second handle on the same release and connection, with an empty memo and no digest."""
    return ReleaseHandle(handle.release_id, handle.path, handle.connection)


@pytest.fixture(scope="module")
def real_handles(real_release):
    """(a handle answering per request, a handle answering from the digest) on the real release."""
    registry = ReleaseRegistry(real_release)
    plain = registry.current()
    digested = _twin(plain)
    digested.digest = build_digest(digested)
    yield plain, digested
    registry.close()


def test_the_digest_gives_every_country_and_corridor_answer_the_queries_give(real_handles):
    plain, digested = real_handles
    assert digested.digest.release_id == plain.release_id
    for code in COUNTRIES:
        assert country_summary(digested, code) == country_summary(plain, code), code
        for direction in ("out", "in"):
            assert top_partners(digested, code, direction, limit=300) == top_partners(plain, code, direction, limit=300)
    for origin, destination in CORRIDORS:
        assert corridor_profile(digested, origin, destination) == corridor_profile(plain, origin, destination)


def test_the_digest_holds_every_area_series_a_page_reads(real_handles):
    plain, digested = real_handles
    ids = area_series_ids(plain)
    assert len(digested.digest.area_tables) >= 45  # every area indicator with values, and its stand-ins
    for series_id in ids:
        series = find_series(plain, series_id)
        if series is None or series.level != "area":
            continue
        assert (series.kind, series.id, "total") in digested.digest.area_tables, series_id
        for code in ("NPL", "DEU", "WLD"):
            assert area_series(digested, series, code) == collapsed(plain, series, area=code), (series_id, code)


def _with_category_choice(settings) -> None:
    """An area indicator whose headline category differs by area: FRA has the all-categories value, MAR only 'x'."""
    from observatory.warehouse.releases import require_current

    con = duckdb.connect(str(require_current(settings).path))
    try:
        con.execute(
            "INSERT INTO indicator (id, title, definition, unit, kind, level) VALUES "
            "('pick_test', 'Pick', 'Category choice per area.', 'persons', 'count', 'area')"
        )
        for area, category, value in (("FRA", "", 1.0), ("FRA", "x", 2.0), ("MAR", "x", 3.0)):
            con.execute(
                "INSERT INTO indicator_value (indicator, area, year, period, sex, age, category, value, status, "
                "sources) VALUES ('pick_test', ?, 2020, '', 'total', 'total', ?, ?, 'reported', ['tiny_stock'])",
                [area, category, value],
            )
    finally:
        con.close()


def test_one_query_for_every_area_chooses_the_category_per_area(tmp_path):
    settings = load_helper("synthetic").synthetic_home(tmp_path / "home")
    _with_category_choice(settings)
    registry = ReleaseRegistry(settings)
    try:
        handle = registry.current()
        series = find_series(handle, "pick_test")
        assert series is not None
        every = collapsed(handle, series)  # one choice for the whole selection: MAR's only category is not it
        assert [(r["area"], r["value"]) for r in every] == [("FRA", 1.0)]
        per_area = collapsed(handle, series, partition=("area",))
        assert [(r["area"], r["category"], r["value"]) for r in per_area] == [("FRA", "", 1.0), ("MAR", "x", 3.0)]
        for code in ("FRA", "MAR"):
            assert [r for r in per_area if r["area"] == code] == collapsed(handle, series, area=code)
        with pytest.raises(ValueError, match="place columns only"):
            collapsed(handle, series, partition=("year",))
    finally:
        registry.close()


def _wait_for_digest(handle: ReleaseHandle) -> None:
    """Until the background pass has hung its digest on the handle (a start, not a speed check)."""
    deadline = time.monotonic() + 120
    while handle.digest is None:
        assert time.monotonic() < deadline, "the precompute pass did not finish"
        time.sleep(0.05)


def test_a_release_switched_in_never_answers_from_the_previous_digest(tmp_path):
    synthetic = load_helper("synthetic")
    settings = synthetic.synthetic_home(tmp_path / "home")
    precomputer = Precomputer(settings)
    registry = ReleaseRegistry(settings, on_open=precomputer.start)
    try:
        first = registry.current()
        _wait_for_digest(first)
        before = country_summary(first, "FRA")
        synthetic.write_release(settings, "r20260202T000000Z", scale=2.0)
        second = registry.current()
        assert second is not first and second.release_id == "r20260202T000000Z"
        assert second.digest is None or second.digest.release_id == second.release_id
        _wait_for_digest(second)
        assert second.digest.release_id == "r20260202T000000Z"
        after = country_summary(second, "FRA")
        assert after == country_summary(_twin(second), "FRA")  # the new release's own answer
        assert after["key_figures"][0]["value"] == 2 * before["key_figures"][0]["value"]
    finally:
        precomputer.stop()
        registry.close()


def test_precomputed_documents_serve_only_their_release_and_stores_stamp(tmp_path):
    settings = load_helper("synthetic").synthetic_home(tmp_path / "home")
    precomputer = Precomputer(settings)
    precomputer.stop()  # no child process: this test places the document set itself
    registry = ReleaseRegistry(settings)
    try:
        handle = registry.current()
        body = b'{"document":{"title":"France"}}'
        kept = DocumentSet(handle.release_id, "aaaa1111", 1, {"FRA": zlib.compress(body)}, finished=True)
        precomputer._documents[handle.release_id] = kept
        assert precomputer.document(handle, "FRA", "aaaa1111") == body
        assert precomputer.document(handle, "FRA", "bbbb2222") is None  # the stores changed: computed per request
        assert precomputer.document(handle, "MAR", "aaaa1111") is None  # not made (yet)
        other = ReleaseHandle("r20990101T000000Z", handle.path, handle.connection)
        assert precomputer.document(other, "FRA", "aaaa1111") is None
        assert Precomputer(settings, enabled=False).document(handle, "FRA", "aaaa1111") is None
    finally:
        registry.close()


def test_no_document_pass_starts_when_the_settings_turn_it_off(tmp_path):
    settings = load_helper("synthetic").synthetic_home(tmp_path / "home")
    precomputer = Precomputer(settings.model_copy(update={"precompute_documents": False}))
    registry = ReleaseRegistry(settings, on_open=precomputer.start)
    try:
        handle = registry.current()
        _wait_for_digest(handle)  # the cheap pass still runs
        assert precomputer.status(handle.release_id)["documents"] is None and not precomputer._workers
    finally:
        precomputer.stop()
        registry.close()


def test_the_document_pass_makes_the_document_a_request_makes(real_handles, real_release):
    plain, _ = real_handles

    class Collected:
        """The pass's end of a pipe, keeping what it sends."""

        def __init__(self):
            self.sent: list = []

        def send(self, item) -> None:
            self.sent.append(item)

        def close(self) -> None:
            pass

    collected = Collected()
    document_pass(real_release.model_dump(), plain.release_id, ["NPL"], collected, niceness=0)
    [(code, packed)] = collected.sent
    stamp = stores_stamp(mutable_store_paths(real_release))
    assert code == "NPL"
    assert zlib.decompress(packed) == published_profile(real_release, plain, "NPL", stamp)
    assert b'"document":{' in zlib.decompress(packed)


def test_warm_ups_get_each_opened_release_and_a_failing_one_costs_only_itself(tmp_path):
    settings = load_helper("synthetic").synthetic_home(tmp_path / "home")
    seen: list[tuple[str, bool]] = []

    def watching(handle: ReleaseHandle) -> None:
        seen.append((handle.release_id, handle.digest is None))

    def failing(handle: ReleaseHandle) -> None:
        raise RuntimeError("a warm-up that breaks")

    precomputer = Precomputer(settings.model_copy(update={"precompute_documents": False}), warm_ups=(failing, watching))
    registry = ReleaseRegistry(settings, on_open=precomputer.start)
    try:
        handle = registry.current()
        _wait_for_digest(handle)  # the digest is built although a warm-up failed
        assert seen == [(handle.release_id, True)]  # told once, before the digest hung on the handle
        assert handle.digest.release_id == handle.release_id
    finally:
        precomputer.stop()
        registry.close()
