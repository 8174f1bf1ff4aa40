"""Translated declarations: complete for every indicator, objective, group and term, faithful to the glossary."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from babel import Locale

from observatory.geo import build_area_reference
from observatory.i18n import declarations as module
from observatory.i18n.declarations import (
    TERMS,
    category_label,
    declarations,
    english_objectives,
    group_name,
    indicator_text,
    objective_text,
    term,
)
from observatory.i18n.glossary import glossary
from observatory.i18n.languages import DEFAULT_LANGUAGE, LANGUAGES, UnknownLanguage
from observatory.indicators.spec import load_catalogue

TRANSLATED = tuple(lang for lang in LANGUAGES if lang != DEFAULT_LANGUAGE)
LATIN = ("fr", "es")
# Every text in these languages has at least one letter of the language's own script.
SCRIPT = {"ar": re.compile(r"[\u0600-\u06FF]"), "zh": re.compile(r"[\u4E00-\u9FFF]"), "ru": re.compile(r"[а-яё]", re.I)}
ASCII_SENTENCE = re.compile(r"(?:\b[A-Za-z]+\b[ ,;:]+){3}\b[A-Za-z]+\b")
QUOTED = re.compile(r"`[^`]*`|\"[^\"]*\"|(?<![\w'])'[^']*'(?!\w)")
# Digits grouped by thousands separators (1,000 / 1 000 / 100.000) are one number; every other digit run is itself.
NUMBER = re.compile(r"\d{1,3}(?:[,.\u00a0\u202f ]\d{3})+(?!\d)|\d+")


def _english_texts() -> dict[str, str]:
    """Every English text the files translate, keyed like the files' exceptions: 'indicators.<id>.<field>' etc."""
    texts: dict[str, str] = {}
    for spec in load_catalogue():
        for field in ("title", "unit", "definition"):
            texts[f"indicators.{spec.id}.{field}"] = getattr(spec, field)
        for code, label in spec.category_labels.items():
            texts[f"indicators.{spec.id}.category_labels.{code}"] = label
    for key, english in TERMS.items():
        texts[f"terms.{key}"] = english
    return texts


def _translated_texts(lang: str) -> dict[str, str]:
    """The same keys for one language (missing keys simply absent)."""
    texts: dict[str, str] = {}
    for indicator_id, entry in declarations(lang).indicators.items():
        for field in ("title", "unit", "definition"):
            texts[f"indicators.{indicator_id}.{field}"] = getattr(entry, field)
        for code, label in entry.category_labels.items():
            texts[f"indicators.{indicator_id}.category_labels.{code}"] = label
    for key, text in declarations(lang).terms.items():
        texts[f"terms.{key}"] = text
    for code, name in declarations(lang).groups.items():
        texts[f"groups.{code}"] = name
    for framework, objectives in declarations(lang).frameworks.items():
        for number, objective in objectives.items():
            texts[f"frameworks.{framework}.{number}.short_name"] = objective.short_name
            texts[f"frameworks.{framework}.{number}.text"] = objective.text
    return texts


def _numbers(text: str) -> list[str]:
    """The numbers of a text, separators of thousands removed, in order."""
    return sorted(re.sub(r"\D", "", match) for match in NUMBER.findall(text))


def _stems(term_text: str, lang: str) -> list[str]:
    """What each content word of a glossary term keeps under inflection: its first letters, short words skipped."""
    if lang == "zh":
        return [term_text]
    stems = []
    for word in re.split(r"[\s,]+", term_text.lower()):
        if lang == "ar":
            word = re.sub(r"^(?:ال|وال|بال|لل)", "", word)
        if len(word) <= 3:
            continue
        stems.append(word[: max(3, len(word) - (1 if len(word) == 4 else 3 if len(word) >= 7 else 2))])
    return stems


def _uses_term(translation: str, term_text: str, lang: str) -> bool:
    """True when every content word of the glossary term appears, inflected or not, in the translation."""
    text = translation.lower()
    return all(stem in text for stem in _stems(term_text, lang))


def _english_has_term(english: str, term_text: str) -> bool:
    """The English glossary term as a phrase of the text, singular or plural (person, persons or people)."""
    phrase = re.sub(r"person$", "(?:person|people)", re.escape(term_text))
    return re.search(rf"\b{phrase}s?\b", english, re.IGNORECASE) is not None


