"""Hybrid search: BM25 over title/abstract/keywords plus MiniLM cosine similarity, with filters and snippets."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

import duckdb
import numpy as np
import pandas as pd
from scipy import sparse

from observatory.evidence.embedding import embedding_available
from observatory.evidence.gazetteer import resolve_country
from observatory.evidence.records import resolve_theme
from observatory.evidence.store import EvidenceStore, store_path

K1 = 1.2
B = 0.75
BM25_WEIGHT = 0.6
TITLE_BOOST = 2
MIN_SEMANTIC = 0.25  # a result with no query word must be at least this similar to the query
STOPWORDS = frozenset(
    "a an and are as at be by for from has have in into is it its of on or that the their this to was were with "
    "we our study how what why who which between among during after before than not no do does".split()
)


def tokenize(text: str | None) -> list[str]:
    """Lower-case, accent-free word tokens without stopwords; a plural 's' is stripped from longer words."""
    if not isinstance(text, str) or not text:
        return []
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    out = []
    for tok in re.findall(r"[a-z0-9]+", text):
        if tok in STOPWORDS or len(tok) < 2:
            continue
        if len(tok) > 4 and tok.endswith("s") and not tok.endswith("ss"):
            tok = tok[:-1]
        out.append(tok)
    return out


@dataclass
class SearchIndex:
    """In-memory index over one snapshot of the public records (vectors only for records that have one)."""

    records: pd.DataFrame
    vocab: dict[str, int]
    weights: sparse.csc_matrix
    vectors: np.ndarray
    vector_pos: np.ndarray
    areas: dict[str, np.ndarray]
    themes: dict[str, np.ndarray]

    @classmethod
    def build(cls, records: pd.DataFrame, labels: pd.DataFrame, emb_ids: list[str], matrix: np.ndarray) -> SearchIndex:
        """Index records (id, title, abstract, keywords, …), their labels (record_id, kind, value) and embeddings."""
        records = records.reset_index(drop=True)
        vocab: dict[str, int] = {}
        rows, cols = [], []
        lengths = np.zeros(len(records), dtype=np.float32)
        for i, rec in enumerate(records.itertuples(index=False)):
            keywords = " ".join(rec.keywords) if isinstance(rec.keywords, (list, np.ndarray)) else ""
            tokens = (
                tokenize(rec.title) * TITLE_BOOST + tokenize(rec.abstract) + tokenize(keywords) + tokenize(rec.note)
            )
            lengths[i] = len(tokens)
            for tok in tokens:
                rows.append(i)
                cols.append(vocab.setdefault(tok, len(vocab)))
        counts = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64))),
            shape=(len(records), max(len(vocab), 1)),
        )
        counts.sum_duplicates()
        df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float32)
        idf = np.log(1.0 + (len(records) - df + 0.5) / (df + 0.5))
        avgdl = float(lengths.mean()) if len(records) else 1.0
        norm = K1 * (1 - B + B * lengths / max(avgdl, 1e-9))
        tf = counts.data
        row_of = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        counts.data = (idf[counts.indices] * tf * (K1 + 1) / (tf + norm[row_of])).astype(np.float32)
        position = {rid: i for i, rid in enumerate(records["id"])}
        pairs = [(position[rid], i) for i, rid in enumerate(emb_ids) if rid in position]
        vector_pos = np.array([p for p, _ in pairs], dtype=np.int64)
        vectors = (
            np.ascontiguousarray(matrix[[i for _, i in pairs]], dtype=np.float32)
            if pairs
            else np.zeros((0, 384), np.float32)
        )
        return cls(records, vocab, counts.tocsc(), vectors, vector_pos, *cls._label_sets(labels, position))

    @staticmethod
    def _label_sets(labels: pd.DataFrame, position: dict[str, int]) -> tuple[dict, dict]:
        """Area (countries, corridor ends, regions) and theme -> array of document positions."""
        areas: dict[str, set[int]] = {}
        themes: dict[str, set[int]] = {}
        for rid, kind, value in labels[["record_id", "kind", "value"]].itertuples(index=False):
            pos = position.get(rid)
            if pos is None:
                continue
            if kind in ("area", "region"):
                areas.setdefault(value, set()).add(pos)
            elif kind == "corridor":
                for end in value.split("-"):
                    areas.setdefault(end, set()).add(pos)
            elif kind == "theme":
                themes.setdefault(value, set()).add(pos)
        return _as_arrays(areas), _as_arrays(themes)

    def mask(
        self,
        area: str | None = None,
        theme: str | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        types: list[str] | None = None,
    ) -> np.ndarray:
        """Boolean mask of documents passing the filters."""
        keep = np.ones(len(self.records), dtype=bool)
        if area:
            code = area if area in self.areas else (resolve_country(area) or area.upper())
            only = np.zeros_like(keep)
            only[self.areas.get(code, np.zeros(0, dtype=np.int64))] = True
            keep &= only
        if theme:
            only = np.zeros_like(keep)
            only[self.themes.get(resolve_theme(theme), np.zeros(0, dtype=np.int64))] = True
            keep &= only
        years = self.records["year"].to_numpy(dtype=float, na_value=np.nan)
        if year_from is not None:
            keep &= years >= year_from
        if year_to is not None:
            keep &= years <= year_to
        if types:
            keep &= self.records["type"].isin(types).to_numpy()
        return keep

    def bm25(self, terms: list[str]) -> np.ndarray:
        """BM25 score of every document for the query terms."""
        cols = [self.vocab[t] for t in dict.fromkeys(terms) if t in self.vocab]
        if not cols:
            return np.zeros(len(self.records), dtype=np.float32)
        return np.asarray(self.weights[:, cols].sum(axis=1)).ravel()

    def search(
        self, query: str, limit: int = 10, semantic: bool = True, embedder: Callable | None = None, **filters
    ) -> list[dict]:
        """Ranked results with score parts and a snippet saying why each matched."""
        terms = tokenize(query)
        lexical = self.bm25(terms)
        top = float(lexical.max()) if lexical.size else 0.0
        lexical_norm = lexical / top if top > 0 else lexical
        cosine = np.zeros(len(self.records), dtype=np.float32)
        if semantic and len(self.vector_pos) and (embedder is not None or embedding_available()):
            if embedder is None:
                from observatory.evidence.embedding import embed as embedder
            cosine[self.vector_pos] = self.vectors @ cast(Callable, embedder)([query])[0]
        score = BM25_WEIGHT * lexical_norm + (1 - BM25_WEIGHT) * np.clip(cosine, 0.0, None)
        keep = self.mask(**filters) & ((lexical > 0) | (cosine >= MIN_SEMANTIC))
        candidates = np.flatnonzero(keep)
        if candidates.size > limit:
            part = np.argpartition(-score[candidates], limit)[:limit]
            candidates = candidates[part]
        order = candidates[np.argsort(-score[candidates], kind="stable")]
        return [self._result(int(i), terms, float(score[i]), float(lexical[i]), float(cosine[i])) for i in order]

    def _result(self, i: int, terms: list[str], score: float, lexical: float, cosine: float) -> dict:
        """One result as a plain dict."""
        rec = self.records.iloc[i]
        text = " ".join(str(x) for x in (rec["title"], rec["abstract"], rec["note"]) if isinstance(x, str))
        matched = sorted({t for t in terms if t in set(tokenize(text))})
        why = []
        if matched:
            why.append(f"matched terms: {', '.join(matched)} (BM25 {lexical:.2f})")
        if cosine > 0:
            why.append(f"semantic similarity {cosine:.2f}")
        year = rec["year"]
        return {
            "id": rec["id"],
            "title": rec["title"],
            "year": None if pd.isna(year) else int(year),
            "type": rec["type"],
            "venue": rec["venue"] if isinstance(rec["venue"], str) else None,
            "doi": rec["doi"] if isinstance(rec["doi"], str) else None,
            "url": rec["url"] if isinstance(rec["url"], str) else None,
            "score": round(score, 4),
            "bm25": round(lexical, 3),
            "semantic": round(cosine, 3),
            "matched_terms": matched,
            "why": "; ".join(why),
            "snippet": snippet(rec, terms),
        }


def _as_arrays(groups: dict[str, set[int]]) -> dict[str, np.ndarray]:
    """Sets of positions as sorted int arrays."""
    return {k: np.array(sorted(v), dtype=np.int64) for k, v in groups.items()}


def snippet(rec: pd.Series, terms: list[str], width: int = 240) -> str:
    """The sentence of the abstract (or note, or title) with most query terms, terms in **bold**."""
    body = (
        rec["abstract"]
        if isinstance(rec["abstract"], str)
        else (rec["note"] if isinstance(rec["note"], str) else rec["title"])
    )
    sentences = re.split(r"(?<=[.!?])\s+", body) or [body]
    wanted = set(terms)
    best = max(sentences, key=lambda s: len(wanted & set(tokenize(s))))
    if len(best) > width:
        best = best[: width - 1].rsplit(" ", 1)[0] + "…"

    def bold(match: re.Match) -> str:
        return f"**{match.group(0)}**" if set(tokenize(match.group(0))) & wanted else match.group(0)

    return re.sub(r"[\w'-]+", bold, best)


@lru_cache(maxsize=2)
def _cached_index(path: str, version: int) -> SearchIndex:
    """Index of a store at a given version (rebuilt when the store changes)."""
    store = EvidenceStore(path)
    ids, matrix = store.embeddings()
    return SearchIndex.build(store.records_frame("public"), store.labels_frame("public"), ids, matrix)


def warm_up(store: EvidenceStore | None = None) -> None:
    """Load the embedding model and build the search index now (call at server start-up), so no request waits for them.

    Without a store file nothing is created; a store busy with a write elsewhere is left for the first search.
    """
    if embedding_available():
        from observatory.evidence.embedding import embed

        embed(["warm-up"])  # loads the weights and runs the first (slowest) forward pass
    if store is None and not store_path().exists():
        return
    try:
        get_index(store)
    except duckdb.IOException:
        return


def get_index(store: EvidenceStore | None = None) -> SearchIndex:
    """The search index of the store, cached until the next write."""
    store = store or EvidenceStore()
    return _cached_index(str(store.path), store.version())


def search(
    query: str,
    limit: int = 10,
    *,
    area: str | None = None,
    theme: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    types: list[str] | None = None,
    semantic: bool = True,
    store: EvidenceStore | None = None,
) -> list[dict]:
    """Search the public evidence records; see SearchIndex.search."""
    return get_index(store).search(
        query, limit, semantic=semantic, area=area, theme=theme, year_from=year_from, year_to=year_to, types=types
    )
