"""Run the portal in a child process (real uvicorn) on a loopback port the kernel picks, for API and browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from observatory.settings import Settings

# How long to wait for uvicorn to answer: a start, not a speed check, so generous for a loaded machine running the
# suite on several workers.
STARTUP_SECONDS = 180


def loopback_socket() -> socket.socket:
    """A socket bound to a port the kernel picks (port 0), for a child server to inherit: no two servers can race for
    the same port, even in parallel test workers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.set_inheritable(True)
    return sock


@contextmanager
def running_server(settings: Settings, log: Path, environment: dict[str, str] | None = None) -> Iterator[str]:
    """Start uvicorn on the app factory for this home (in `environment`, default this process's); yield the base URL."""
    sock = loopback_socket()
    port = sock.getsockname()[1]
    env = {**(os.environ if environment is None else environment), "OBSERVATORY_HOME": str(settings.home)}
    # The document pass costs minutes of CPU per server, which the other tests on this machine would wait for; its
    # answers are checked against per-request ones in tests/api/test_precompute.py, where it runs.
    env.setdefault("OBSERVATORY_PRECOMPUTE_DOCUMENTS", "false")
    if settings.mirror is not None:
        env["OBSERVATORY_MIRROR"] = str(settings.mirror)
    else:
        env.pop("OBSERVATORY_MIRROR", None)
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "observatory.api.app:create_app",
        "--factory",
        "--fd",
        str(sock.fileno()),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    with log.open("w") as sink:
        with sock:
            process = subprocess.Popen(
                command, env=env, stdout=sink, stderr=subprocess.STDOUT, pass_fds=(sock.fileno(),)
            )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while True:
                try:
                    httpx.get(f"{base}/api/openapi.json", timeout=2)
                    break
                except httpx.TransportError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"server did not start: {log.read_text()}") from None
                    time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
