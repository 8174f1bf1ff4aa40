"""Benchmark: what a reader's browser fetches and when it paints, before touching anything, on a sample of portal pages.

Run: python bench/pages.py --home HOME [--mirror MIRROR] [--runs 3] [--baseline-commit REV] [--current-commit REV]

A real headless Chromium (the Debian package, as the browser tests) opens each page of the sample in a fresh context
(no HTTP cache) and records the bytes transferred before any interaction (headers and bodies of every response until
the network is idle), first contentful paint and largest contentful paint, and whether the charting library was
fetched. Two code trees serve the same release, each unpacked from git (`git archive REV src`, nothing written into the
repository): the baseline (default: the last commit before lighter pages, which loaded Vega eagerly on every page) and
the current code (default HEAD). Each run gives, per page and per tree:

- cold: a server process started for that page alone (in-process caches empty), the page opened once, at once
  (the server's per-release pass has not finished: the page computes its own answer);
- passed: another server started for that page, the page opened once after the server's per-release pass has made
  its digest (`/api/release/precompute`; a tree without that address has no pass and is opened at once);
- warm: the same page opened again from a fresh browser context on that server.
OBSERVATORY_BENCH_PORTS=8100-8199 keeps the servers' ports in that range.

The current code draws charts on the server once per release and keeps the drawings under the home's publications
folder; the bench runs on a scratch home whose `releases` links to HOME's (nothing is written into HOME), so its first
pass finds no drawings: that pass ("current, first visit") is reported apart, then every chart is drawn and the runs
measure the state every later visitor meets. Timings vary with the machine's load (other processes share the cores):
the baseline and the current tree are measured in turn, page by page, so both see the same load; compare ratios.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
BASELINE_COMMIT = "877dc75^"  # the last commit before lighter pages (issue 16 item 6)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
PAGES = [
    "/",
    "/countries/DEU",
    "/ar/countries/EGY",
    "/corridors?origin=MEX&destination=USA",
    "/indicators/migrant_stock",
    "/countries",
    "/corridors",
]
STATES = ("cold", "passed", "warm")
BUDGET_KIB = 300
PAINT_TARGET_MS = 1000
LIBRARY = "/static/vendor/vega"
# Largest contentful paint as the page reports it (the last candidate before the reader does anything).
OBSERVE_PAINT = """
window.__lcp = 0;
new PerformanceObserver(list => { for (const entry of list.getEntries()) window.__lcp = entry.startTime; })
  .observe({type: 'largest-contentful-paint', buffered: true});
"""


def unpack(commit: str, folder: Path) -> Path:
    """src/ of a commit, unpacked from git into `folder`."""
    archive = subprocess.run(
        ["git", "-C", str(REPOSITORY), "archive", commit, "src"], capture_output=True, check=False, timeout=120
    )
    if archive.returncode != 0:
        raise SystemExit(f"git cannot archive {commit}: {archive.stderr.decode(errors='replace')[:200]}")
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder / "src"


def scratch_home(home: Path, folder: Path) -> Path:
    """A home reading HOME's releases (linked) with its own, empty, publications folder."""
    releases = home / "releases"
    if not (releases / "CURRENT").exists():
        raise SystemExit(f"no current release under {home}: build one (observatory build)")
    scratch = folder / "home"
    scratch.mkdir()
    (scratch / "releases").symlink_to(releases.resolve(), target_is_directory=True)
    return scratch


def bound_socket() -> socket.socket:
    """A loopback socket on a free port: within OBSERVATORY_BENCH_PORTS ("8100-8199") when set, else any."""
    wanted = os.environ.get("OBSERVATORY_BENCH_PORTS")
    ports = [0]
    if wanted:
        first, last = (int(part) for part in wanted.split("-"))
        ports = list(range(first, last + 1))
    for port in ports:
        sock = socket.socket()
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            continue
        return sock
    raise SystemExit(f"no free port in {wanted}")


