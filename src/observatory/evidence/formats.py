"""Researchers' export formats (BibTeX, RIS, CSL-JSON): read record by record with per-field issues, and write."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import bibtexparser
import rispy
from pydantic import ValidationError

from observatory.evidence.records import Record


@dataclass(frozen=True)
class ImportIssue:
    """A problem with one record of one file: which record, which field, what is wrong."""

    file: str
    record_no: int
    field: str
    message: str
    level: str = "error"

    def __str__(self) -> str:
        return f"{self.level}: {self.file}: record {self.record_no}: {self.field}: {self.message}"


@dataclass
class ParseResult:
    """Records that parsed, and issues for those that did not."""

    records: list[Record]
    issues: list[ImportIssue]


def build_record(fields: dict, file: str, record_no: int, issues: list[ImportIssue]) -> Record | None:
    """Validate a dict into a Record, turning each validation error into an ImportIssue."""
    try:
        return Record(**fields)
    except ValidationError as exc:
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]) or "record"
            issues.append(ImportIssue(file, record_no, name, err["msg"]))
        return None


def parse_year(value: object) -> int | str | None:
    """First four-digit year in a value; the raw value when it has none (so validation reports it)."""
    if value in (None, ""):
        return None
    match = re.search(r"\b(1[5-9]\d\d|20\d\d|2100)\b", str(value))
    return int(match.group(1)) if match else str(value)


def split_keywords(value: str | None) -> list[str]:
    """Keywords from a ';' or ',' separated string."""
    if not value:
        return []
    sep = ";" if ";" in value else ","
    return [k.strip() for k in value.split(sep) if k.strip()]


# --- BibTeX -------------------------------------------------------------------------------------------

BIBTEX_TYPES = {
    "journal_article": "article", "report": "techreport", "working_paper": "unpublished",
    "book_or_chapter": "incollection", "legal_decision": "jurisdiction", "testimony": "misc",
    "dataset": "dataset", "media_or_art": "misc",
}
BIBTEX_READ = {
    "article": "journal_article", "techreport": "report", "report": "report", "unpublished": "working_paper",
    "book": "book_or_chapter", "inbook": "book_or_chapter", "incollection": "book_or_chapter",
    "jurisdiction": "legal_decision", "dataset": "dataset", "data": "dataset", "phdthesis": "report",
    "mastersthesis": "report", "inproceedings": "journal_article", "misc": "report", "online": "media_or_art",
}


def _bib_value(text: str) -> str:
    """Un-brace and un-escape a BibTeX field value."""
    text = re.sub(r"(?<!\\)[{}]", "", text)
    return " ".join(text.replace(r"\{", "{").replace(r"\}", "}").replace(r"\&", "&").replace(r"\%", "%").split())


def read_bibtex(text: str, file: str = "<bibtex>") -> ParseResult:
    """Parse BibTeX; a block that fails to parse or validate is reported and skipped."""
    library = bibtexparser.parse_string(text)
    records, issues = [], []
    record_no = 0
    for block in library.blocks:
        kind = type(block).__name__
        if kind in ("String", "Preamble", "ExplicitComment", "ImplicitComment"):
            continue
        record_no += 1
        if kind != "Entry":
            error = getattr(block, "error", None)
            message = (getattr(error, "abort_reason", None) or str(error) or "unparseable block").strip().splitlines()[0]
            issues.append(ImportIssue(file, record_no, "syntax", f"line {block.start_line + 1}: {message}"))
            continue
        f = {k.lower(): _bib_value(v.value) for k, v in block.fields_dict.items()}
        rtype = f.get("evidence_type") or BIBTEX_READ.get(block.entry_type.lower(), "report")
        fields = {
            "title": f.get("title", ""), "authors": [a.strip() for a in f.get("author", "").split(" and ") if a.strip()],
            "year": parse_year(f.get("year") or f.get("date")), "type": rtype,
            "venue": f.get("journal") or f.get("booktitle") or f.get("institution") or f.get("publisher"),
            "doi": f.get("doi"), "url": f.get("url"), "abstract": f.get("abstract"), "language": f.get("language"),
            "licence": f.get("license") or f.get("licence"), "keywords": split_keywords(f.get("keywords")),
            "note": f.get("note"), "source": f"bibtex:{file}", "source_key": f"bibtex:{block.key}",
        }
        if "title" not in f:
            issues.append(ImportIssue(file, record_no, "title", f"entry {block.key!r} has no title"))
            continue
        rec = build_record(fields, file, record_no, issues)
        if rec is not None:
            records.append(rec)
    return ParseResult(records, issues)


def _bib_escape(value: str) -> str:
    """Escape braces so a value stays one balanced BibTeX group."""
    return value.replace("{", r"\{").replace("}", r"\}")


def write_bibtex(records: list[Record]) -> str:
    """Records as BibTeX entries (our type kept in `evidence_type` where BibTeX has no exact type)."""
    out = []
    for i, rec in enumerate(records, 1):
        key = (rec.source_key or "").split(":", 1)[-1] or f"rec{i}"
        key = re.sub(r"[^\w:-]", "_", key)
        fields = [("title", rec.title), ("author", " and ".join(rec.authors)), ("year", rec.year and str(rec.year)),
                  ("journal", rec.venue), ("doi", rec.doi), ("url", rec.url), ("abstract", rec.abstract),
                  ("language", rec.language), ("license", rec.licence), ("keywords", "; ".join(rec.keywords)),
                  ("note", rec.note), ("evidence_type", rec.type.value)]
        body = ",\n".join(f"  {k} = {{{_bib_escape(v)}}}" for k, v in fields if v)
        out.append(f"@{BIBTEX_TYPES[rec.type.value]}{{{key},\n{body}\n}}\n")
    return "\n".join(out)


# --- RIS ------------------------------------------------------------------------------------------------

RIS_TYPES = {
    "journal_article": "JOUR", "report": "RPRT", "working_paper": "UNPB", "book_or_chapter": "CHAP",
    "legal_decision": "CASE", "testimony": "HEAR", "dataset": "DATA", "media_or_art": "ART",
}
RIS_READ = {v: k for k, v in RIS_TYPES.items()} | {
    "BOOK": "book_or_chapter", "EBOOK": "book_or_chapter", "ECHAP": "book_or_chapter", "EJOUR": "journal_article",
    "GOVDOC": "report", "THES": "report", "CONF": "journal_article", "CPAPER": "journal_article",
    "NEWS": "media_or_art", "VIDEO": "media_or_art", "MPCT": "media_or_art", "ELEC": "media_or_art",
    "GEN": "report", "STAT": "legal_decision", "BILL": "legal_decision",
}


def read_ris(text: str, file: str = "<ris>") -> ParseResult:
    """Parse RIS one reference at a time (split on 'ER  -'), so one bad reference does not stop the rest."""
    records, issues = [], []
    chunks = [c for c in re.split(r"(?m)^ER  -.*$", text.replace("\r\n", "\n")) if c.strip()]
    for record_no, chunk in enumerate(chunks, 1):
        lines: list[str] = []
        for line in chunk.strip().splitlines():
            if re.match(r"^[A-Z][A-Z0-9]  -( |$)", line):
                lines.append(line)
            elif line.strip() and lines:
                lines[-1] += " " + line.strip()  # continuation of a wrapped value
        if not lines or not lines[0].startswith("TY  -"):
            issues.append(ImportIssue(file, record_no, "TY", "reference does not start with a TY tag"))
            continue
        try:
            entry = rispy.loads("\n".join(lines) + "\nER  - \n")[0]
        except Exception as exc:  # rispy raises plain exceptions on structure errors
            issues.append(ImportIssue(file, record_no, "syntax", str(exc)))
            continue
        title = entry.get("title") or entry.get("primary_title")
        if not title:
            issues.append(ImportIssue(file, record_no, "TI", "reference has no title (TI/T1)"))
            continue
        urls = entry.get("urls") or []
        fields = {
            "title": title, "authors": entry.get("authors") or entry.get("first_authors") or [],
            "year": parse_year(entry.get("year") or entry.get("publication_year") or entry.get("date")),
            "type": entry.get("custom1") or RIS_READ.get(entry.get("type_of_reference", "GEN"), "report"),
            "venue": entry.get("journal_name") or entry.get("secondary_title") or entry.get("alternate_title3"),
            "doi": entry.get("doi"), "url": urls[0] if urls else None, "abstract": entry.get("abstract"),
            "language": entry.get("language"), "keywords": entry.get("keywords") or [],
            "note": "\n".join(entry["notes"]) if isinstance(entry.get("notes"), list) else entry.get("notes"),
            "licence": entry.get("custom2"), "source": f"ris:{file}",
            "source_key": f"ris:{entry['id']}" if entry.get("id") else None,
        }
        rec = build_record(fields, file, record_no, issues)
        if rec is not None:
            records.append(rec)
    return ParseResult(records, issues)


def write_ris(records: list[Record]) -> str:
    """Records as RIS (our type in C1 where RIS types are coarser, licence in C2)."""
    entries = []
    for rec in records:
        entry = {"type_of_reference": RIS_TYPES[rec.type.value], "title": rec.title, "authors": list(rec.authors),
                 "custom1": rec.type.value}
        optional = {"year": rec.year and str(rec.year), "journal_name": rec.venue, "doi": rec.doi,
                    "urls": [rec.url] if rec.url else None, "abstract": rec.abstract, "language": rec.language,
                    "keywords": list(rec.keywords) or None, "notes": [rec.note] if rec.note else None,
                    "custom2": rec.licence, "id": (rec.source_key or "").split(":", 1)[-1] or None}
        entry.update({k: v for k, v in optional.items() if v})
        entries.append(entry)
    return rispy.dumps(entries)


# --- CSL-JSON -------------------------------------------------------------------------------------------

CSL_TYPES = {
    "journal_article": "article-journal", "report": "report", "working_paper": "article",
    "book_or_chapter": "chapter", "legal_decision": "legal_case", "testimony": "interview",
    "dataset": "dataset", "media_or_art": "article-newspaper",
}
CSL_READ = {v: k for k, v in CSL_TYPES.items()} | {
    "book": "book_or_chapter", "paper-conference": "journal_article", "thesis": "report", "legislation": "legal_decision",
    "motion_picture": "media_or_art", "broadcast": "media_or_art", "graphic": "media_or_art", "song": "media_or_art",
    "post-weblog": "media_or_art", "webpage": "media_or_art", "article-magazine": "media_or_art", "speech": "testimony",
}


def _csl_author(name: dict) -> str:
    """One CSL name object as a string ('Family, Given' or the literal)."""
    if "literal" in name:
        return str(name["literal"])
    return ", ".join(p for p in (name.get("family", ""), name.get("given", "")) if p)


def read_csl_json(text: str, file: str = "<csl-json>") -> ParseResult:
    """Parse a CSL-JSON array (or one item); each bad item is reported by position and field."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return ParseResult([], [ImportIssue(file, 0, "syntax", f"invalid JSON: {exc}")])
    items = data if isinstance(data, list) else [data]
    records, issues = [], []
    for record_no, item in enumerate(items, 1):
        if not isinstance(item, dict):
            issues.append(ImportIssue(file, record_no, "record", "item is not a JSON object"))
            continue
        authors = item.get("author", [])
        if not isinstance(authors, list) or not all(isinstance(a, dict) for a in authors):
            issues.append(ImportIssue(file, record_no, "author", "author must be a list of name objects"))
            continue
        issued = item.get("issued") or {}
        parts = issued.get("date-parts") if isinstance(issued, dict) else None
        year = parts[0][0] if parts and parts[0] else (issued.get("raw") if isinstance(issued, dict) else issued)
        keywords = item.get("keyword")
        fields = {
            "title": item.get("title", ""), "authors": [_csl_author(a) for a in authors],
            "year": parse_year(year), "type": CSL_READ.get(item.get("type", ""), "report"),
            "venue": item.get("container-title") or item.get("publisher"), "doi": item.get("DOI"), "url": item.get("URL"),
            "abstract": item.get("abstract"), "language": item.get("language"), "licence": item.get("license"),
            "keywords": split_keywords(keywords) if isinstance(keywords, str) else list(keywords or []),
            "note": item.get("note"), "source": f"csl-json:{file}",
            "source_key": f"csl:{item['id']}" if item.get("id") not in (None, "") else None,
        }
        if not str(fields["title"]).strip():
            issues.append(ImportIssue(file, record_no, "title", "item has no title"))
            continue
        rec = build_record(fields, file, record_no, issues)
        if rec is not None:
            records.append(rec)
    return ParseResult(records, issues)


