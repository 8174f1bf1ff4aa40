"""Researchers' export formats (BibTeX, RIS, CSL-JSON): read record by record with per-field issues, and write."""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

import bibtexparser
import rispy
from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts
from bibtexparser.model import (
    Block,
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ExplicitComment,
    ImplicitComment,
    Preamble,
    String,
)
from pydantic import ValidationError
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from observatory.evidence.records import Genre, Record, citation_key_of, work_source_key


@dataclass(frozen=True)
class ImportIssue:
    """A problem with one record of one file: which record, which field, what is wrong."""

    file: str
    record_no: int
    field: str
    message: str
    level: str = "error"
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{self.level}: {self.file}: {where}record {self.record_no}: {self.field}: {self.message}"


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

# bibtexparser and pylatexenc log parse problems with excerpts of the input; input text never reaches a log.
for _library_logger in ("bibtexparser", "pylatexenc"):
    logging.getLogger(_library_logger).setLevel(logging.CRITICAL + 1)

BIBTEX_TYPES = {
    "journal_article": "article",
    "report": "techreport",
    "working_paper": "unpublished",
    "book_or_chapter": "incollection",
    "legal_decision": "jurisdiction",
    "testimony": "misc",
    "dataset": "dataset",
    "media_or_art": "misc",
}
BIBTEX_READ = {
    "article": "journal_article",
    "techreport": "report",
    "report": "report",
    "unpublished": "working_paper",
    "book": "book_or_chapter",
    "inbook": "book_or_chapter",
    "incollection": "book_or_chapter",
    "proceedings": "book_or_chapter",
    "jurisdiction": "legal_decision",
    "dataset": "dataset",
    "data": "dataset",
    "phdthesis": "report",
    "mastersthesis": "report",
    "thesis": "report",
    "inproceedings": "journal_article",
    "conference": "journal_article",
    "misc": "report",
    "online": "media_or_art",
    "electronic": "media_or_art",
    "www": "media_or_art",
}
BIBTEX_GENRES = {
    "article": Genre.article,
    "book": Genre.book,
    "proceedings": Genre.book,
    "inbook": Genre.chapter,
    "incollection": Genre.chapter,
    "inproceedings": Genre.conference_paper,
    "conference": Genre.conference_paper,
    "techreport": Genre.report,
    "report": Genre.report,
    "phdthesis": Genre.phd_thesis,
    "mastersthesis": Genre.masters_thesis,
    "thesis": Genre.phd_thesis,
    "unpublished": Genre.unpublished,
    "dataset": Genre.dataset,
    "data": Genre.dataset,
    "online": Genre.webpage,
    "electronic": Genre.webpage,
    "www": Genre.webpage,
    "jurisdiction": Genre.legal_case,
    "misc": Genre.misc,
}
GENRE_BIBTEX = {
    Genre.article: "article",
    Genre.book: "book",
    Genre.chapter: "incollection",
    Genre.conference_paper: "inproceedings",
    Genre.report: "techreport",
    Genre.phd_thesis: "phdthesis",
    Genre.masters_thesis: "mastersthesis",
    Genre.unpublished: "unpublished",
    Genre.dataset: "dataset",
    Genre.webpage: "online",
    Genre.legal_case: "jurisdiction",
    Genre.misc: "misc",
}
# The field each entry type expects the venue in (BibTeX and biblatex conventions).
VENUE_FIELD = {
    "article": "journal",
    "book": "publisher",
    "proceedings": "publisher",
    "inbook": "booktitle",
    "incollection": "booktitle",
    "inproceedings": "booktitle",
    "conference": "booktitle",
    "techreport": "institution",
    "report": "institution",
    "phdthesis": "school",
    "mastersthesis": "school",
    "thesis": "school",
    "unpublished": "howpublished",
    "misc": "howpublished",
    "online": "organization",
    "electronic": "organization",
    "www": "organization",
    "dataset": "publisher",
    "data": "publisher",
    "jurisdiction": "institution",
}
VENUE_FALLBACK = (
    "journal",
    "journaltitle",
    "booktitle",
    "institution",
    "school",
    "publisher",
    "organization",
    "howpublished",
)
TEXT_FIELDS = {
    "title",
    "type",
    "evidence_type",
    "abstract",
    "language",
    "license",
    "licence",
    "keywords",
    "note",
    *VENUE_FALLBACK,
}
VERBATIM_FIELDS = {"doi", "url", "year", "date"}
MAX_FIELD_CHARS = 20_000
# LaTeX decoded per file: ample for thousands of entries with accented names, and a bound on the time one file takes.
LATEX_BUDGET_CHARS = 1_000_000
MONTHS = {
    m[:3]: m
    for m in (
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    )
}
# Characters a citation key cannot hold (BibTeX delimiters, TeX specials, white space).
KEY_FORBIDDEN = re.compile(r"[\s,{}()\"#%'=\\~]")
MACRO_NAME = re.compile(r"[A-Za-z][^\s\"#%'(),={}]*")
NEEDS_DECODING = re.compile(r"[\\{}$~%&]|--|``|''")
FIELD_NAME = re.compile(r"[a-z][a-z0-9_-]{0,30}")