def _area_reference(root: Path) -> pd.DataFrame:
    """The release's areas, built from the mirror's reference tables as the warehouse builds them."""
    read = lambda path: pd.read_csv(root / path, keep_default_na=False, na_values=[""])  # noqa: E731 - "NA" is Namibia
    tables = {
        "countrynames": read("iom_gdi_gdiviz/countrynames.csv"),
        "dict_ims": read("guyabel_migest/dict_ims.csv"),
        "countryclass": read("worldbank_classification/countryclass.csv"),
        "unhcr_countries": read("unhcr_refugees/countries.csv"),
        "wb_metadata": read("worldbank_wdi_bulk/Metadata_Country_API_SP.POP.TOTL_DS2_en_csv_v2_6298256.csv"),
    }
    return build_area_reference(tables).area


@pytest.fixture(scope="module")
def areas(mirror) -> pd.DataFrame:
    return _area_reference(mirror)


# --- completeness -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_indicator_of_the_catalogue_is_translated_and_no_other(lang):
    catalogue = {spec.id: spec for spec in load_catalogue()}
    translated = declarations(lang).indicators
    missing = sorted(set(catalogue) - set(translated))
    assert not missing, f"add these indicators to src/observatory/i18n/declarations/{lang}.yml: {missing}"
    unknown = sorted(set(translated) - set(catalogue))
    assert not unknown, f"{lang}.yml translates indicators the catalogue does not declare: {unknown}"
    for indicator_id, spec in catalogue.items():
        labels = translated[indicator_id].category_labels
        assert set(labels) == set(spec.category_labels), (
            f"{lang}.yml: category labels of {indicator_id} must translate exactly the codes "
            f"{sorted(spec.category_labels)}"
        )
        texts = (*indicator_text(indicator_id, lang), *labels.values())
        assert all(text.strip() for text in texts), f"{lang}.yml: an empty text for {indicator_id}"


@pytest.mark.mirror
@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_objective_of_the_compacts_and_every_sdg_target_is_translated(lang, mirror):
    english = english_objectives(mirror)
    assert len(english["GCM"]) == 23 and len(english["GCR"]) == 4 and "10.7" in english["SDG"]
    translated = declarations(lang).frameworks
    assert set(translated) == set(english)
    for framework, objectives in english.items():
        assert set(translated[framework]) == set(objectives), f"{lang}.yml: objectives of {framework}"
        for number in objectives:
            short_name, text = objective_text(framework, number, lang, mirror)
            assert short_name.strip() and text.strip()
            assert (short_name, text) != objective_text(framework, number, "en", mirror)


@pytest.mark.mirror
@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_group_cldr_cannot_name_is_translated_and_only_real_areas_are(lang, areas):
    territories = Locale.parse(lang).territories
    non_countries = areas[areas["kind"] != "country"]
    cldr_named = non_countries["m49"].map(lambda m49: pd.notna(m49) and f"{int(m49):03d}" in territories)
    needed = set(non_countries.loc[~cldr_named, "code"])
    declared = set(declarations(lang).groups)
    assert not needed - declared, f"add these groups to {lang}.yml: {sorted(needed - declared)}"
    assert not declared - set(non_countries["code"]), (
        f"{lang}.yml names groups the area reference does not have: {sorted(declared - set(non_countries['code']))}"
    )
    for row in non_countries.itertuples():
        assert group_name(row.code, row.name, lang, None if pd.isna(row.m49) else row.m49).strip()


def test_group_names_prefer_the_declaration_then_cldr_then_the_declared_name():
    assert group_name("WBI_LOW_INCOME", "Low income", "fr") == "Pays à faible revenu"
    assert group_name("WBI_LOW_INCOME", "Low income", "en") == "Low income"
    assert group_name("UNR_EUROPE", "Europe", "ru", 150) == "Европа"  # CLDR
    # CLDR's "Latin America" (419) leaves out the Caribbean that the UN M49 region includes
    assert group_name("UNS_LATIN_AMERICA_AND_THE_CARIBBEAN", "Latin America and the Caribbean", "es", 419) == (
        "América Latina y el Caribe"
    )
    assert group_name("NOT_A_GROUP", "Somewhere", "zh") == "Somewhere"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_term_is_translated_and_no_other(lang):
    translated = declarations(lang).terms
    assert set(translated) == set(TERMS), f"{lang}.yml terms: missing {sorted(set(TERMS) - set(translated))}"
    assert all(text.strip() for text in translated.values())


