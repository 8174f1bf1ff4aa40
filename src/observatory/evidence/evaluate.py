"""Precision and recall of the theme classifier against a hand-labelled sample of real records."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import cast

import pandas as pd

from observatory.evidence.classify import theme_labels
from observatory.evidence.corpora import MIRROR_CORPORA, read_immigration_papers, read_zotero_csv
from observatory.evidence.records import Record, normalise_doi


@dataclass
class Scores:
    """Micro-averaged precision, recall and F1 over (record, theme) pairs."""

    precision: float
    recall: float
    f1: float
    records: int
    gold_labels: int
    predicted_labels: int


def micro_scores(gold: list[set[str]], predicted: list[set[str]]) -> Scores:
    """Micro precision/recall/F1 of predicted label sets against gold sets."""
    tp = sum(len(g & p) for g, p in zip(gold, predicted, strict=False))
    n_pred = sum(len(p) for p in predicted)
    n_gold = sum(len(g) for g in gold)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(round(precision, 3), round(recall, 3), round(f1, 3), len(gold), n_gold, n_pred)


@lru_cache(maxsize=2)
def _corpus_by_doi(mirror: str) -> dict[str, Record]:
    """The two sampled corpora, read once per mirror, by DOI."""
    base = Path(mirror) / "evidence"
    corpus = read_immigration_papers(base / MIRROR_CORPORA["immigration-papers"]).records
    corpus += read_zotero_csv(base / MIRROR_CORPORA["refugee-children-pubmed"]).records
    return {r.doi: r for r in corpus if r.doi}


def load_sample_records(sample_csv: Path, mirror: Path) -> tuple[list[Record], list[set[str]]]:
    """Records of the labelled sample, read from the mirror corpora by DOI, with their gold theme sets."""
    sample = pd.read_csv(sample_csv, dtype=str, keep_default_na=False)
    by_doi = _corpus_by_doi(str(mirror))
    records, gold = [], []
    for row in sample.itertuples(index=False):
        rec = by_doi.get(cast(str, normalise_doi(row.doi)))
        if rec is None:
            raise KeyError(f"sample DOI {row.doi} not found in the mirror corpora")
        records.append(rec)
        gold.append({t for t in row.themes.split(";") if t})
    return records, gold


def evaluate_themes(sample_csv: Path, mirror: Path) -> dict[str, Scores]:
    """Scores of the rules alone, the model alone and the combination on the hand-labelled sample."""
    from observatory.evidence.embedding import embed
    from observatory.evidence.store import embedding_text

    records, gold = load_sample_records(sample_csv, mirror)
    vectors = embed([embedding_text(r.title, r.abstract) for r in records])
    combined = [{lab.value for lab in theme_labels(r, v)} for r, v in zip(records, vectors, strict=True)]
    rules = [{lab.value for lab in theme_labels(r, None)} for r in records]
    model = [
        {lab.value for lab in theme_labels(r.model_copy(update={"title": "-", "abstract": None, "keywords": []}), v)}
        for r, v in zip(records, vectors, strict=True)
    ]
    return {
        "combined": micro_scores(gold, combined),
        "rules": micro_scores(gold, rules),
        "model": micro_scores(gold, model),
    }