# Text the exporter must escape so the value reads back as written (specials, braces, ligatures).
TEXT_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


@lru_cache(maxsize=1)
def _latex_decoder() -> LatexNodes2Text:
    """pylatexenc converter with the macros our exporter writes decoded back to the characters they stand for."""
    context = get_default_latex_context_db()
    context.add_context_category(
        "observatory-bibtex",
        prepend=True,
        macros=[
            MacroTextSpec("textasciicircum", "^"),
            MacroTextSpec("textbraceleft", "{"),
            MacroTextSpec("textbraceright", "}"),
            MacroTextSpec("url", "%s"),
        ],
    )
    return LatexNodes2Text(latex_context=context, math_mode="text")


def _escape_bare(text: str, char: str) -> str:
    """Escape every occurrence of `char` not already escaped by a backslash."""
    return re.sub(rf"(?<!\\)((?:\\\\)*){re.escape(char)}", lambda m: m.group(1) + "\\" + char, text)


def _plain_text(value: str) -> str:
    """Crude fallback when LaTeX cannot be parsed: commands and braces removed, escaped characters kept."""
    value = re.sub(r"\\([a-zA-Z]+)\s*|\\(.)", lambda m: m.group(2) or "", value)
    return " ".join(value.replace("{", "").replace("}", "").split())


def decode_latex(value: str) -> tuple[str, bool]:
    """Unicode text of a BibTeX value (accents, dashes, escapes, braces); False when only crudely cleaned."""
    if not NEEDS_DECODING.search(value):
        return unicodedata.normalize("NFC", " ".join(value.split())), True
    # In a BibTeX value a bare % or & is meant literally (LaTeX would read a comment or an alignment tab).
    prepared = _escape_bare(_escape_bare(value, "%"), "&")
    if len(re.findall(r"(?<!\\)\$", prepared)) % 2:
        prepared = _escape_bare(prepared, "$")
    try:
        text = _latex_decoder().latex_to_text(prepared)
    except Exception:  # noqa: BLE001 - pylatexenc raises IndexError, RecursionError… on bad or deep LaTeX
        return _plain_text(value), False
    # Composed characters, so a decoded G\'omez and a typed Gómez are the same string.
    return unicodedata.normalize("NFC", " ".join(text.split())), True


def _unescape_verbatim(value: str) -> str:
    """DOI, URL or year as written: escaped specials unescaped, grouping braces dropped, nothing else decoded."""
    value = re.sub(r"\\([_%&#$~{}])", lambda m: "\0" + m.group(1), value)
    value = value.replace("{", "").replace("}", "")
    return " ".join(value.replace("\0", "").split())


