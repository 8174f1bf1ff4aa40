(
    """Load test of the portal API: start the server, drive country profiles and corridors with 32 connections from """
    """a """
    """second process.

Run: OBSERVATORY_HOME=var python bench/api_load.py [--seconds 20] [--connections 32] [--client wrk|python]
Prints throughput and p50/p95/p99 latency per endpoint (target: p95 < 50 ms on two cores).
`--cold [--runs 3] [--countries N]`: a freshly started server, each country page (in English and again in another
language), profile JSON (full), corridor API and page (English, other languages) and the corridor page's sections
fragment requested once, p50/p95/max per kind; each run starts the server twice, without the per-release precompute pass
(the baseline) and with it (waiting for the pass to finish), and prints the ratio (targets: pages p95 <= 150 ms, full
profile <= 500 ms).
OBSERVATORY_BENCH_PORTS=8100-8199 keeps the servers' ports in that range.
The load comes from wrk (Debian package `wrk`, a C client) when it is installed: the Python client
spends more CPU per request than the server does, so on two cores it measures itself. `--client python`
keeps the pure-Python driver for machines without wrk.
"""
)

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time

COUNTRIES = [
    "USA",
    "DEU",
    "FRA",
    "GBR",
    "MEX",
    "IND",
    "CHN",
    "SYR",
    "TUR",
    "NGA",
    "SEN",
    "MAR",
    "PHL",
    "BRA",
    "ZAF",
    "ITA",
    "ESP",
    "CAN",
    "AUS",
    "UKR",
]
CORRIDORS = [
    ("MEX", "USA"),
    ("SYR", "TUR"),
    ("IND", "ARE"),
    ("UKR", "POL"),
    ("MAR", "FRA"),
    ("TUR", "DEU"),
    ("PHL", "USA"),
    ("DZA", "FRA"),
    ("SEN", "FRA"),
    ("CHN", "USA"),
    ("BGD", "IND"),
    ("KAZ", "RUS"),
    ("AFG", "IRN"),
    ("VEN", "COL"),
    ("POL", "DEU"),
    ("ROU", "ITA"),
]


LANGS = ("ar", "zh", "fr", "ru", "es")


def free_port() -> int:
    """A port nobody listens on: within OBSERVATORY_BENCH_PORTS ("8100-8199") when set (a shared machine hands out
    port ranges), else any."""
    wanted = os.environ.get("OBSERVATORY_BENCH_PORTS")
    candidates = [0]
    if wanted:
        first, last = (int(part) for part in wanted.split("-"))
        candidates = list(range(first, last + 1))
    for port in candidates:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise SystemExit(f"no free port in {wanted}")


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))]


async def drive(base: str, seconds: float, connections: int) -> dict:
    """Requests from `connections` concurrent clients for `seconds`; latencies in ms per endpoint kind."""
    import httpx

    latencies: dict[str, list[float]] = {"profile": [], "corridor": []}
    errors = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        deadline = time.perf_counter() + seconds
        rng = random.Random(7)

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                if rng.random() < 0.5:
                    kind, path = "profile", f"/api/profiles/{rng.choice(COUNTRIES)}"
                else:
                    origin, destination = rng.choice(CORRIDORS)
                    kind, path = "corridor", f"/api/corridors/{origin}/{destination}"
                start = time.perf_counter()
                response = await client.get(path)
                elapsed = (time.perf_counter() - start) * 1000
                if response.status_code != 200:
                    errors += 1
                latencies[kind].append(elapsed)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        wall = time.perf_counter() - started
    return {"latencies": latencies, "errors": errors, "wall": wall}


WRK_SCRIPT = (
    """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("WRK %%d %%d %%f %%f %%f %%f %%f\\n", summary.requests, summary.errors.status + """
    """summary.errors.connect + summary.errors.read + summary.errors.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / """
    """1000, latency.mean / 1000))
end
"""
)


