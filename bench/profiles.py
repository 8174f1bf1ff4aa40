"""Benchmark: time per country profile (build + render) on the current release, in each format asked for.

Run: python bench/profiles.py [--home HOME] [--mirror MIRROR] [--format html] [--format pdf] [--limit N] [--out DIR]
Prints the seconds per profile (mean, median, slowest countries) and the total for all countries.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from observatory.publish.batch import write_profiles
from observatory.publish.data import ReleaseData
from observatory.settings import get_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path)
    parser.add_argument("--mirror", type=Path)
    parser.add_argument("--format", dest="formats", action="append", choices=["html", "pdf", "md", "json"])
    parser.add_argument("--limit", type=int, help="Only the first N countries (alphabetical).")
    parser.add_argument("--out", type=Path, help="Keep the profiles in this folder (default: a temporary folder).")
    args = parser.parse_args()
    data = ReleaseData.open(get_settings(home=args.home, mirror=args.mirror))
    codes = data.countries()[: args.limit] if args.limit else data.countries()
    print(f"release {data.release_id}: {len(codes)} countries")
    for fmt in args.formats or ["html"]:
        with tempfile.TemporaryDirectory() as scratch:
            out = args.out / fmt if args.out else Path(scratch)
            start = time.perf_counter()
            timings = write_profiles(data, codes, out, fmt)
            wall = time.perf_counter() - start
        seconds = sorted(timings.values())
        slowest = sorted(timings.items(), key=lambda item: -item[1])[:3]
        print(
            f"{fmt:>4}: {len(seconds)} profiles in {wall:.1f} s; per profile mean {statistics.mean(seconds):.2f} s, "
            f"median {statistics.median(seconds):.2f} s, max {seconds[-1]:.2f} s "
            f"({', '.join(f'{c} {s:.2f} s' for c, s in slowest)})"
        )
    data.close()


if __name__ == "__main__":
    main()