def _split_top_level(value: str, separator: re.Pattern, quotes: bool = False) -> list[str]:
    """Split a value on a separator found outside braces (and outside quotes, when they still delimit text)."""
    parts, depth, in_quotes, start, pos = [], 0, False, 0, 0
    while pos < len(value):
        ch = value[pos]
        if ch == "\\":
            pos += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
        elif ch == '"' and depth == 0 and quotes:
            in_quotes = not in_quotes
        elif depth == 0 and not in_quotes:
            match = separator.match(value, pos)
            if match:
                parts.append(value[start:pos])
                start = pos = match.end()
                continue
        pos += 1
    parts.append(value[start:])
    return parts


CONCAT = re.compile(r"#")
COMMA = re.compile(r",")
NAME_SEPARATOR = re.compile(r"\s+and\s+")


class ValueTooLongError(ValueError):
    """A value (after @string expansion) longer than MAX_FIELD_CHARS."""


def resolve_value(raw: str, strings: dict[str, str]) -> tuple[str | None, bool]:
    """Raw BibTeX value with delimiters removed, @string names expanded and '#' joined.

    Returns (value, all names defined); value is None when a part is neither delimited, a number nor a name.
    Raises ValueTooLongError past MAX_FIELD_CHARS, checked as parts are joined (abbreviations can nest and repeat).
    """
    parts, defined, length = [], True, 0
    for piece in (p.strip() for p in _split_top_level(raw, CONCAT, quotes=True)):
        if len(piece) >= 2 and (piece[0], piece[-1]) in (("{", "}"), ('"', '"')):
            part = piece[1:-1]
        elif piece.isdigit():
            part = piece
        elif MACRO_NAME.fullmatch(piece):
            defined = defined and piece.lower() in strings
            part = strings.get(piece.lower(), piece)
        else:
            return None, defined
        length += len(part)
        if length > MAX_FIELD_CHARS:
            raise ValueTooLongError
        parts.append(part)
    return "".join(parts), defined


def _one_group(raw: str) -> bool:
    """Whether a raw value is a single brace group ('{World Bank}'), as BibTeX marks a name to take literally."""
    if not raw.startswith("{"):
        return False
    depth = 0
    for pos, ch in enumerate(raw):
        if ch == "{" and (pos == 0 or raw[pos - 1] != "\\"):
            depth += 1
        elif ch == "}" and raw[pos - 1] != "\\":
            depth -= 1
            if depth == 0:
                return pos == len(raw) - 1
    return False


def _name_last_first(raw: str) -> str:
    """One raw BibTeX name as 'von Last, Jr, First' (BibTeX's own rules); braced names kept as literal names."""
    raw = raw.strip()
    if _one_group(raw) or len(_split_top_level(raw, COMMA)) > 1 or " " not in raw:
        return raw
    try:
        return parse_single_name_into_parts(raw, strict=False).merge_last_name_first
    except InvalidNameError:
        return raw


def valid_citation_key(key: str) -> bool:
    """Whether a citation key is one BibTeX can cite (1-200 printable characters, no delimiters)."""
    return 0 < len(key) <= 200 and key.isprintable() and not KEY_FORBIDDEN.search(key)


def _field_label(name: str) -> str:
    """A field name fit to quote in an issue (names outside the plain pattern are not echoed)."""
    return name if FIELD_NAME.fullmatch(name) else "a field"


def _thesis_genre(kind: str | None) -> Genre:
    """Master's or doctoral thesis from biblatex's `type` field."""
    masters = kind and re.search(r"master|\bm\.?a\b|\bm\.?sc|mathesis", kind, re.IGNORECASE)
    return Genre.masters_thesis if masters else Genre.phd_thesis


@dataclass
class _BibEntry:
    """One entry-like block: the entry (if any could be parsed), its line, and why it is unusable."""

    entry: Entry | None
    line: int
    problem: str | None = None
    warning: str | None = None


