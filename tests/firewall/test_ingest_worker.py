"""Every upload is parsed in a separate worker under CPU, memory, wall-clock and result-size limits.

The workers here run standard-library functions (sleep, a backtracking regex, a huge allocation) in place of a
hostile file, so each limit is hit for certain and quickly.
"""

from __future__ import annotations

import operator
import os
import re
import resource
import threading
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from observatory.firewall.declarations import load_schema
from observatory.firewall.errors import UploadBusy, UploadRejected
from observatory.firewall.ingest import parse_upload
from observatory.firewall.ingest_worker import WorkerLimits, _worker_slots, run_in_worker

from .conftest import DATA

SCHEMA = load_schema("case_records")
SMALL = WorkerLimits(cpu_seconds=1, wall_seconds=20, memory_bytes=512 << 20, result_bytes=1 << 20)


def test_the_worker_runs_under_its_limits():
    assert run_in_worker(resource.getrlimit, (resource.RLIMIT_CORE,), SMALL) == [0, 0]
    assert run_in_worker(resource.getrlimit, (resource.RLIMIT_FSIZE,), SMALL) == [0, 0]
    address_space, hard = run_in_worker(resource.getrlimit, (resource.RLIMIT_AS,), SMALL)
    assert address_space == hard and 512 << 20 < address_space < (512 << 20) + (4 << 30)  # on top of what it maps
    soft, hard = run_in_worker(resource.getrlimit, (resource.RLIMIT_CPU,), SMALL)
    assert 1 <= soft <= 3 and hard == soft + 1
    niceness = os.getpriority(os.PRIO_PROCESS, 0)
    assert run_in_worker(os.getpriority, (os.PRIO_PROCESS, 0), SMALL) == min(19, niceness + 10)


def test_the_worker_is_not_forked_from_the_server():
    """It comes from a clean fork server: forking a server that runs threads could copy a held lock."""
    assert run_in_worker(os.getppid, (), SMALL) != os.getpid()
    assert run_in_worker(os.getpid, (), SMALL) != os.getpid()


def test_a_parse_that_never_ends_is_killed_at_the_wall_clock_limit():
    started = time.monotonic()
    with pytest.raises(UploadRejected, match="took longer than 0.5 s"):
        run_in_worker(time.sleep, (60,), SMALL.model_copy(update={"wall_seconds": 0.5}))
    assert time.monotonic() - started < 10


def test_a_parse_that_burns_cpu_is_stopped_at_the_cpu_limit():
    """Exponential backtracking: years of CPU time unless the kernel stops the worker after one second."""
    # The wall-clock limit is set far off, so that on a loaded machine (where one CPU second can take longer than
    # SMALL's 20 s of wall time) it is still the CPU limit that stops the worker, which its message proves.
    patient = SMALL.model_copy(update={"wall_seconds": 600.0})
    with pytest.raises(UploadRejected, match="more than 1 s of CPU time"):
        run_in_worker(re.fullmatch, ("(a+)+$", "a" * 64 + "b"), patient)


def test_a_parse_that_needs_too_much_memory_is_refused():
    with pytest.raises(UploadRejected, match="more memory than an upload may use"):
        run_in_worker(bytearray, (1 << 30,), SMALL)


def test_an_answer_over_the_result_limit_is_refused():
    with pytest.raises(UploadRejected, match="more data than an upload may"):
        run_in_worker(operator.mul, ("x", 2 << 20), SMALL)


def test_the_worker_cannot_write_files(tmp_path):
    """A worker writes nothing to disk (no temp files, no core dump holding records)."""
    target = tmp_path / "written.txt"
    target.touch()
    with pytest.raises(UploadRejected, match="could not be read"):
        run_in_worker(Path.write_text, (target, "Amina Haddad"), SMALL)
    assert target.read_bytes() == b""


def test_an_unexpected_failure_is_a_clean_refusal_that_quotes_nothing():
    with pytest.raises(UploadRejected, match="^the file could not be read$") as info:
        run_in_worker(int, ("Amina Haddad",), SMALL)
    assert info.value.detail == "the file could not be read" and info.value.status == 422


def test_uploads_wait_for_a_free_worker_and_are_refused_when_none_frees_up():
    limits = SMALL.model_copy(update={"workers": 1, "queue_seconds": 0.3})
    slots = _worker_slots(1)
    assert slots.acquire(timeout=10)
    try:
        with pytest.raises(UploadBusy, match="^every upload worker is busy; the file was not read") as info:
            run_in_worker(os.getpid, (), limits)
        assert info.value.status == 503
    finally:
        slots.release()
    assert run_in_worker(os.getpid, (), limits) != os.getpid()


def test_concurrent_uploads_from_server_threads_are_each_parsed_whole():
    data = (DATA / "shelter_a.csv").read_bytes()
    expected = parse_upload("shelter_a.csv", data, SCHEMA).rows
    patient = SMALL.model_copy(update={"workers": 2, "queue_seconds": 120})
    results: list[object] = []

    def upload() -> None:
        try:
            results.append(parse_upload("shelter_a.csv", data, SCHEMA, patient).rows)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            results.append(error)

    threads = [threading.Thread(target=upload) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert results == [expected] * 6


def test_limits_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("OBSERVATORY_UPLOAD_WORKER_CPU_SECONDS", "3")
    monkeypatch.setenv("OBSERVATORY_UPLOAD_WORKER_WALL_SECONDS", "4.5")
    limits = WorkerLimits()
    assert (limits.cpu_seconds, limits.wall_seconds) == (3, 4.5)
    monkeypatch.setenv("OBSERVATORY_UPLOAD_WORKER_MEMORY_BYTES", "1")
    with pytest.raises(ValidationError, match=r"memory_bytes\n  Input should be greater than or equal to \d+"):
        WorkerLimits()


def test_parse_upload_takes_its_limits():
    data = (DATA / "shelter_a.csv").read_bytes()
    with pytest.raises(UploadRejected, match="more data than an upload may"):
        parse_upload("shelter_a.csv", data, SCHEMA, SMALL.model_copy(update={"result_bytes": 1024}))
