"""Hostile uploads over the real HTTP API do not slow other clients: each is parsed in a limited worker.

A uvicorn server runs with small worker limits; one client uploads the files that froze the server (the UTF-16
entity bomb, the quadratic e-mail CSV, a zip bomb, and a legal-looking XLSX that needs far more CPU than allowed)
while another keeps asking a cheap endpoint and measures every answer. (The workbook of 49,000 records is about
12 s of CPU to read: 1.2 MB zipped, 18 MB of XML.)
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import httpx
import pytest

from observatory.firewall.vault import Vault

from .conftest import (
    DATA,
    RULES,
    assert_no_record_values,
    environ_without_token,
    leaks,
    loopback_socket,
    make_settings,
    scan_tree,
)
from .test_ingest_xlsx import billion_laughs, rezip, workbook_of

DATASET = "isolation-grc"
CPU_SECONDS = 2
WALL_SECONDS = 4
LATENCY_BOUND = 0.200
ATTACK_SECONDS = 8.0


def quadratic_email_csv() -> bytes:
    """The 180 kB CSV whose e-mail check took 19.7 s: two 90 kB runs of e-mail characters in an extra column."""
    header = "nationality,sex,age,legal_status,location,service,month,contact\n"
    row = f"SYR,female,34,refugee,GRC-I,health,2024-03,{'a' * 90_000}\n"
    return (header + row + row).encode()


def zip_bomb() -> bytes:
    """60 MB of zeros packed into a few dozen kilobytes."""
    return rezip({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": b"\x00" * 60_000_000})


@pytest.fixture(scope="module")
def hostile_files() -> dict[str, tuple[str, bytes, str]]:
    """Each attack: file name, bytes, and words its refusal must hold."""
    return {
        "utf-16 entity bomb": ("sheet.xlsx", billion_laughs(), "DTD"),
        "quadratic e-mail csv": ("cases.csv", quadratic_email_csv(), "longer than"),
        "zip bomb": ("bomb.xlsx", zip_bomb(), "zip bomb"),
        "cpu-heavy workbook": ("big.xlsx", workbook_of(49_000), "it was stopped"),
    }


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory):
    """A real uvicorn process with small upload-worker limits; its log and home are scanned for record values."""
    base = tmp_path_factory.mktemp("isolation")
    settings = make_settings(base)
    vault = Vault(settings)
    admin = vault.authenticate(vault.bootstrap_admin()["token"])  # as `observatory token create` does, on the machine
    steward = vault.authenticate(vault.create_token(admin, "steward")["token"])
    contributor = vault.create_token(admin, "contributor", org="shelter-a")["token"]
    vault.set_rules(steward, DATASET, RULES)
    vault.grant(steward, DATASET, "shelter-a", "owner")
    sock = loopback_socket()
    port = sock.getsockname()[1]
    env = {
        **environ_without_token(),
        "OBSERVATORY_HOME": str(settings.home),
        "OBSERVATORY_VAULT_KEY_FILE": str(settings.vault_key_file),
        "OBSERVATORY_UPLOAD_WORKER_CPU_SECONDS": str(CPU_SECONDS),
        "OBSERVATORY_UPLOAD_WORKER_WALL_SECONDS": str(WALL_SECONDS),
        "OBSERVATORY_UPLOAD_WORKER_MEMORY_BYTES": str(512 << 20),
    }
    log_path = base / "server.log"
    with open(log_path, "wb") as log, sock:
        command = [sys.executable, "-m", "uvicorn", "observatory.firewall.api:create_app", "--factory", "--fd"]
        process = subprocess.Popen(
            [*command, str(sock.fileno())], env=env, stdout=log, stderr=subprocess.STDOUT, pass_fds=(sock.fileno(),)
        )
        url = f"http://127.0.0.1:{port}/api/vault"
        try:
            deadline = time.monotonic() + 180  # a start, not a speed check: generous for a loaded machine
            while True:
                try:
                    if httpx.get(f"{url}/publications", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("uvicorn did not start:\n" + log_path.read_text())
                time.sleep(0.1)
            yield SimpleNamespace(url=url, contributor=contributor, settings=settings)
        finally:
            process.terminate()
            process.wait(timeout=15)
    assert leaks(log_path.read_text()) == []
    assert scan_tree(settings.home) == {}


def keep_asking(
    url: str, stop: threading.Event, seconds: list[float], statuses: list[int], answered: list[httpx.Response]
) -> None:
    """The other client: ask the public publication list again and again, timing each answer (a timeout counts)."""
    with httpx.Client(base_url=url, timeout=30) as client:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                response = client.get("/publications")
            except httpx.TimeoutException:
                statuses.append(0)
                seconds.append(time.perf_counter() - started)
                continue
            seconds.append(time.perf_counter() - started)
            statuses.append(response.status_code)
            answered.append(response)  # scanned for record values by the test, outside this timed loop
            time.sleep(0.02)


def upload(url: str, token: str, name: str, data: bytes) -> tuple[httpx.Response, float]:
    """One upload and the seconds it took."""
    started = time.perf_counter()
    response = httpx.post(
        f"{url}/datasets/{DATASET}/uploads",
        params={"filename": name},
        content=data,
        headers={"Authorization": f"Bearer {token}"},
        timeout=120,
    )
    took = time.perf_counter() - started
    assert_no_record_values(response)
    return response, took


def test_hostile_uploads_do_not_slow_other_clients(limited_server, hostile_files):
    server = limited_server
    upload(server.url, server.contributor, "shelter_a.csv", (DATA / "shelter_a.csv").read_bytes())  # worker started
    seconds: list[float] = []
    statuses: list[int] = []
    answered: list[httpx.Response] = []
    stop = threading.Event()
    other = threading.Thread(target=keep_asking, args=(server.url, stop, seconds, statuses, answered))
    watched = time.perf_counter()
    other.start()
    answers = []
    try:
        started = time.monotonic()
        while time.monotonic() - started < ATTACK_SECONDS or len(answers) < 2 * len(hostile_files):
            for attack, (name, data, words) in hostile_files.items():
                response, took = upload(server.url, server.contributor, name, data)
                answers.append((attack, response.status_code, response.json().get("detail", ""), took))
                assert response.status_code == 422 and words in response.json()["detail"], (attack, response.text)
                assert took < WALL_SECONDS + 10, attack
    finally:
        stop.set()
        other.join(timeout=60)
        watched = time.perf_counter() - watched
    assert len(seconds) >= 30 and set(statuses) == {200}, (len(seconds), set(statuses))
    assert len(answered) == len(seconds)
    for response in answered:
        assert_no_record_values(response)
    ranked = sorted(seconds)
    median, p90 = statistics.median(ranked), ranked[int(0.9 * (len(ranked) - 1))]
    # A frozen server shows as a few very long requests, which a percentile alone would hide: also bound the share
    # of the watched time the other client spent waiting on slow answers (a freeze lasts as long as the parse,
    # seconds to minutes; a loaded machine's odd stall, a fraction of a second).
    stuck = sum(t for t in seconds if t >= LATENCY_BOUND) / watched
    assert median < LATENCY_BOUND and p90 < LATENCY_BOUND and stuck < 0.25, (median, p90, stuck, len(seconds), answers)


def test_a_valid_upload_still_goes_through(limited_server):
    response, _ = upload(
        limited_server.url, limited_server.contributor, "shelter_a.csv", (DATA / "shelter_a.csv").read_bytes()
    )
    assert response.status_code == 201 and response.json()["records"] == 60