def _entry_of(block: Block, first_line: dict[str, int]) -> _BibEntry:
    """The entry inside a parsed block, or the reason the block is unusable (never quoting the input)."""
    line = (block.start_line or 0) + 1
    if isinstance(block, Entry):
        return _BibEntry(block, line)
    if isinstance(block, DuplicateBlockKeyBlock):
        earlier = first_line.get(block.key)
        entry = block.ignore_error_block if isinstance(block.ignore_error_block, Entry) else None
        return _BibEntry(
            entry,
            line,
            warning=(
                f"is also the key of the entry at line {earlier}; imported as its own record "
                "(merged only if it is the same work)"
            ),
        )
    if isinstance(block, DuplicateFieldKeyBlock):
        names = ", ".join(sorted(_field_label(n) for n in block.duplicate_keys))
        return _BibEntry(None, line, f"field {names} is given more than once")
    return _BibEntry(None, line, "entry could not be parsed (a brace, quote, comma or equals sign is missing or extra)")


@dataclass
class _LatexBudget:
    """Characters of LaTeX one file may still have decoded (pylatexenc takes ~10-70 µs a character)."""

    remaining: int


def _entry_fields(
    entry: Entry, strings: dict[str, str], budget: _LatexBudget, issue: Callable[[str, str, str], None]
) -> dict | None:
    """Decoded values of the fields we read; None (with an issue) when a field is unusable."""
    raw: dict[str, str] = {}
    for item in entry.fields:
        name = item.key.lower()
        if name in raw:
            issue(_field_label(name), f"field {_field_label(name)} is given more than once", "error")
            return None
        raw[name] = item.value
    resolved: dict[str, str] = {}
    for name in sorted(raw.keys() & (TEXT_FIELDS | VERBATIM_FIELDS | {"author"})):
        try:
            value, defined = resolve_value(raw[name], strings)
        except ValueTooLongError:
            issue(name, f"value is longer than {MAX_FIELD_CHARS} characters", "error")
            return None
        if value is None:
            issue(name, "value is neither in braces, in quotes, a number nor an @string name", "error")
            return None
        if not defined:
            issue(name, "uses an @string abbreviation this file does not define; kept as its name", "warning")
        resolved[name] = value
    cost = sum(len(v) for n, v in resolved.items() if n not in VERBATIM_FIELDS and NEEDS_DECODING.search(v))
    if cost > budget.remaining:
        issue(
            "syntax",
            f"the file holds more LaTeX than one import decodes ({LATEX_BUDGET_CHARS:,} characters); "
            "split it into smaller files",
            "error",
        )
        return None
    budget.remaining -= cost
    values: dict = {}
    for name, value in resolved.items():
        if name in VERBATIM_FIELDS:
            values[name] = _unescape_verbatim(value)
            continue
        parts = [_name_last_first(p) for p in _split_top_level(value, NAME_SEPARATOR)] if name == "author" else [value]
        decoded = [decode_latex(p) for p in parts]
        if not all(ok for _, ok in decoded):
            issue(name, "LaTeX could not be decoded; commands and braces removed", "warning")
        texts = [text for text, _ in decoded]
        values[name] = [t for t in texts if t] if name == "author" else texts[0]
    return values


