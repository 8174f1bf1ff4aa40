"""The portal's gettext catalogues: every message translated in all five languages, no fuzzy entries, placeholders
kept, and pages served in a language carry no English sentence of the templates."""

from __future__ import annotations

import html
import importlib.util
import re
import sys
import urllib.request
from pathlib import Path

import pytest

from observatory.i18n.messages import TRANSLATED_LANGUAGES, read_catalogue, translations

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
TAG = re.compile(r"<[^>]+>")
# Pages rendered in every language: home, a country page and the claim check with a claim read and its data shown.
PAGES = ("/", "/countries/DEU", "/claims?claim=Most+African+migrants+go+to+Europe")


def _load(name: str, path: Path):
    """A helper module by path (scripts/ and tests/api/ are not packages)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def template():
    """The messages extracted now from the web code and templates (babel.cfg), as scripts/messages.py extracts them."""
    return _load("observatory_messages_script", ROOT / "scripts" / "messages.py").extracted()


def _ids(template) -> list[str | tuple[str, ...]]:
    """The msgids of the extracted template (plural messages as (singular, plural))."""
    return [message.id if isinstance(message.id, str) else tuple(message.id) for message in template if message.id]


def test_extraction_finds_the_portal_messages(template):
    """The extraction reads templates, Python pages and declared labels (a broken babel.cfg would find nothing)."""
    ids = _ids(template)
    assert len(ids) > 150
    for expected in ("Skip to content", "Key global figures", "Check a claim", "Group origins by", "World Bank region"):
        assert expected in ids


@pytest.mark.parametrize("lang", TRANSLATED_LANGUAGES)
def test_every_message_is_translated(template, lang):
    """Every extracted msgid has a non-empty, non-fuzzy translation in the language's catalogue."""
    catalogue = read_catalogue(lang)
    missing, fuzzy = [], []
    for message_id in _ids(template):
        found = catalogue.get(message_id)
        strings = (found.string if isinstance(found.string, tuple) else (found.string,)) if found else ()
        if found is None or not strings or not all(strings):
            missing.append(message_id)
        elif found.fuzzy:
            fuzzy.append(message_id)
    assert not missing, f"{lang}: no translation of {missing[:10]} ({len(missing)} in all)"
    assert not fuzzy, f"{lang}: fuzzy entries {fuzzy[:10]}"


@pytest.mark.parametrize("lang", TRANSLATED_LANGUAGES)
def test_placeholders_are_kept(lang):
    """A translation names exactly the placeholders of its msgid (a lost %(year)s would raise or drop a number)."""
    wrong = []
    for message in read_catalogue(lang):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != wanted:
                wrong.append((ids[0], string))
    assert not wrong, f"{lang}: placeholders differ in {wrong[:5]}"


@pytest.mark.parametrize("lang", TRANSLATED_LANGUAGES)
def test_catalogue_compiles_and_translates(lang):
    """The `.po` compiles in memory and answers gettext with its own text, not the English msgid."""
    assert translations(lang).gettext("Key global figures") != "Key global figures"


def test_a_broken_catalogue_is_named(tmp_path, monkeypatch):
    """The completeness check fails on an untranslated message and says which (a check that cannot fail is none)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from observatory.i18n import messages

    catalogue = Catalog(locale="fr", domain="messages")
    catalogue.add("Key global figures", "")
    folder = tmp_path / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.po").open("wb") as handle:
        write_po(handle, catalogue)
    monkeypatch.setattr(messages, "LOCALE_DIR", tmp_path)
    found = messages.read_catalogue("fr").get("Key global figures")
    assert found is not None and not found.string


def _english_sentences(template) -> set[str]:
    """The template messages of three words or more, as they read on a page (tags and placeholders taken out)."""
    sentences = set()
    for message_id in _ids(template):
        for text in message_id if isinstance(message_id, tuple) else (message_id,):
            for part in PLACEHOLDER.split(TAG.sub("\n", text)):
                for piece in part.split("\n"):
                    piece = html.unescape(piece).strip(" .,;:()")
                    if len(piece.split()) >= 3:
                        sentences.add(piece)
    return sentences


@pytest.fixture(scope="module")
def portal(real_release, tmp_path_factory):
    """Base URL of a real server on the real release."""
    server = _load("portal_test_server", ROOT / "tests" / "api" / "server.py")
    with server.running_server(real_release, tmp_path_factory.mktemp("logs") / "i18n.log") as base:
        yield base


def _visible_text(page: str) -> str:
    """A page's text as a reader sees it: no scripts (chart specs), no tags, entities decoded, one line."""
    page = re.sub(r"<script\b.*?</script>", " ", page, flags=re.S)
    page = re.sub(r'<[^>]*\blang="en"[^>]*>.*?</(p|ul|span|option)>', " ", page, flags=re.S)  # says it is English
    return " ".join(html.unescape(TAG.sub(" ", page)).split())


@pytest.mark.parametrize("lang", TRANSLATED_LANGUAGES)
def test_rendered_pages_carry_no_english_sentence(portal, template, lang):
    """Home, a country page and the claim check in each language: no template sentence of ≥ 3 words in English."""
    sentences = _english_sentences(template)
    for path in PAGES:
        with urllib.request.urlopen(f"{portal}/{lang}{path}", timeout=120) as response:
            assert response.status == 200
            page = response.read().decode()
        assert f'<html lang="{lang}"' in page
        text = _visible_text(page)
        found = sorted(s for s in sentences if s in text)
        assert not found, f"/{lang}{path} shows English: {found[:5]}"


def test_language_prefix_keeps_links_redirects_and_cache_apart(portal):
    """A French page links to French pages, redirects stay French, and its ETag differs from the English page's."""
    with urllib.request.urlopen(f"{portal}/fr/countries/DEU", timeout=120) as response:
        french = response.read().decode()
        french_etag = response.headers["ETag"]
    with urllib.request.urlopen(f"{portal}/countries/DEU", timeout=120) as response:
        english_etag = response.headers["ETag"]
    assert french_etag != english_etag
    assert 'href="/fr/countries"' in french and 'href="/countries/DEU" hreflang="en"' in french
    assert 'href="/static/portal.css"' in french and 'href="/api/profiles/DEU"' in french
    with urllib.request.urlopen(f"{portal}/fr/countries/deu", timeout=120) as response:  # follows the redirect
        assert response.url.endswith("/fr/countries/DEU")
    for unknown in ("/fr/api/areas", "/en/countries/DEU", "/de/countries/DEU"):
        with pytest.raises(urllib.error.HTTPError, match="^HTTP Error 404: ") as refused:
            urllib.request.urlopen(f"{portal}{unknown}", timeout=60)
        refused.value.close()  # the error holds the open response
        assert refused.value.code == 404, unknown