def test_english_reads_the_catalogue_and_unknown_ids_are_refused():
    spec = next(spec for spec in load_catalogue() if spec.id == "migrant_stock")
    assert indicator_text("migrant_stock", "en") == (spec.title, spec.unit, spec.definition)
    assert category_label("corridor_flow", "mig_rate", "en") == "migration rates"
    assert term("no_data", "en") == "no data" and term("no_data", "es") == "sin datos"
    with pytest.raises(KeyError, match="unknown indicator 'no_such_indicator'; see `observatory indicators`"):
        indicator_text("no_such_indicator", "fr")
    with pytest.raises(KeyError, match="^'no_such_code'$"):
        category_label("corridor_flow", "no_such_code", "fr")
    with pytest.raises(KeyError, match="^'no_such_term'$"):
        term("no_such_term", "ar")
    with pytest.raises(UnknownLanguage, match="^unknown language; the observatory speaks "):
        indicator_text("migrant_stock", "de")


def test_the_objectives_in_english_come_from_the_mirror_tables(tmp_path):
    compacts = tmp_path / "global_compacts"
    compacts.mkdir()
    header = "compact,objective_no,short_name,objective_text\n"
    (compacts / "gcm_objectives.csv").write_text(header + "GCM,1,Data,Collect data\n", encoding="utf-8")
    (compacts / "gcr_objectives.csv").write_text(header + "GCR,1,Ease,Ease pressures\n", encoding="utf-8")
    assert objective_text("gcm", 1, "en", tmp_path) == ("Data", "Collect data")
    assert objective_text("GCR", "1", "en", tmp_path) == ("Ease", "Ease pressures")
    assert objective_text("SDG", "10.c", "en", tmp_path)[0] == "Remittance costs"
    assert objective_text("gcm", 1, "fr", tmp_path)[0] == "Données"
    (compacts / "gcm_objectives.csv").write_bytes(b"x" * (module.MAX_COMPACT_FILE_BYTES + 1))
    english_objectives.cache_clear()
    with pytest.raises(ValueError, match="larger than"):
        english_objectives(tmp_path)
    english_objectives.cache_clear()


# --- faithful translations ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_use_the_glossary_terms_of_the_language(lang):
    exceptions = declarations(lang).glossary_exceptions
    english_terms, terms = glossary("en"), glossary(lang)
    translated = _translated_texts(lang)
    missing = []
    for key, english in _english_texts().items():
        if not key.startswith("indicators.") or key.endswith(".unit") or key not in translated:
            continue  # units are not glossary terms; a missing text is the completeness test's to report
        for term_key, english_term in english_terms.items():
            if _english_has_term(english, english_term) and not _uses_term(translated[key], terms[term_key], lang):
                if key not in exceptions:
                    missing.append(f"{key}: {terms[term_key]!r}")
    assert not missing, f"{lang}.yml does not use the glossary term (or declare why in glossary_exceptions): {missing}"
    assert all(reason.strip() for reason in exceptions.values())
    assert set(exceptions) <= set(translated), f"{lang}.yml: glossary exceptions for texts that do not exist"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_terms_that_are_glossary_terms_are_the_glossary_terms(lang):
    for key in ("minimum_estimate", "modelled_estimate"):
        glossary_key = {"minimum_estimate": "estimate_minimum", "modelled_estimate": "modelled_estimate"}[key]
        assert term(key, lang) == glossary(lang)[glossary_key]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_numbers_and_quoted_codes_survive_translation(lang):
    translated = _translated_texts(lang)
    damaged = []
    for key, english in _english_texts().items():
        text = translated.get(key, english)  # a missing text is the completeness test's to report
        if not set(_numbers(english)) <= set(_numbers(text)):
            damaged.append(f"{key}: numbers {_numbers(english)} → {_numbers(text)}")
        damaged += [f"{key}: {quoted}" for quoted in QUOTED.findall(english) if quoted not in text]
    assert not damaged, f"{lang}.yml changes numbers or quoted codes: {damaged}"


