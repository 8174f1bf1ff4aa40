"""Translations of the declarations: indicator texts, compact objectives, group names and the words shown with numbers.

English is never repeated here: it is read from the indicator catalogue, the mirror's tables of the compacts and
the declared SDG targets. The other five languages are read from declarations/<lang>.yml; a text a file lacks falls
back to English (tests/i18n/test_declarations.py keeps any such gap from being committed).
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from observatory.i18n.languages import DEFAULT_LANGUAGE, checked_language
from observatory.i18n.names import area_name
from observatory.indicators.spec import get_indicator

DECLARATIONS_DIR = Path(__file__).parent / "declarations"
SDG_TARGETS = Path(__file__).parents[1] / "sources" / "global_compacts" / "sdg_targets.yml"
COMPACT_FILES = {"GCM": "gcm_objectives.csv", "GCR": "gcr_objectives.csv"}
# The compacts' tables hold 23 and 4 short rows: anything far larger is not those tables.
MAX_COMPACT_FILE_BYTES = 1_000_000

# The short words shown next to numbers on every surface, in English; every language file translates each key.
TERMS: dict[str, str] = {
    "no_data": "no data",
    "at_least": "at least",
    "range": "range",
    "estimate": "estimate",
    "reported": "reported",
    "estimated": "estimated",
    "modelled": "modelled",
    "minimum": "minimum",
    "minimum_estimate": "minimum estimate",
    "modelled_estimate": "modelled estimate",
    "revision": "revision",
    "source": "source",
    "sources": "sources",
    "latest": "latest",
    "female": "female",
    "male": "male",
    "total": "total",
    "both_sexes": "both sexes",
    "all_ages": "all ages",
    "year": "year",
    "period": "period",
    "lower_bound": "lower",
    "upper_bound": "upper",
    "persons": "persons",
    "percent": "percent",
    "per_year": "per year",
    "current_usd": "current US dollars",
    "index": "index",
    "score": "score",
    "events": "events",
}


class IndicatorText(BaseModel):
    """One indicator's title, unit and definition, and the labels of its category codes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    definition: str = Field(min_length=1)
    category_labels: dict[str, str] = {}


class ObjectiveText(BaseModel):
    """An objective's short name and its text as the compact (or the SDG resolution) words it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    short_name: str = Field(min_length=1)
    text: str = Field(min_length=1)


class Declarations(BaseModel):
    """Everything one language file declares, plus the reasons for texts the tests would otherwise question."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    indicators: dict[str, IndicatorText]
    frameworks: dict[str, dict[str, ObjectiveText]]
    groups: dict[str, str]
    terms: dict[str, str]
    # "indicators.<id>.<field>" → why a glossary term is rendered otherwise there
    glossary_exceptions: dict[str, str] = {}
    # "<section>.<key>[.<field>]" → why the text is the same as the English one (French and Spanish only)
    same_as_english: dict[str, str] = {}


@lru_cache(maxsize=8)
def declarations(lang: str) -> Declarations:
    """The validated declarations file of a language other than English."""
    lang = checked_language(lang)
    if lang == DEFAULT_LANGUAGE:
        raise ValueError("English declarations are the catalogue and the compacts themselves, not a file")
    raw = yaml.safe_load((DECLARATIONS_DIR / f"{lang}.yml").read_text(encoding="utf-8"))
    # YAML reads "10.7" as text but 1 as a number: objective numbers are keys as text either way.
    raw["frameworks"] = {
        framework: {str(number): entry for number, entry in objectives.items()}
        for framework, objectives in raw.get("frameworks", {}).items()
    }
    return Declarations.model_validate(raw)


def indicator_text(indicator_id: str, lang: str) -> tuple[str, str, str]:
    """(title, unit, definition) of an indicator in `lang`; KeyError for an indicator the catalogue lacks."""
    spec = get_indicator(indicator_id)
    lang = checked_language(lang)
    translated = None if lang == DEFAULT_LANGUAGE else declarations(lang).indicators.get(indicator_id)
    if translated is None:
        return spec.title, spec.unit, spec.definition
    return translated.title, translated.unit, translated.definition


def category_label(indicator_id: str, code: str, lang: str) -> str:
    """What a category code of an indicator means, in `lang`; KeyError for a code the catalogue does not label."""
    english = get_indicator(indicator_id).category_labels[code]
    lang = checked_language(lang)
    if lang == DEFAULT_LANGUAGE:
        return english
    translated = declarations(lang).indicators.get(indicator_id)
    return translated.category_labels.get(code, english) if translated else english


def _read_compact(path: Path) -> dict[str, ObjectiveText]:
    """Objective number → English short name and text, from one of the mirror's tables of a compact."""
    if path.stat().st_size > MAX_COMPACT_FILE_BYTES:
        raise ValueError(f"{path.name} is larger than a table of compact objectives can be")
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            str(int(row["objective_no"])): ObjectiveText(short_name=row["short_name"], text=row["objective_text"])
            for row in csv.DictReader(handle)
        }


@lru_cache(maxsize=4)
def english_objectives(raw_dir: Path | None = None) -> dict[str, dict[str, ObjectiveText]]:
    """Framework → objective number (or SDG target code) → English texts, from the mirror and sdg_targets.yml."""
    if raw_dir is None:
        from observatory.settings import get_settings

        raw_dir = get_settings().raw_dir()
    objectives = {
        framework: _read_compact(Path(raw_dir) / "global_compacts" / name) for framework, name in COMPACT_FILES.items()
    }
    targets = yaml.safe_load(SDG_TARGETS.read_text(encoding="utf-8"))
    objectives["SDG"] = {
        str(target["code"]): ObjectiveText(short_name=target["short_name"], text=target["text"]) for target in targets
    }
    return objectives


def objective_text(framework: str, number: int | str, lang: str, raw_dir: Path | None = None) -> tuple[str, str]:
    """(short name, text) of a GCM or GCR objective or an SDG target in `lang`; KeyError for one that is not."""
    framework = framework.upper()
    code = str(number)
    lang = checked_language(lang)
    if lang != DEFAULT_LANGUAGE:
        translated = declarations(lang).frameworks.get(framework, {}).get(code)
        if translated is not None:
            return translated.short_name, translated.text
    english = english_objectives(raw_dir)[framework][code]
    return english.short_name, english.text


def group_name(code: str, declared_name: str, lang: str, m49: int | str | None = None) -> str:
    """A group's or special area's name in `lang`: the declared translation, else CLDR's (by M49), else as declared.

    The files also declare M49 regions whose CLDR name differs from the UN's (Latin America vs Latin America and
    the Caribbean), so the declaration is read before CLDR.
    """
    lang = checked_language(lang)
    if lang == DEFAULT_LANGUAGE:
        return declared_name
    translated = declarations(lang).groups.get(code)
    return translated if translated is not None else area_name(declared_name, lang, None, m49)


def place_name(
    code: str | None, english: str, lang: str, kind: str | None, iso2: str | None = None, m49: int | str | None = None
) -> str:
    """An area's name in `lang`: CLDR's (by ISO alpha-2) for countries and territories, group_name for the others."""
    lang = checked_language(lang)
    if lang == DEFAULT_LANGUAGE or kind is None:
        return english
    if kind == "country":
        return area_name(english, lang, iso2, None)
    return group_name(code or "", english, lang, m49)


def term(key: str, lang: str) -> str:
    """One of the short words shown with numbers, in `lang`; KeyError for a key not in TERMS."""
    english = TERMS[key]
    lang = checked_language(lang)
    return english if lang == DEFAULT_LANGUAGE else declarations(lang).terms.get(key, english)