def drive_with_wrk(base: str, seconds: float, connections: int) -> None:
    """One wrk run per endpoint kind, rotating over its URLs; prints the same figures as `report`."""
    import tempfile

    kinds = {
        "profile": [f"/api/profiles/{code}" for code in COUNTRIES],
        "corridor": [f"/api/corridors/{origin}/{destination}" for origin, destination in CORRIDORS],
    }
    for kind, paths in kinds.items():
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT % ", ".join(f'"{path}"' for path in paths))
        output = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{int(seconds / 2)}s", "-s", script.name, base],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        os.unlink(script.name)
        requests, errors, wall, p50, p95, p99, mean = next(
            line.split()[1:] for line in output.splitlines() if line.startswith("WRK ")
        )
        print(
            f"  {kind:9s} n={int(requests):6d}  {int(requests) / float(wall):7.0f} req/s  p50={float(p50):6.1f} ms  "
            f"p95={float(p95):6.1f} ms  "
            f"p99={float(p99):6.1f} ms  mean={float(mean):6.1f} ms  errors={errors}  (wrk, {connections} connections)"
        )


def report(result: dict, connections: int) -> None:
    """Print throughput and latency percentiles."""
    total = sum(len(v) for v in result["latencies"].values())
    print(
        f"{total} requests in {result['wall']:.1f} s with {connections} connections: {total / result['wall']:.0f} "
        f"req/s, {result['errors']} errors"
    )
    for kind, values in result["latencies"].items():
        if values:
            print(
                f"  {kind:9s} n={len(values):6d}  p50={percentile(values, 50):6.1f} ms  "
                f"p95={percentile(values, 95):6.1f} ms  "
                f"p99={percentile(values, 99):6.1f} ms  mean={statistics.fmean(values):6.1f} ms"
            )
    everything = [v for values in result["latencies"].values() for v in values]
    if everything:
        print(
            f"  all       p50={percentile(everything, 50):.1f} ms  p95={percentile(everything, 95):.1f} ms  "
            f"p99={percentile(everything, 99):.1f} ms"
        )


SERVE = (
    "import sys, uvicorn; from observatory.api.app import create_app; "
    "uvicorn.run(create_app(precompute=sys.argv[1] == 'on'), host='127.0.0.1', port=int(sys.argv[2]), "
    "log_level='warning', access_log=False)"
)


def start_server(precompute: bool) -> tuple[subprocess.Popen, str]:
    """A fresh server (with or without the precompute pass) once it answers; its process and base URL."""
    import httpx

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-c", SERVE, "on" if precompute else "off", str(port)], env=os.environ.copy()
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{base}/api/release", timeout=5).status_code == 200:
                return server, base
        except httpx.TransportError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.terminate()
            raise SystemExit("server did not start (is there a current release? set OBSERVATORY_HOME)")
        time.sleep(0.2)


def wait_for_pass(base: str, documents_wanted: int, timeout: float = 3600) -> float:
    """Seconds until the server's precompute pass has its digest and the first `documents_wanted` full profile
    documents (the pass makes the countries' first, by code: the order this bench requests them in)."""
    import httpx

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        state = httpx.get(f"{base}/api/release/precompute", timeout=30).json()
        documents = state.get("documents") or {}
        if state["digest"] and documents and documents["done"] >= min(documents_wanted, documents["total"]):
            return time.perf_counter() - started
        time.sleep(1)
    raise SystemExit("the precompute pass did not finish")


