"""Country mentions in text: country_converter names plus the demonym and alias YAML, case-sensitive whole words."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import country_converter
import pandas as pd

from observatory.evidence.records import load_vocab

NAME_CONFIDENCE = 0.9
# Checked after a form's first character: the character before it is no letter, digit, '_' or '-'. Placed there (not
# in front) so that the compiled pattern starts with a set of literal characters, which lets the regex engine skip
# quickly over every position where no name can start.
WORD_START = r"(?<![\w-].)"
DEMONYM_CONFIDENCE = 0.75


@dataclass(frozen=True)
class Mention:
    """A country found in text: ISO3, the words matched, confidence and how it was matched."""

    iso3: str
    text: str
    confidence: float
    rule: str


def country_table() -> pd.DataFrame:
    """country_converter's country list read directly (its own loader trips on 'NA' with pandas 3)."""
    path = Path(country_converter.__file__).with_name("country_data.tsv")
    return pd.read_csv(path, sep="\t", keep_default_na=False, dtype=str)


@lru_cache(maxsize=1)
def gazetteer() -> dict[str, tuple[str, float, str]]:
    """Surface form -> (ISO3, confidence, rule)."""
    vocab = load_vocab("demonyms.yml")
    ambiguous = vocab.get("ambiguous", {})
    entries: dict[str, tuple[str, float, str]] = {}
    for row in country_table().itertuples(index=False):
        if row.obsolete or not row.ISO3 or len(row.ISO3) != 3:
            continue
        for name in {row.name_short, row.name_official}:
            if name and len(name) > 2:
                entries[name] = (row.ISO3, ambiguous.get(name, NAME_CONFIDENCE), "gazetteer:country_converter")
    for section, default, rule in (
        ("aliases", NAME_CONFIDENCE, "gazetteer:alias"),
        ("demonyms", DEMONYM_CONFIDENCE, "gazetteer:demonym"),
    ):
        for surface, target in vocab.get(section, {}).items():
            if isinstance(target, dict):
                iso3, conf = target["iso3"], target.get("confidence", default)
            else:
                iso3, conf = target, ambiguous.get(surface, default)
            entries[surface] = (iso3, conf, rule)
    return entries


@lru_cache(maxsize=1)
def surface_alternation() -> str:
    """One regex of all surface forms, factored as a character trie: at any position the longest form is tried first.

    A flat alternation of ~600 names made the regex engine try every name at every character (most of the import
    time); the trie tries only the names sharing the characters read so far, and finds the same leftmost-longest form.
    """
    return _trie_regex(_trie(gazetteer()), WORD_START)


def _trie(forms: Iterable[str]) -> dict:
    """Nested dicts of characters; the key '' marks the end of a form."""
    root: dict = {}
    for form in forms:
        node = root
        for ch in form:
            node = node.setdefault(ch, {})
        node[""] = {}
    return root


def _trie_regex(node: dict, after_first: str = "") -> str:
    """Regex of a trie node: a branch per next character, then (greedily optional, so longer first) the form's end."""
    branches = [re.escape(ch) + after_first + _trie_regex(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = "(?:" + "|".join(branches) + ")" if len(branches) > 1 else branches[0]
    return f"(?:{body})?" if "" in node else body


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    """All surface forms on word boundaries, with an optional plural 's'."""
    return re.compile(rf"({surface_alternation()})(?:s|es)?(?![\w-])")


def find_countries(text: str | None) -> list[Mention]:
    """Countries mentioned in the text, one Mention per ISO3 (highest confidence kept)."""
    if not text:
        return []
    table = gazetteer()
    best: dict[str, Mention] = {}
    for match in _pattern().finditer(text):
        iso3, conf, rule = table[match.group(1)]
        if iso3 not in best or best[iso3].confidence < conf:
            best[iso3] = Mention(iso3, match.group(1), conf, rule)
    return list(best.values())


def resolve_country(name: str | None) -> str | None:
    """ISO3 for a single country name, alias or demonym; None if unknown."""
    if not name:
        return None
    name = name.strip()
    table = gazetteer()
    if name in table:
        return table[name][0]
    lowered = {k.lower(): v for k, v in table.items()}
    if name.lower() in lowered:
        return lowered[name.lower()][0]
    # An ISO3 code only as written in capitals: lower-case "and", "can", "per" are English words, not AND/CAN/PER.
    if len(name) == 3 and name.isupper() and name in {v[0] for v in table.values()}:
        return name
    hits = find_countries(name)
    return hits[0].iso3 if len(hits) == 1 else None
