"""Country mentions in text: country_converter names plus the demonym and alias YAML, case-sensitive whole words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import country_converter
import pandas as pd

from observatory.evidence.records import load_vocab

NAME_CONFIDENCE = 0.9
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
    """Regex alternation of all surface forms, longest first (so 'Nigeria' wins over 'Niger')."""
    return "|".join(re.escape(f) for f in sorted(gazetteer(), key=len, reverse=True))


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    """All surface forms on word boundaries, with an optional plural 's'."""
    return re.compile(rf"(?<![\w-])({surface_alternation()})(?:s|es)?(?![\w-])")


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
    if len(name) == 3 and name.upper() in {v[0] for v in table.values()}:
        return name.upper()
    hits = find_countries(name)
    return hits[0].iso3 if len(hits) == 1 else None