def cold_pass(base: str, countries: list[str]) -> dict[str, list[float]]:
    """Each country page, full profile JSON and corridor page requested once, in ms per kind."""
    import httpx

    paths = {
        "country page": [f"/countries/{code}" for code in countries],
        # the same countries in the other languages, in turn: the language's own work (the summary is shared with the
        # English page just asked for; each language's first page is among them)
        "country, lang": [f"/{LANGS[i % len(LANGS)]}/countries/{code}" for i, code in enumerate(countries)],
        "profile full": [f"/api/profiles/{code}?full=true" for code in countries],
        "corridor page": [f"/corridors?origin={o}&destination={d}" for o, d in CORRIDORS],
        "corridor, lang": [
            f"/{LANGS[i % len(LANGS)]}/corridors?origin={o}&destination={d}" for i, (o, d) in enumerate(CORRIDORS)
        ],
        # what the corridor page loads after its first paint (the publications' sections), for the record
        # after the pages: the API answer shares the corridor profile the page computed first
        "corridor api": [f"/api/corridors/{o}/{d}" for o, d in CORRIDORS],
        "sections frag": [f"/corridors/sections?origin={o}&destination={d}" for o, d in CORRIDORS],
    }
    latencies: dict[str, list[float]] = {kind: [] for kind in paths}
    with httpx.Client(base_url=base, timeout=300) as client:
        for kind, urls in paths.items():
            for url in urls:
                start = time.perf_counter()
                response = client.get(url)
                latencies[kind].append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"{url} answered {response.status_code}")
    return latencies


def cold(runs: int, limit: int | None) -> int:
    """Cold passes without and with the precompute pass, `runs` times; p50/p95/max per kind and their ratio."""
    import httpx

    server, base = start_server(precompute=False)
    try:
        listed = httpx.get(f"{base}/api/areas", params={"kind": "country"}, timeout=120).json()
    finally:
        server.terminate()
        server.wait(timeout=30)
    countries = sorted(row["code"] for row in listed["data"])[:limit]
    print(f"cold pass: {len(countries)} countries, {len(CORRIDORS)} corridors, {runs} runs")
    for run in range(1, runs + 1):
        figures = {}
        for precompute in (False, True):
            server, base = start_server(precompute)
            try:
                waited = wait_for_pass(base, len(countries)) if precompute else 0.0
                figures[precompute] = cold_pass(base, countries)
            finally:
                server.terminate()
                server.wait(timeout=30)
        print(f"run {run} (the pass took {waited:.0f} s after start)")
        for kind, baseline in figures[False].items():
            after = figures[True][kind]
            print(
                f"  {kind:13s} baseline p50={percentile(baseline, 50):7.0f} p95={percentile(baseline, 95):7.0f} "
                f"max={max(baseline):7.0f} ms | precomputed p50={percentile(after, 50):5.0f} "
                f"p95={percentile(after, 95):5.0f} max={max(after):5.0f} ms | p95 ratio "
                f"{percentile(baseline, 95) / percentile(after, 95):5.1f}x"
            )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="cold passes without and with the precompute pass")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--countries", type=int, default=None, help="only the first N countries (by code)")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--client", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python")
    parser.add_argument("--drive", help="(internal) base URL to drive; prints JSON results")
    args = parser.parse_args()
    if args.cold:
        return cold(args.runs, args.countries)
    if args.drive:
        result = asyncio.run(drive(args.drive, args.seconds, args.connections))
        print(json.dumps(result))
        return 0
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "observatory.api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=os.environ.copy(),
    )
    try:
        import httpx

        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/release", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                print("server did not start (is there a current release? set OBSERVATORY_HOME)", file=sys.stderr)
                return 1
            time.sleep(0.2)
        warm = time.perf_counter()
        for code in COUNTRIES:
            httpx.get(f"{base}/api/profiles/{code}", timeout=120)
        for origin, destination in CORRIDORS:
            httpx.get(f"{base}/api/corridors/{origin}/{destination}", timeout=120)
        print(
            f"warm-up (first computation of {len(COUNTRIES)} profiles and {len(CORRIDORS)} corridors): "
            f"{time.perf_counter() - warm:.1f} s"
        )
        if args.client == "wrk":
            drive_with_wrk(base, args.seconds, args.connections)
            return 0
        driver = subprocess.run(
            [
                sys.executable,
                __file__,
                "--drive",
                base,
                "--seconds",
                str(args.seconds),
                "--connections",
                str(args.connections),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        report(json.loads(driver.stdout), args.connections)
        return 0
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