def read_bibtex(text: str, file: str = "<bibtex>") -> ParseResult:
    """Parse BibTeX, LaTeX decoded; an entry that fails to parse or validate is reported by line and skipped."""
    library = bibtexparser.parse_string(text, parse_stack=[])
    strings = dict(MONTHS)
    records: list[Record] = []
    issues: list[ImportIssue] = []
    first_line: dict[str, int] = {}
    budget = _LatexBudget(LATEX_BUDGET_CHARS)
    record_no = 0
    for block in library.blocks:
        if isinstance(block, DuplicateBlockKeyBlock) and isinstance(block.ignore_error_block, String):
            block = block.ignore_error_block  # a redefined @string: the later definition holds
        if isinstance(block, String):
            try:
                value, _ = resolve_value(block.value, strings)
            except ValueTooLongError:
                value = None
                message = f"@string abbreviation is longer than {MAX_FIELD_CHARS} characters; left empty"
                issues.append(ImportIssue(file, record_no, "string", message, "warning", (block.start_line or 0) + 1))
            strings[block.key.lower()] = value or ""
            continue
        if isinstance(block, Preamble | ExplicitComment | ImplicitComment):
            continue
        record_no += 1
        found = _entry_of(block, first_line)

        def issue(field: str, message: str, level: str, _no: int = record_no, _line: int = found.line) -> None:
            issues.append(ImportIssue(file, _no, field, message, level, _line))

        if found.entry is None:
            issue("syntax", found.problem or "unusable entry", "error")
            continue
        entry = found.entry
        key = entry.key
        if not valid_citation_key(key):
            issue("key", "entry has no usable citation key (empty, too long, or with spaces or delimiters)", "error")
            continue
        first_line.setdefault(key, found.line)
        if found.warning:
            issue("key", f"key {key!r} {found.warning}", "warning")
        kind = entry.entry_type.lower()
        if not kind:
            issue("type", f"entry {key!r} has no entry type", "error")
            continue
        f = _entry_fields(entry, strings, budget, issue)
        if f is None:
            continue
        if "title" not in f:
            issue("title", f"entry {key!r} has no title", "error")
            continue
        genre = _thesis_genre(f.get("type")) if kind == "thesis" else BIBTEX_GENRES.get(kind)
        expected = VENUE_FIELD.get(kind)
        venue = (f.get(expected) if expected else None) or next((f[n] for n in VENUE_FALLBACK if f.get(n)), None)
        fields = {
            "title": f["title"],
            "authors": f.get("author", []),
            "year": parse_year(f.get("year") or f.get("date")),
            "type": f.get("evidence_type") or BIBTEX_READ.get(kind, "report"),
            "genre": genre,
            "venue": venue,
            "doi": f.get("doi"),
            "url": f.get("url"),
            "abstract": f.get("abstract"),
            "language": f.get("language"),
            "licence": f.get("license") or f.get("licence"),
            "keywords": split_keywords(f.get("keywords")),
            "note": f.get("note"),
            "source": f"bibtex:{file}",
        }
        before = len(issues)
        rec = build_record(fields, file, record_no, issues)
        for pos in range(before, len(issues)):
            issues[pos] = replace(issues[pos], line=found.line)
        if rec is not None:
            records.append(rec.model_copy(update={"source_key": work_source_key("bibtex", key, rec)}))
    return ParseResult(records, issues)


def _escape_text(value: str) -> str:
    """A text value as BibTeX that decodes back to itself (specials escaped, ligatures broken with {})."""
    text = "".join(TEXT_ESCAPES.get(ch, ch) for ch in value)
    # TeX ligatures: -- and --- (dashes), `` and '' (quotes), !` and ?` (inverted marks).
    return re.sub(r"([-`'])(?=\1)|([!?])(?=`)", lambda m: (m.group(1) or m.group(2)) + "{}", text)


def _protect_case(text: str) -> str:
    """Brace words holding capitals so styles that lower-case titles keep 'COVID', 'Nepal', 'Gómez'."""
    return " ".join(f"{{{word}}}" if any(ch.isupper() for ch in word) else word for word in text.split(" "))


def _escape_name(name: str) -> str:
    """One author for the `author` field: 'Last, First' as is; any other name braced, so 'World Bank' stays whole."""
    text = _escape_text(name)
    literal = "," not in name or NAME_SEPARATOR.search(f" {name} ")
    return f"{{{text}}}" if literal else text


def _escape_verbatim(value: str) -> str:
    """DOI or URL as written, braces percent-encoded so the value stays one balanced group."""
    return value.replace("{", "%7B").replace("}", "%7D")


def bibtex_key(rec: Record, position: int) -> str:
    """The record's citation key (kept from its source), or 'rec<position>' when it has none usable."""
    key = citation_key_of(rec.source_key) or ""
    key = KEY_FORBIDDEN.sub("_", key)[:200]
    return key if valid_citation_key(key) else f"rec{position}"


