"""Detect direct identifiers by column name and by cell content, without ever echoing the value."""

from __future__ import annotations

import re
from functools import lru_cache

from observatory.firewall.declarations import load_identifier_rules


def normalise_column(name: str) -> str:
    """A column name lower-cased without spaces, dashes, dots or underscores."""
    return re.sub(r"[\s_.\-]+", "", name.lower())


def identifier_column(name: str) -> bool:
    """Whether a column name announces a direct identifier (name, document, phone, e-mail, birth date, notes)."""
    rules = load_identifier_rules()
    norm = normalise_column(name)
    return norm in rules.column_names or any(fragment in norm for fragment in rules.column_name_fragments)


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The content patterns, compiled once."""
    return tuple((kind, re.compile(pattern)) for kind, pattern in load_identifier_rules().content_patterns.items())


def identifier_kind(value: str) -> str | None:
    """The kind of direct identifier a cell looks like (e.g. 'e-mail address'), or None."""
    text = value.strip()
    if not text:
        return None
    for kind, pattern in _compiled():
        if pattern.search(text):
            return kind
    return None
