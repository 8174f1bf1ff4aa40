"""Gazetteer: English words never resolve as countries, real names do; the trie finds what a flat name list finds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from observatory.evidence.corpora import is_country_word, read_utiac_outcomes, utiac_country
from observatory.evidence.gazetteer import _pattern, find_countries, gazetteer, resolve_country

ENGLISH_SENTENCES = [
    "The appellant said that his family, which had left, could not return and was at risk.",
    "In the end, per the rules, the judge found her account was credible and all of it can stand.",
    "This is a national of the country in which he was born; an appeal that any tribunal would hear.",
]
ENGLISH_WORDS = ["the", "his", "which", "and", "can", "per", "her", "that", "a", "an", "in", "The", "His", "Which"]


def test_english_sentences_and_words_name_no_country() -> None:
    for sentence in ENGLISH_SENTENCES:
        assert find_countries(sentence) == [], sentence
    for word in ENGLISH_WORDS:
        assert resolve_country(word) is None, word
        assert utiac_country(word) is None, word


def test_real_names_still_resolve() -> None:
    names = {"Sri Lanka": "LKA", "Côte d'Ivoire": "CIV", "the Gambia": "GMB", "The Gambia": "GMB", "Gambia": "GMB"}
    for name, iso3 in names.items():
        assert resolve_country(name) == iso3, name
    assert resolve_country("GBR") == "GBR" and resolve_country("AND") == "AND"  # codes in capitals still count
    text = "Asylum seekers from Sri Lanka, Côte d'Ivoire and the Gambia; Nigerians in Niger."
    assert {m.iso3 for m in find_countries(text)} == {"LKA", "CIV", "GMB", "NGA", "NER"}
    assert [utiac_country(w) for w in ("Sri", "Cote", "Afghanistan", "Kurdish")] == ["LKA", "CIV", "AFG", None]
    assert is_country_word("Kurdish") and not is_country_word("the") and not is_country_word("South")


def test_trie_pattern_finds_what_the_flat_longest_first_alternation_finds() -> None:
    forms = "|".join(re.escape(f) for f in sorted(gazetteer(), key=len, reverse=True))
    flat = re.compile(rf"(?<![\w-])({forms})(?:s|es)?(?![\w-])")
    texts = [
        "Nigeria, Niger and Nigerians; Guinea-Bissau, Papua New Guinea, Equatorial Guinea and Guineans.",
        "xNigeria -Niger Niger- Nigeria_ Sudanese South Sudan Dominican Republic Dominica US USA U.S. UK",
        "Congo, Democratic Republic of the Congo, Republic of the Congo; Koreans in North Korea; Sri Lankan",
        *(f"{name}s {name}es a{name} {name}-x ({name})" for name in sorted(gazetteer())),
    ]
    for text in texts:
        expected = [(m.span(), m.group(1)) for m in flat.finditer(text)]
        assert [(m.span(), m.group(1)) for m in _pattern().finditer(text)] == expected, text


def test_utiac_common_words_give_one_warning_not_one_per_row(tmp_path: Path) -> None:
    header = "case_id,promulgation_date,sogi_case,unsuccessful,successful,ambiguous,country\n"
    rows = [f"AA/{i:05d}/2016,2018-08-02,False,True,False,False,{word}" for i, word in enumerate(
        ["the", "his", "which", "the", "Kabul", "Kabul", "Sri", "and"], 1)]  # fmt: skip
    path = tmp_path / "utiac.csv"
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    parsed = read_utiac_outcomes(path)
    warnings = [i for i in parsed.issues if i.field == "country"]
    assert [(i.record_no, i.message) for i in warnings] == [
        (
            1,
            "5 rows have a common word (e.g. 'the', 'his'), not a country, in the country column (kept, no area label)",
        ),
        (5, "unresolved country word 'Kabul' in 2 row(s) (kept, no area label)"),
    ]
    areas = [{lab.value for lab in rec.labels if lab.kind == "area"} for rec in parsed.records]
    assert areas == [{"GBR"}] * 6 + [{"GBR", "LKA"}, {"GBR"}]


@pytest.mark.parametrize("word", ["and", "can", "per"])
def test_lower_case_three_letter_words_are_not_iso3_codes(word: str) -> None:
    assert resolve_country(word) is None and resolve_country(word.upper()) is not None
