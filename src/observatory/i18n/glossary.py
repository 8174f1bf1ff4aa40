"""The terminology glossary of each language, which catalogues and templates follow."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from observatory.i18n.languages import DEFAULT_LANGUAGE, checked_language

GLOSSARY_DIR = Path(__file__).parent / "glossary"


@lru_cache(maxsize=8)
def glossary(lang: str) -> dict[str, str]:
    """Term key → the term in `lang` (English: the English terms, read from any one of the glossaries)."""
    lang = checked_language(lang)
    source = GLOSSARY_DIR / f"{'fr' if lang == DEFAULT_LANGUAGE else lang}.yml"
    entries = yaml.safe_load(source.read_text(encoding="utf-8"))
    field = "en" if lang == DEFAULT_LANGUAGE else "term"
    return {key: entry[field] for key, entry in entries.items()}
