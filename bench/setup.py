"""Benchmark: a fresh clone to the first served page, as a new user runs it (set-up, build, serve).

Run as `python bench/setup.py [--installers uv,pip]` (OBSERVATORY_MIRROR, else /work/shared/data). For each installer
it clones the repository's committed HEAD into a temporary folder, runs `scripts/setup.sh` (what `run.sh` runs, with
OBSERVATORY_INSTALLER set), builds the warehouse from the mirror, imports the evidence records (embeddings left to a
background process, as in run.sh) and starts the portal, and prints the seconds of each
step and the total until `/` answers 200 (target ≤ 120 s). pip is the baseline measured in the same run. Package
caches are whatever this machine has (pip's and uv's caches are left warm by earlier installs: say so with the
figures).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE_TIMEOUT_SECONDS = 300.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def _background(command: list[str], clone: Path, env: dict[str, str]) -> subprocess.Popen:
    """A process started in its own session (stopped with its children by killpg), its output discarded."""
    return subprocess.Popen(
        command, cwd=clone, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


def _first_page(clone: Path, env: dict[str, str]) -> float:
    """Seconds from starting the server until `/` answers 200; the server is stopped afterwards."""
    port = _free_port()
    started = time.perf_counter()
    server = _background([str(clone / ".venv/bin/observatory"), "serve", "--port", str(port)], clone, env)
    try:
        while time.perf_counter() - started < PAGE_TIMEOUT_SECONDS:
            if server.poll() is not None:
                raise SystemExit(f"the server stopped (exit {server.returncode}) before answering")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"no page within {PAGE_TIMEOUT_SECONDS:.0f} s")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def measure(installer: str, mirror: Path, folder: Path, setup_only: bool = False) -> dict[str, float]:
    """Clone, set up with `installer`, build, serve: seconds per step."""
    clone = folder / f"clone-{installer}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OBSERVATORY_", "VIRTUAL_ENV"))}
    env |= {
        "OBSERVATORY_INSTALLER": installer,
        "OBSERVATORY_MIRROR": str(mirror),
        "OBSERVATORY_HOME": str(clone / "var"),
    }
    times = {"clone": _run(["git", "clone", "--quiet", str(ROOT), str(clone)], folder, env)}
    times["set-up"] = _run(["bash", "scripts/setup.sh"], clone, env)
    if setup_only:
        return times | {"total": sum(times.values())}
    observatory = str(clone / ".venv/bin/observatory")
    times["build"] = _run([observatory, "build"], clone, env)
    # As run.sh does: the evidence records and rule labels before serving, the embeddings in the background
    times["evidence"] = _run([observatory, "evidence", "import", "--mirror", "--if-stale", "--no-embed"], clone, env)
    embedding = _background(["nice", "-n", "10", observatory, "evidence", "embed"], clone, env)
    try:
        times["first page"] = _first_page(clone, env)
    finally:
        os.killpg(embedding.pid, signal.SIGTERM)
        embedding.wait(timeout=30)
    times["total"] = sum(times.values())
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--installers", default="pip,uv", help="comma-separated: pip (baseline), uv")
    parser.add_argument("--setup-only", action="store_true", help="stop after scripts/setup.sh")
    args = parser.parse_args()
    mirror = Path(os.environ.get("OBSERVATORY_MIRROR", "/work/shared/data")).resolve()
    print(f"repository: {ROOT} (committed HEAD); mirror: {mirror}")
    for cache in (Path.home() / ".cache/pip", Path.home() / ".cache/uv"):
        print(f"cache {cache}: {'present' if cache.is_dir() else 'absent'}")
    folder = Path(tempfile.mkdtemp(prefix="observatory-bench-setup-"))
    try:
        for installer in args.installers.split(","):
            times = measure(installer, mirror, folder, args.setup_only)
            steps = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in times.items() if step != "total")
            reached = "set-up done" if args.setup_only else "first page"
            print(f"{installer}: {steps}; fresh clone to {reached} {times['total']:.1f} s (target ≤ 120 s)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
