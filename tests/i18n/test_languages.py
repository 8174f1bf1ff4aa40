"""The six UN languages: choice from a request, direction, numbers and names from CLDR, one glossary each."""

from __future__ import annotations

import pytest

from observatory.i18n.glossary import glossary
from observatory.i18n.languages import (
    LANGUAGES,
    UnknownLanguage,
    checked_language,
    direction,
    native_name,
    negotiate,
    route,
)
from observatory.i18n.messages import gettext_for
from observatory.i18n.names import area_name
from observatory.i18n.numbers import format_value, unit_kind


def test_the_six_un_languages_and_their_direction():
    assert LANGUAGES == ("ar", "zh", "en", "fr", "ru", "es")
    assert [direction(code) for code in LANGUAGES] == ["rtl", "ltr", "ltr", "ltr", "ltr", "ltr"]
    assert native_name("ar") == "العربية" and native_name("zh") == "中文" and native_name("ru") == "русский"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "fr"),
        ("de, ar;q=0.2", "ar"),
        ("de-DE, en;q=0.1, es;q=0.9", "es"),
        ("zh-Hant-TW", "zh"),
        ("ru;q=0, en;q=0.5", "en"),  # q=0 means "not this one"
        ("es;q=banana, fr;q=0.3", "fr"),
        ("", "en"),
        (None, "en"),
        ("x" * 5000, "en"),  # longer than any browser sends: not parsed
    ],
)
def test_accept_language_chooses_the_readers_language(header, expected):
    assert negotiate(header) == expected


def test_an_unknown_language_is_refused_without_echoing_it():
    with pytest.raises(UnknownLanguage, match="speaks ar, zh, en, fr, ru, es") as error:
        checked_language("<script>de</script>")
    assert "script" not in str(error.value)
    assert checked_language("FR_ca") == "fr" and checked_language(None) == "en"


@pytest.mark.parametrize(
    ("lang", "persons", "money", "percent"),
    [
        ("en", "304.02 million", "US$\u00a019.29 billion", "23.4%"),
        ("fr", "304,02 millions", "19,29 milliards\u00a0US$", "23,4\u00a0%"),
        ("es", "304,02 millones", "19,29 mil millones\u00a0US$", "23,4\u00a0%"),
        ("ru", "304,02 миллиона", "19,29 миллиарда\u00a0US$", "23,4\u00a0%"),
        ("ar", "304.02 مليون", "19.29 مليار\u00a0US$", "23.4%"),
        ("zh", "3.04亿", "192.9亿\u00a0US$", "23.4%"),
    ],
)
def test_numbers_are_written_as_each_reader_writes_them(lang, persons, money, percent):
    assert format_value(304_020_000, "persons", lang) == persons
    assert format_value(19.29e9, "current USD", lang) == money
    assert format_value(23.35, "percent", lang) == percent


def test_small_numbers_keep_their_digits_and_never_use_exponents():
    assert format_value(256_545, "persons per 5-year period") == "256,545"
    assert format_value(256_545, "persons", "fr") == "256\u202f545"
    assert format_value(2.65519e6, "persons") == "2.66 million"
    assert format_value(2.65519e6, "persons", style="short") == "2.66M"
    assert format_value(0.000456, "persons") == "0.000456"
    assert format_value(0.745, "index 0–1") == "0.745"
    assert format_value(6.25, "refugees per 1000 inhabitants") == "6.25"
    assert format_value(0.233, "share") == "23.3%"
    assert format_value(None, "persons") == format_value(float("nan"), "persons") == "–"


def test_units_of_the_catalogue_fall_into_known_kinds():
    from observatory.indicators.spec import load_catalogue

    kinds = {spec.unit: unit_kind(spec.unit) for spec in load_catalogue()}
    assert kinds, "the catalogue declares indicators"
    assert kinds["percent"] == "percent" and kinds["persons"] == "count" and kinds["current USD"] == "money"
    assert kinds["refugees per 1000 inhabitants"] == "rate"
    assert kinds["score 0–100"] == "index"


def test_country_and_region_names_come_from_cldr_and_english_keeps_the_un_name():
    assert area_name("Türkiye", "en", "TR") == "Türkiye"
    assert [area_name("Türkiye", lang, "TR") for lang in ("fr", "es", "ru", "ar", "zh")] == [
        "Turquie",
        "Turquía",
        "Турция",
        "تركيا",
        "土耳其",
    ]
    assert area_name("Europe", "es", None, 150) == "Europa"  # UN M49 region code
    assert area_name("Sub-Saharan Africa (WB)", "fr", None, None) == "Sub-Saharan Africa (WB)"  # not in CLDR


def test_every_language_has_the_same_glossary_terms():
    english = glossary("en")
    assert len(english) >= 20
    for lang in LANGUAGES:
        terms = glossary(lang)
        assert set(terms) == set(english), lang
        assert all(term.strip() for term in terms.values()), lang
    assert glossary("fr")["remittances"] == "envois de fonds"
    assert glossary("es")["asylum_seeker"] == "solicitante de asilo"


def test_a_route_points_the_way_the_language_reads():
    """Arabic writes corridors with '←' (its catalogue's corridor titles do): code-built names say it the same way."""
    assert route(("Mexico", "United States"), "en") == "Mexico → United States"
    assert route(("المكسيك", "الولايات المتحدة"), "ar") == "المكسيك ← الولايات المتحدة"
    assert route(iter(["Syria"]), "fr") == "Syria" and route([], "ar") == ""
    catalogued = gettext_for("ar")("Corridor: %(origin)s → %(destination)s") % {"origin": "A", "destination": "B"}
    assert route(("A", "B"), "ar") in catalogued