def write_bibtex(records: list[Record]) -> str:
    """Records as BibTeX: citation keys kept, venue in the field the entry type expects, our type in evidence_type."""
    out = []
    for i, rec in enumerate(records, 1):
        entry_type = GENRE_BIBTEX[rec.genre] if rec.genre else BIBTEX_TYPES[rec.type.value]
        text_fields = [
            ("author", " and ".join(_escape_name(a) for a in rec.authors)),
            (VENUE_FIELD[entry_type], rec.venue and _escape_text(rec.venue)),
            ("year", rec.year and str(rec.year)),
            ("doi", rec.doi and _escape_verbatim(rec.doi)),
            ("url", rec.url and _escape_verbatim(rec.url)),
        ]
        text_fields += [
            (name, value and _escape_text(value))
            for name, value in (
                ("abstract", rec.abstract),
                ("language", rec.language),
                ("license", rec.licence),
                ("keywords", "; ".join(rec.keywords)),
                ("note", rec.note),
            )
        ]
        # Our own type id (lower-case letters and '_'), written as is so other tools see a plain word.
        fields = [("title", _protect_case(_escape_text(rec.title))), *text_fields, ("evidence_type", rec.type.value)]
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
        out.append(f"@{entry_type}{{{bibtex_key(rec, i)},\n{body}\n}}\n")
    return "\n".join(out)


# --- RIS ------------------------------------------------------------------------------------------------

RIS_TYPES = {
    "journal_article": "JOUR",
    "report": "RPRT",
    "working_paper": "UNPB",
    "book_or_chapter": "CHAP",
    "legal_decision": "CASE",
    "testimony": "HEAR",
    "dataset": "DATA",
    "media_or_art": "ART",
}
RIS_READ = {v: k for k, v in RIS_TYPES.items()} | {
    "BOOK": "book_or_chapter",
    "EBOOK": "book_or_chapter",
    "ECHAP": "book_or_chapter",
    "EJOUR": "journal_article",
    "GOVDOC": "report",
    "THES": "report",
    "CONF": "journal_article",
    "CPAPER": "journal_article",
    "NEWS": "media_or_art",
    "VIDEO": "media_or_art",
    "MPCT": "media_or_art",
    "ELEC": "media_or_art",
    "GEN": "report",
    "STAT": "legal_decision",
    "BILL": "legal_decision",
}
RIS_GENRES = {
    "JOUR": Genre.article,
    "EJOUR": Genre.article,
    "BOOK": Genre.book,
    "EBOOK": Genre.book,
    "EDBOOK": Genre.book,
    "CHAP": Genre.chapter,
    "ECHAP": Genre.chapter,
    "CONF": Genre.conference_paper,
    "CPAPER": Genre.conference_paper,
    "RPRT": Genre.report,
    "GOVDOC": Genre.report,
    "THES": Genre.phd_thesis,
    "UNPB": Genre.unpublished,
    "DATA": Genre.dataset,
    "ELEC": Genre.webpage,
    "CASE": Genre.legal_case,
    "GEN": Genre.misc,
}
GENRE_RIS = {
    Genre.article: "JOUR",
    Genre.book: "BOOK",
    Genre.chapter: "CHAP",
    Genre.conference_paper: "CPAPER",
    Genre.report: "RPRT",
    Genre.phd_thesis: "THES",
    Genre.masters_thesis: "THES",
    Genre.unpublished: "UNPB",
    Genre.dataset: "DATA",
    Genre.webpage: "ELEC",
    Genre.legal_case: "CASE",
    Genre.misc: "GEN",
}
# Genres whose venue is the publisher or awarding body rather than a journal or book title.
PUBLISHED_BY = {Genre.book, Genre.report, Genre.phd_thesis, Genre.masters_thesis, Genre.dataset}


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
        except Exception as exc:  # noqa: BLE001 - rispy raises plain exceptions on structure errors
            issues.append(ImportIssue(file, record_no, "syntax", str(exc)))
            continue
        title = entry.get("title") or entry.get("primary_title")
        if not title:
            issues.append(ImportIssue(file, record_no, "TI", "reference has no title (TI/T1)"))
            continue
        urls = entry.get("urls") or []
        fields = {
            "title": title,
            "authors": entry.get("authors") or entry.get("first_authors") or [],
            "year": parse_year(entry.get("year") or entry.get("publication_year") or entry.get("date")),
            "type": entry.get("custom1") or RIS_READ.get(entry.get("type_of_reference", "GEN"), "report"),
            "genre": RIS_GENRES.get(entry.get("type_of_reference", "GEN")),
            "venue": entry.get("journal_name")
            or entry.get("secondary_title")
            or entry.get("alternate_title3")
            or entry.get("publisher"),
            "doi": entry.get("doi"),
            "url": urls[0] if urls else None,
            "abstract": entry.get("abstract"),
            "language": entry.get("language"),
            "keywords": entry.get("keywords") or [],
            "note": "\n".join(entry["notes"]) if isinstance(entry.get("notes"), list) else entry.get("notes"),
            "licence": entry.get("custom2"),
            "source": f"ris:{file}",
        }
        rec = build_record(fields, file, record_no, issues)
        if rec is not None:
            key = str(entry["id"]) if entry.get("id") else None
            records.append(rec.model_copy(update={"source_key": key and work_source_key("ris", key, rec)}))
    return ParseResult(records, issues)


