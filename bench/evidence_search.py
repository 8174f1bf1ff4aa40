"""Benchmark evidence search latency on the real corpus and on a corpus scaled to 100,000 records.

Run: OBSERVATORY_MIRROR=../shared/data python bench/evidence_search.py [--store PATH] [--runs 5]
The real corpus is imported (with embeddings) into PATH on first use and reused afterwards.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from observatory.evidence.importer import embed_pending, import_mirror
from observatory.evidence.search import SearchIndex
from observatory.evidence.store import EvidenceStore
from observatory.settings import get_settings

QUERIES = [
    ("mental health of refugee children", {}),
    ("remittance costs", {}),
    ("climate change and migration", {"year_from": 2010}),
    ("asylum appeal tribunal", {"area": "LKA"}),
    ("labour market integration of immigrants", {"theme": "integration"}),
    ("public attitudes towards immigration", {}),
    ("deportation and return", {}),
    ("unaccompanied minors", {"types": ["journal_article"]}),
    ("Syrian refugees in Germany", {}),
    ("human trafficking", {}),
    ("diaspora politics", {}),
    ("border enforcement deaths", {}),
    ("education of migrant pupils", {"year_from": 2020}),
    ("drought emigration Africa", {}),
    ("xenophobia media framing", {}),
    ("statelessness", {}),
]


def percentile(values: list[float], q: float) -> float:
    """q-th percentile (0-100) by linear interpolation."""
    return float(np.percentile(np.asarray(values), q))


def measure(index: SearchIndex, runs: int, semantic: bool) -> list[float]:
    """Latencies (ms) of every query, `runs` times each, after one warm-up pass."""
    for query, filters in QUERIES:
        index.search(query, 10, semantic=semantic, **filters)
    times = []
    for _ in range(runs):
        for query, filters in QUERIES:
            start = time.perf_counter()
            index.search(query, 10, semantic=semantic, **filters)
            times.append((time.perf_counter() - start) * 1000)
    return times


def scaled(records: pd.DataFrame, labels: pd.DataFrame, ids: list[str], matrix: np.ndarray, target: int):
    """Copies of the real corpus (new ids, vectors jittered and re-normalised) up to `target` records."""
    rng = np.random.default_rng(6)
    copies = -(-target // len(records))
    frames, label_frames, all_ids, vectors = [], [], [], []
    for k in range(copies):
        suffix = f"~{k}"
        frames.append(records.assign(id=records["id"] + suffix))
        label_frames.append(labels.assign(record_id=labels["record_id"] + suffix))
        all_ids.extend(i + suffix for i in ids)
        jitter = matrix + rng.normal(0, 0.02, matrix.shape).astype(np.float32)
        vectors.append(jitter / np.linalg.norm(jitter, axis=1, keepdims=True))
    big = pd.concat(frames, ignore_index=True).head(target)
    keep = set(big["id"])
    big_labels = pd.concat(label_frames, ignore_index=True)
    big_labels = big_labels[big_labels["record_id"].isin(keep)]
    matrix_big = np.vstack(vectors)
    mask = np.array([i in keep for i in all_ids])
    return big, big_labels, [i for i, m in zip(all_ids, mask, strict=True) if m], matrix_big[mask]


def main() -> None:
    """Import (once), index, and time the queries."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    settings = get_settings()
    parser.add_argument("--store", type=Path, default=settings.home / "bench" / "evidence.duckdb")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", type=int, default=100_000)
    args = parser.parse_args()

    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; BLAS threads: "
        f"{os.environ.get('OPENBLAS_NUM_THREADS', 'default')} (small query-time matrix products suffer under "
        "contention)"
    )
    store = EvidenceStore(args.store)
    if store.count() == 0:
        if settings.mirror is None:
            raise SystemExit("set OBSERVATORY_MIRROR to the shared data folder")
        print(f"importing the real corpora into {args.store} (embedding takes several minutes the first time)…")
        import_mirror(settings.mirror, store)
    embed_pending(store)
    records, labels = store.records_frame(), store.labels_frame()
    ids, matrix = store.embeddings()

    big = scaled(records, labels, ids, matrix, args.scale)
    rng = np.random.default_rng(7)
    filler = rng.normal(size=(len(big[0]), matrix.shape[1])).astype(np.float32)
    filler /= np.linalg.norm(filler, axis=1, keepdims=True)
    all_embedded = (big[0], big[1], list(big[0]["id"]), filler)
    for name, frames in (
        ("real corpus", (records, labels, ids, matrix)),
        ("scaled corpus", big),
        ("scaled corpus, every record embedded", all_embedded),
    ):
        start = time.perf_counter()
        index = SearchIndex.build(*frames)
        build_s = time.perf_counter() - start
        print(
            f"{name}: {len(frames[0]):,} records ({len(index.vector_pos):,} with embeddings), index built in "
            f"{build_s:.1f} s"
        )
        for mode, semantic in (("hybrid BM25 + MiniLM", True), ("BM25 only", False)):
            times = measure(index, args.runs, semantic)
            print(
                f"  {mode:22s} median {statistics.median(times):7.1f} ms   p95 {percentile(times, 95):7.1f} ms   "
                f"({len(times)} queries)"
            )


if __name__ == "__main__":
    main()
