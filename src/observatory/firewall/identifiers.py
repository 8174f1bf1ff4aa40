"""Detect direct identifiers by column name and by cell content in linear time, without ever echoing the value."""

from __future__ import annotations

import re
from functools import lru_cache

from observatory.firewall.declarations import load_identifier_rules

# No declared value comes near this length; a longer cell is free text, and bounding the length before any
# pattern runs caps what one cell can cost however a pattern behaves.
MAX_CELL_CHARS = 256
LONG_TEXT = "free text"
COLUMN_SEPARATORS = re.compile(r"[\s_.\-]+")
# Narrow kinds first: a birth date also fits the phone-number pattern, and the narrower kind names it better.
KIND_PRIORITY = ("e-mail address", "exact date", "document number", "personal name", "phone number", "free text")
# A leading repeated character class of an unanchored pattern, e.g. "[A-Za-z0-9._%+-]+".
LEADING_REPEATED_CLASS = re.compile(r"\[(?:\\.|[^\]\\])+\]\+")


def normalise_column(name: str) -> str:
    """A column name lower-cased without spaces, dashes, dots or underscores."""
    return COLUMN_SEPARATORS.sub("", name[:MAX_CELL_CHARS].lower())


def identifier_column(name: str) -> bool:
    """Whether a column name announces a direct identifier (name, document, phone, e-mail, birth date, notes)."""
    rules = load_identifier_rules()
    norm = normalise_column(name)
    return norm in rules.column_names or any(fragment in norm for fragment in rules.column_name_fragments)


def declared_identifier_column(name: str) -> bool:
    """Whether a column name is exactly a declared identifier name up to case and separators (safe to show)."""
    return len(name) <= 40 and normalise_column(name) in load_identifier_rules().column_names


def linear_search_form(pattern: str) -> str:
    """An unanchored pattern rewritten so that searching it cannot retry a long run from every start.

    Searching "X+rest" finds a match exactly when searching "Xrest" does (the shorter match starts at the
    run's last X), but the long form re-scans the whole run from each of its positions: quadratic time
    (a 180 kB cell took 20 s with the e-mail pattern).
    """
    if pattern.startswith("^"):
        return pattern
    leading = LEADING_REPEATED_CLASS.match(pattern)
    if leading is None:
        return pattern
    return pattern[: leading.end() - 1] + pattern[leading.end() :]


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The content patterns, narrow kinds first, compiled once in their linear search form."""
    patterns = load_identifier_rules().content_patterns
    last = len(KIND_PRIORITY)
    ranked = sorted(patterns, key=lambda kind: KIND_PRIORITY.index(kind) if kind in KIND_PRIORITY else last)
    return tuple((kind, re.compile(linear_search_form(patterns[kind]))) for kind in ranked)


def identifier_kind(value: str) -> str | None:
    """The kind of direct identifier a cell looks like (e.g. 'e-mail address'), or None."""
    text = value.strip()
    if not text:
        return None
    if len(text) > MAX_CELL_CHARS:
        return LONG_TEXT
    for kind, pattern in _compiled():
        if pattern.search(text):
            return kind
    return None