def write_ris(records: list[Record]) -> str:
    """Records as RIS (our type in C1 where RIS types are coarser, licence in C2)."""
    entries = []
    for rec in records:
        ris_type = GENRE_RIS[rec.genre] if rec.genre else RIS_TYPES[rec.type.value]
        entry = {
            "type_of_reference": ris_type,
            "title": rec.title,
            "authors": list(rec.authors),
            "custom1": rec.type.value,
        }
        venue_tag = "publisher" if rec.genre in PUBLISHED_BY else "journal_name"
        optional = {
            "year": rec.year and str(rec.year),
            venue_tag: rec.venue,
            "doi": rec.doi,
            "urls": [rec.url] if rec.url else None,
            "abstract": rec.abstract,
            "language": rec.language,
            "keywords": list(rec.keywords) or None,
            "notes": [rec.note] if rec.note else None,
            "custom2": rec.licence,
            "id": citation_key_of(rec.source_key),
        }
        entry.update({k: v for k, v in optional.items() if v})
        entries.append(entry)
    return rispy.dumps(entries)


# --- CSL-JSON -------------------------------------------------------------------------------------------

CSL_TYPES = {
    "journal_article": "article-journal",
    "report": "report",
    "working_paper": "article",
    "book_or_chapter": "chapter",
    "legal_decision": "legal_case",
    "testimony": "interview",
    "dataset": "dataset",
    "media_or_art": "article-newspaper",
}
CSL_READ = {v: k for k, v in CSL_TYPES.items()} | {
    "book": "book_or_chapter",
    "paper-conference": "journal_article",
    "thesis": "report",
    "legislation": "legal_decision",
    "motion_picture": "media_or_art",
    "broadcast": "media_or_art",
    "graphic": "media_or_art",
    "song": "media_or_art",
    "post-weblog": "media_or_art",
    "webpage": "media_or_art",
    "article-magazine": "media_or_art",
    "speech": "testimony",
}
CSL_GENRES = {
    "article-journal": Genre.article,
    "book": Genre.book,
    "chapter": Genre.chapter,
    "paper-conference": Genre.conference_paper,
    "report": Genre.report,
    "thesis": Genre.phd_thesis,
    "manuscript": Genre.unpublished,
    "dataset": Genre.dataset,
    "webpage": Genre.webpage,
    "legal_case": Genre.legal_case,
}
GENRE_CSL = {
    Genre.article: "article-journal",
    Genre.book: "book",
    Genre.chapter: "chapter",
    Genre.conference_paper: "paper-conference",
    Genre.report: "report",
    Genre.phd_thesis: "thesis",
    Genre.masters_thesis: "thesis",
    Genre.unpublished: "manuscript",
    Genre.dataset: "dataset",
    Genre.webpage: "webpage",
    Genre.legal_case: "legal_case",
    Genre.misc: "document",
}


