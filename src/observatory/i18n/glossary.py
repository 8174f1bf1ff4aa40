"""The terminology glossary of each language, which catalogues and templates follow."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from observatory.i18n.languages import DEFAULT_LANGUAGE, checked_language
from observatory.i18n.messages import gettext_for

GLOSSARY_DIR = Path(__file__).parent / "glossary"


@lru_cache(maxsize=8)
def glossary(lang: str) -> dict[str, str]:
    """Term key → the term in `lang` (English: the English terms, read from any one of the glossaries)."""
    lang = checked_language(lang)
    source = GLOSSARY_DIR / f"{'fr' if lang == DEFAULT_LANGUAGE else lang}.yml"
    entries = yaml.safe_load(source.read_text(encoding="utf-8"))
    field = "en" if lang == DEFAULT_LANGUAGE else "term"
    return {key: entry[field] for key, entry in entries.items()}


def framework_title(framework: str, english: str, lang: str) -> str:
    """A framework's name in `lang`: the compacts as each glossary names them, the SDGs with the catalogue's phrase."""
    if lang == DEFAULT_LANGUAGE:
        return english
    names = glossary(lang)
    if framework == "SDG":
        goals = names["sdg"][:1].upper() + names["sdg"][1:]
        return gettext_for(lang)("%(goals)s (migration-related targets)") % {"goals": goals}
    return names.get(framework.lower(), english)
