"""The portal's catalogues follow each language's glossary: a message naming a glossary term in English names it in
the language's own term (inflected or not), as the declarations do."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from observatory.i18n.glossary import glossary
from observatory.i18n.messages import TRANSLATED_LANGUAGES, read_catalogue

CODE = re.compile(r"<code>.*?</code>", re.S)


def _declarations_tests():
    """tests/i18n/test_declarations.py (its term matching), imported by path."""
    name = "i18n_declarations_tests"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("test_declarations.py"))
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[name] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    return sys.modules[name]


def departures(lang: str, catalogue) -> list[tuple[str, str, str]]:
    """(term key, msgid, translation) of each message that names a term in English but not in the glossary's words;
    commands (<code>) and English kept on purpose in the translation (an example claim to type) are not terms used."""
    matching = _declarations_tests()
    english, terms = glossary("en"), glossary(lang)
    found = []
    for message in catalogue:
        if not message.id:
            continue
        msgid = CODE.sub(" ", message.id if isinstance(message.id, str) else message.id[0])
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for key, term_en in english.items():
            if not matching._english_has_term(msgid, term_en):
                continue
            for string in strings:
                if matching._english_has_term(string, term_en):
                    continue  # the English kept as written, e.g. the example claim of the claim form
                if not matching._uses_term(string, terms[key], lang):
                    found.append((key, msgid, string))
    return found


@pytest.mark.parametrize("lang", TRANSLATED_LANGUAGES)
def test_catalogue_follows_the_glossary(lang):
    """Every message with a glossary term in English uses the language's term for it."""
    found = departures(lang, read_catalogue(lang))
    assert not found, f"{lang}: {len(found)} messages depart from glossary/{lang}.yml, e.g. {found[:5]}"


def test_a_departure_is_named():
    """A French catalogue calling remittances 'transferts' is caught (a check that cannot fail is none)."""
    from babel.messages.catalog import Catalog

    catalogue = Catalog(locale="fr")
    catalogue.add("Remittances received", "Transferts reçus")
    catalogue.add("Migrant stock", "Stock de migrants")
    assert [key for key, _, _ in departures("fr", catalogue)] == ["remittances"]