@pytest.mark.mirror
@pytest.mark.parametrize("lang", TRANSLATED)
def test_objective_numbers_survive_translation(lang, mirror):
    for framework, objectives in english_objectives(mirror).items():
        for number, english in objectives.items():
            assert set(_numbers(english.text)) <= set(_numbers(objective_text(framework, number, lang)[1]))


@pytest.mark.parametrize("lang", [lang for lang in TRANSLATED if lang in SCRIPT])
def test_texts_are_written_in_the_script_of_the_language(lang):
    not_in_script = [key for key, text in _translated_texts(lang).items() if not SCRIPT[lang].search(text)]
    assert not not_in_script, f"{lang}.yml: texts without a letter of the language's script: {not_in_script}"


@pytest.mark.parametrize("lang", [lang for lang in TRANSLATED if lang not in LATIN])
def test_no_english_sentence_is_left_in_a_non_latin_language(lang):
    left = []
    for key, text in _translated_texts(lang).items():
        unquoted = QUOTED.sub("", text)
        if ASCII_SENTENCE.search(unquoted):
            left.append(f"{key}: {ASCII_SENTENCE.search(unquoted).group(0)!r}")
    assert not left, f"{lang}.yml keeps English: {left}"


@pytest.mark.parametrize("lang", LATIN)
def test_french_and_spanish_texts_differ_from_english_unless_declared(lang):
    english = _english_texts()
    same = declarations(lang).same_as_english
    unchanged = [
        key
        for key, text in _translated_texts(lang).items()
        if key in english and text.strip().lower() == english[key].strip().lower() and key not in same
    ]
    assert not unchanged, f"{lang}.yml leaves these as in English (declare them in same_as_english): {unchanged}"
    assert all(reason.strip() for reason in same.values())


@pytest.mark.mirror
@pytest.mark.parametrize("lang", LATIN)
def test_french_and_spanish_group_names_differ_from_english_unless_declared(lang, areas):
    english = dict(zip(areas["code"], areas["name"], strict=True))
    same = declarations(lang).same_as_english
    unchanged = [
        f"groups.{code}"
        for code, name in declarations(lang).groups.items()
        if name.strip().lower() == english[code].strip().lower() and f"groups.{code}" not in same
    ]
    assert not unchanged, f"{lang}.yml leaves these as in English (declare them in same_as_english): {unchanged}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_one_english_unit_has_one_translation(lang):
    seen: dict[str, set[str]] = {}
    translated = declarations(lang).indicators
    for spec in (spec for spec in load_catalogue() if spec.id in translated):  # missing ones: completeness test
        seen.setdefault(spec.unit, set()).add(indicator_text(spec.id, lang)[1])
    assert {unit: units for unit, units in seen.items() if len(units) > 1} == {}


# --- the checks themselves ----------------------------------------------------------------------------------------


def test_the_checks_catch_what_they_are_for():
    assert _uses_term("Беженцы, переселенные в страну", "беженец", "ru")
    assert _uses_term("Лица без гражданства", "лицо без гражданства", "ru")
    assert not _uses_term("Переселенцы", "беженец", "ru")
    assert _uses_term("اللاجئون المستضافون", "لاجئ", "ar")
    assert not _uses_term("流离失所者", "难民", "zh")
    assert _english_has_term("Refugees hosted", "refugee") and not _english_has_term("Emigrants", "migrant")
    assert _english_has_term("Internally displaced people, by cause", "internally displaced person")
    assert _numbers("per 1,000 people, USD 200 in 2019Q2") == _numbers("pour 1 000 personnes, 200 USD, 2019T2")
    assert _numbers("indicator 10.7.2") != _numbers("indicateur 10.7")
    assert ASCII_SENTENCE.search("الهجرة the number of people left") and not ASCII_SENTENCE.search("IDMC 2024")
    assert QUOTED.findall("the origin's share, 'YYYY-MM' and \"Frontex: all routes\"") == [
        "'YYYY-MM'",
        '"Frontex: all routes"',
    ]
