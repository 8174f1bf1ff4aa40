"""Benchmark: default demographic-accounting estimate on random systems, and the real 1990-2020 estimate."""

# Run as `python bench/flows.py` (set OBSERVATORY_MIRROR for the real-data part). Prints seconds, peak
# memory (tracemalloc, which sees NumPy buffers) and the speed-up over migest 2.0.5 in R.

from __future__ import annotations

import os
import time
import tracemalloc
from pathlib import Path

import numpy as np

from observatory.flows import demographic_accounting_flows

# Seconds for one default ffs_demo() call in R (migest 2.0.5) on the same machine type.
R_SECONDS = {50: 0.53, 100: 1.91, 200: 5.29}


def random_system(n: int, seed: int = 2024):
    """Seeded stock tables [pob, por] with ~40 % zero corridors, natives log-uniform in [5e4, 5e7]."""
    rng = np.random.default_rng(seed)
    natives = np.exp(rng.uniform(np.log(5e4), np.log(5e7), n))
    # Migrant stocks scale with both populations, so large pairs have large corridors.
    scale = np.sqrt(np.outer(natives, natives)) * 1e-3
    s0 = scale * rng.lognormal(0.0, 1.0, (n, n)) * (rng.random((n, n)) >= 0.4)
    s1 = s0 * rng.lognormal(0.05, 0.3, (n, n)) + scale * 0.05 * (rng.random((n, n)) < 0.05)
    np.fill_diagonal(s0, natives)
    np.fill_diagonal(s1, natives * rng.uniform(0.97, 1.12, n))
    births = natives * rng.uniform(0.04, 0.15, n)
    deaths = natives * rng.uniform(0.03, 0.07, n)
    return np.round(s0), np.round(s1), np.round(births), np.round(deaths)


def measure(fn, repeat: int = 5):
    """Median wall time over `repeat` runs, and the peak traced memory of one run."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return float(np.median(times)), peak / 2**20


def main() -> None:
    """Print the benchmark table."""
    print(f"{'system':>24} {'seconds':>9} {'peak MiB':>9} {'R seconds':>10} {'speed-up':>9}")
    for n in (50, 100, 200):
        args = random_system(n)
        secs, peak = measure(lambda args=args: demographic_accounting_flows(*args))
        r = R_SECONDS[n]
        print(f"{f'random, {n} countries':>24} {secs:9.3f} {peak:9.1f} {r:10.2f} {r / secs:8.1f}x")
    mirror = os.environ.get("OBSERVATORY_MIRROR")
    if not mirror:
        print("real 1990-2020 estimate skipped: set OBSERVATORY_MIRROR to the data mirror")
        return
    from observatory.flows.real import estimate_flows_from_mirror

    root = Path(mirror)
    secs, peak = measure(lambda: estimate_flows_from_mirror(root), repeat=1)
    print(f"{'real UN DESA 1990-2020':>24} {secs:9.3f} {peak:9.1f} {'':>10} {'':>9}")


if __name__ == "__main__":
    main()
