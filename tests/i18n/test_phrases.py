"""Sentences composed in code (i18n.phrases): English as built, every other language from the catalogue, with places,
amounts, shares and series titles said in the reader's language; JSON and English pages read them as plain text."""

from __future__ import annotations

import json

import pytest

from observatory.i18n.messages import TRANSLATED_LANGUAGES, gettext_for
from observatory.i18n.phrases import Amount, Joined, Phrase, Place, SeriesTitle, Share, said_in, share_percent

MESSAGE = "In %(year)s, %(label)s: %(headline)s."
SENEGAL = {"kind": "country", "iso2": "SN", "m49": 686}
AFRICA = {"kind": "group", "m49": 2}


def _statement() -> Phrase:
    label = Phrase(
        "%(title)s, %(place)s",
        title=SeriesTitle("Migrant stock", "migrant_stock", "indicator", "title", True),
        place=Place("Senegal", "SEN", SENEGAL),
    )
    return Phrase(MESSAGE, year=2020, label=label, headline=Amount("2.50 million", 2.5e6, "persons"))  # fmt: skip


def test_english_is_the_text_itself():
    statement = _statement()
    assert statement == "In 2020, migrant stock, Senegal: 2.50 million."
    assert statement.in_language("en") == str(statement)
    assert json.loads(json.dumps({"statement": statement})) == {"statement": str(statement)}


@pytest.mark.parametrize("lang", TRANSLATED_LANGUAGES)
def test_each_language_says_every_part_in_itself(lang):
    said = _statement().in_language(lang)
    assert "In 2020" not in said and "2.50 million" not in said and "2020" in said
    assert Place("Senegal", "SEN", SENEGAL).in_language(lang) in said
    assert said.startswith(gettext_for(lang)(MESSAGE).split("%")[0])


def test_parts_in_french():
    assert Place("Senegal", "SEN", SENEGAL).in_language("fr") == "Sénégal"
    assert Place("Africa", "CONT_AFRICA", AFRICA).in_language("fr") == "Afrique"
    assert Place("Atlantis", "ATL", None).in_language("fr") == "Atlantis"  # no area row: as declared
    assert Amount("2.50 million", 2.5e6, "persons").in_language("fr") == "2,5 millions"
    assert Amount("no value", None, "persons").in_language("fr") == "aucune valeur"
    assert Share("3.4%", 0.034).in_language("fr") == "3,4\u00a0%"
    assert Share("23%", 0.23).in_language("fr") == "23\u00a0%"
    # A raw measure keeps its publisher's title; an indicator takes the declared one, lower-cased inside a sentence.
    assert SeriesTitle("Net migration (WDI)", "net_migration_wdi", "measure").in_language("fr") == "Net migration (WDI)"
    assert SeriesTitle("Migrant stock", "migrant_stock", "indicator", "title", True).in_language("fr")[0].islower()
    assert SeriesTitle("UNHCR refugees", "no_such_indicator", "indicator", in_sentence=True) == "UNHCR refugees"


def test_lists_use_the_languages_separator():
    items = Joined([Phrase("no place recognised"), Phrase("could not tell who moves where")])
    assert items == "no place recognised; could not tell who moves where"
    assert "؛ " in items.in_language("ar") and "；" in items.in_language("zh") and "; " in items.in_language("ru")


def test_share_percent_follows_the_language():
    assert share_percent(0.5, "ar").startswith("٪") or "%" in share_percent(0.5, "ar")
    assert share_percent(0.05, "zh") == "5.0%"


def test_said_in_walks_plain_data():
    data = {"figures": [{"label": Phrase("the world"), "value": 1.0}], "code": "WLD", "years": (2020,)}
    french = said_in(data, "fr")
    assert french == {"figures": [{"label": gettext_for("fr")("the world"), "value": 1.0}], "code": "WLD",
                      "years": [2020]}  # fmt: skip
    assert type(french["figures"][0]["label"]) is str