def _csl_name(author: str) -> dict:
    """CSL name object: 'Family, Given' is split once, anything else kept literal."""
    if author.count(",") == 1:
        family, given = (p.strip() for p in author.split(","))
        if family and given:
            return {"family": family, "given": given}
    return {"literal": author}


def write_csl_json(records: list[Record]) -> str:
    """Records as a CSL-JSON array."""
    items = []
    for i, rec in enumerate(records, 1):
        item = {"id": (rec.source_key or "").split(":", 1)[-1] or f"rec{i}", "type": CSL_TYPES[rec.type.value],
                "title": rec.title, "author": [_csl_name(a) for a in rec.authors]}
        optional = {"issued": {"date-parts": [[rec.year]]} if rec.year else None, "container-title": rec.venue,
                    "DOI": rec.doi, "URL": rec.url, "abstract": rec.abstract, "language": rec.language,
                    "license": rec.licence, "keyword": ", ".join(rec.keywords) or None, "note": rec.note}
        item.update({k: v for k, v in optional.items() if v})
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=2)


READERS: dict[str, Callable[[str, str], ParseResult]] = {"bibtex": read_bibtex, "ris": read_ris, "csl-json": read_csl_json}
WRITERS: dict[str, Callable[[list[Record]], str]] = {"bibtex": write_bibtex, "ris": write_ris, "csl-json": write_csl_json}