class Server:
    """A uvicorn process serving one code tree on a free loopback port."""

    def __init__(self, source: Path, home: Path, mirror: str | None, log: Path):
        sock = bound_socket()
        sock.set_inheritable(True)
        self.base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        env = {**os.environ, "PYTHONPATH": str(source), "OBSERVATORY_HOME": str(home)}
        if mirror:
            env["OBSERVATORY_MIRROR"] = mirror
        command = [sys.executable, "-m", "uvicorn", "observatory.api.app:create_app", "--factory"]
        command += ["--fd", str(sock.fileno()), "--log-level", "warning", "--no-access-log"]
        with log.open("a") as sink, sock:
            self.process = subprocess.Popen(
                command, env=env, stdout=sink, stderr=subprocess.STDOUT, pass_fds=(sock.fileno(),)
            )
        self._ready()

    def _ready(self) -> None:
        """Wait until the server answers a static file (which warms no page cache)."""
        import httpx

        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("the server exited at start (see the log in the scratch folder)")
            try:
                if httpx.get(self.base + "/static/portal.css", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise SystemExit("the server did not start within 180 s")

    def wait_for_pass(self, timeout: float = 600) -> None:
        """Until the server's per-release pass has made its digest (at once for a tree without the pass)."""
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answer = httpx.get(self.base + "/api/release/precompute", timeout=60)
            if answer.status_code == 404 or answer.json().get("digest"):
                return
            time.sleep(0.5)
        raise SystemExit("the server's pass did not finish in time")

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def visit(browser, url: str) -> dict:
    """Open a page in a fresh context: bytes before interaction, FCP, LCP (ms), requests, library fetched or not."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(OBSERVE_PAINT)
    tab = context.new_page()
    requests: list = []
    tab.on("request", lambda request: requests.append(request))
    tab.goto(url, wait_until="load", timeout=180_000)
    tab.wait_for_load_state("networkidle", timeout=180_000)
    paint = tab.evaluate(
        "() => ({fcp: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || 0,"
        " lcp: window.__lcp})"
    )
    transferred = 0
    for request in requests:
        if request.response() is not None:
            sizes = request.sizes()
            transferred += sizes["responseHeadersSize"] + max(sizes["responseBodySize"], 0)
    context.close()
    return {
        "bytes": transferred,
        "fcp": paint["fcp"],
        "lcp": paint["lcp"],
        "requests": len(requests),
        "library": any(LIBRARY in request.url for request in requests),
    }


def wait_for_drawings(base: str, timeout: float = 900) -> float:
    """Seconds until every chart of the sample is drawn by the server (pages ask for their drawings when served)."""
    import httpx

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        pages = [httpx.get(base + path, timeout=180).text for path in PAGES]
        if all(page.count("data-spec-id=") == page.count('data-rendered="static"') for page in pages):
            return time.monotonic() - started
        time.sleep(2)
    raise SystemExit("the server did not draw the sample's charts in time")


def measure_page(browser, source: Path, home: Path, mirror: str | None, log: Path, path: str) -> dict[str, dict]:
    """One page on one tree: cold (a server started for it), passed (another, once its pass is done) and warm (opened
    again on that server)."""
    server = Server(source, home, mirror, log)
    try:
        cold = visit(browser, server.base + path)
    finally:
        server.close()
    server = Server(source, home, mirror, log)
    try:
        server.wait_for_pass()
        return {"cold": cold, "passed": visit(browser, server.base + path), "warm": visit(browser, server.base + path)}
    finally:
        server.close()


def median(rows: list[dict], key: str) -> float:
    return statistics.median(row[key] for row in rows)


def report(results: dict[str, dict[str, dict[str, list[dict]]]], first_visit: dict[str, dict]) -> None:
    """Medians per page, state and tree, and the current/baseline ratios."""
    print(f"\nMedians of {len(next(iter(results['current'].values()))['cold'])} runs; ratio = current / baseline.")
    header = f"{'page':40} {'state':6} {'KiB base':>8} {'KiB now':>8} {'ratio':>6}"
    header += f" {'FCP base':>8} {'FCP now':>8} {'ratio':>6} {'LCP base':>8} {'LCP now':>8} {'ratio':>6}  vega now"
    print(header)
    worst = {"bytes": 0.0, "lcp_cold": 0.0, "fcp_cold": 0.0}
    for path in PAGES:
        for state in STATES:
            base, now = results["baseline"][path][state], results["current"][path][state]
            cells = []
            for key, scale in (("bytes", 1024), ("fcp", 1), ("lcp", 1)):
                b, n = median(base, key) / scale, median(now, key) / scale
                cells.append(f"{b:8.0f} {n:8.0f} {n / b if b else float('nan'):6.2f}")
            fetched = sum(row["library"] for row in now)
            print(f"{path:40} {state:6} {' '.join(cells)}  {fetched}/{len(now)}")
            worst["bytes"] = max(worst["bytes"], max(row["bytes"] for row in now) / 1024)
            if state != "warm":
                worst["lcp_cold"] = max(worst["lcp_cold"], median(now, "lcp"))
                worst["fcp_cold"] = max(worst["fcp_cold"], median(now, "fcp"))
    print(
        f"\nCurrent code: heaviest page {worst['bytes']:.0f} KiB (budget {BUDGET_KIB}); slowest cold/passed median FCP "
        f"{worst['fcp_cold']:.0f} ms, LCP {worst['lcp_cold']:.0f} ms (target {PAINT_TARGET_MS} ms)."
    )
    print("\nCurrent code, first visit after a release (no server drawings yet: the browser draws, as the baseline):")
    for path, row in first_visit.items():
        print(
            f"{path:40} {row['bytes'] / 1024:6.0f} KiB  FCP {row['fcp']:6.0f} ms  LCP {row['lcp']:6.0f} ms  "
            f"library fetched: {row['library']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=os.environ.get("OBSERVATORY_HOME"), required=False)
    parser.add_argument("--mirror", default=os.environ.get("OBSERVATORY_MIRROR"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline-commit", default=BASELINE_COMMIT)
    parser.add_argument("--current-commit", default="HEAD")
    args = parser.parse_args()
    if args.home is None:
        raise SystemExit("--home (or OBSERVATORY_HOME) names a home with a built release")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch_folder:
        scratch = Path(scratch_folder)
        home = scratch_home(Path(args.home).resolve(), scratch)
        sources = {
            "baseline": unpack(args.baseline_commit, scratch / "baseline"),
            "current": unpack(args.current_commit, scratch / "current"),
        }
        log = scratch / "servers.log"
        print(
            f"baseline {args.baseline_commit}, current {args.current_commit}, {os.cpu_count()} cores, load "
            f"{os.getloadavg()[0]:.1f}"
        )
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            first_visit = {}
            for path in PAGES:  # the current code meets an empty drawings folder once
                first_visit[path] = measure_page(browser, sources["current"], home, args.mirror, log, path)["cold"]
            server = Server(sources["current"], home, args.mirror, log)
            try:
                print(f"server drew the sample's charts in {wait_for_drawings(server.base):.0f} s after the first pass")
            finally:
                server.close()
            results: dict[str, dict[str, dict[str, list[dict]]]] = {
                tree: {path: {state: [] for state in STATES} for path in PAGES} for tree in sources
            }
            for run in range(args.runs):
                order = list(sources) if run % 2 == 0 else list(reversed(sources))  # neither tree always goes first
                for path in PAGES:
                    for tree in order:
                        measured = measure_page(browser, sources[tree], home, args.mirror, log, path)
                        for state, row in measured.items():
                            results[tree][path][state].append(row)
                print(f"run {run + 1}/{args.runs} done (load {os.getloadavg()[0]:.1f})")
            browser.close()
        report(results, first_visit)


if __name__ == "__main__":
    main()