def _csl_author(name: dict) -> str:
    """One CSL name object as a string ('Family, Given' or the literal)."""
    if "literal" in name:
        return str(name["literal"])
    return ", ".join(p for p in (name.get("family", ""), name.get("given", "")) if p)


def _csl_licence(value) -> str | None:
    """CSL's licence: a string, or Crossref's list of {URL, content-version}: the version of record's URL first."""
    if isinstance(value, str) or value is None:
        return value
    if isinstance(value, list):
        entries = [entry for entry in value if isinstance(entry, dict) and isinstance(entry.get("URL"), str)]
        entries.sort(key=lambda entry: entry.get("content-version") != "vor")
        return entries[0]["URL"] if entries else None
    return None


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
            "title": item.get("title", ""),
            "authors": [_csl_author(a) for a in authors],
            "year": parse_year(year),
            "type": CSL_READ.get(item.get("type", ""), "report"),
            "genre": _csl_genre(item),
            "venue": item.get("container-title") or item.get("publisher"),
            "doi": item.get("DOI"),
            "url": item.get("URL"),
            "abstract": item.get("abstract"),
            "language": item.get("language"),
            "licence": _csl_licence(item.get("license")),
            "keywords": split_keywords(keywords) if isinstance(keywords, str) else list(keywords or []),
            "note": item.get("note"),
            "source": f"csl-json:{file}",
        }
        if not str(fields["title"]).strip():
            issues.append(ImportIssue(file, record_no, "title", "item has no title"))
            continue
        rec = build_record(fields, file, record_no, issues)
        if rec is not None:
            key = str(item["id"]) if item.get("id") not in (None, "") else None
            records.append(rec.model_copy(update={"source_key": key and work_source_key("csl", key, rec)}))
    return ParseResult(records, issues)


def _csl_genre(item: dict) -> Genre | None:
    """Genre of a CSL item (a thesis whose genre names a master's degree is a master's thesis)."""
    genre = CSL_GENRES.get(str(item.get("type", "")))
    if genre is Genre.phd_thesis and re.search(r"master|\bm\.?a\b|\bm\.?sc", str(item.get("genre", "")), re.IGNORECASE):
        return Genre.masters_thesis
    return genre


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
        csl_type = GENRE_CSL[rec.genre] if rec.genre else CSL_TYPES[rec.type.value]
        if CSL_READ.get(csl_type) != rec.type.value:  # CSL has no field for our type: the CSL type must carry it
            csl_type = CSL_TYPES[rec.type.value]
        item: dict[str, object] = {
            "id": citation_key_of(rec.source_key) or f"rec{i}",
            "type": csl_type,
            "title": rec.title,
            "author": [_csl_name(a) for a in rec.authors],
        }
        venue_key = "publisher" if rec.genre in PUBLISHED_BY else "container-title"
        optional = {
            "issued": {"date-parts": [[rec.year]]} if rec.year else None,
            venue_key: rec.venue,
            "DOI": rec.doi,
            "URL": rec.url,
            "abstract": rec.abstract,
            "language": rec.language,
            "license": rec.licence,
            "keyword": ", ".join(rec.keywords) or None,
            "note": rec.note,
            "genre": "Master's thesis" if rec.genre is Genre.masters_thesis else None,
        }
        item.update({k: v for k, v in optional.items() if v})
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=2)


READERS: dict[str, Callable[[str, str], ParseResult]] = {
    "bibtex": read_bibtex,
    "ris": read_ris,
    "csl-json": read_csl_json,
}
WRITERS: dict[str, Callable[[list[Record]], str]] = {
    "bibtex": write_bibtex,
    "ris": write_ris,
    "csl-json": write_csl_json,
}
