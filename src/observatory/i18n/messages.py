"""The portal's gettext catalogues: locale/<lang>/LC_MESSAGES/messages.po, compiled in memory at first use.

The `.po` files are the only form kept in the repository and the package: compiling them when a language is first
asked for (babel.messages.mofile into a buffer) means no build step can leave a stale `.mo` beside a newer `.po`.
English is the msgid itself, so its catalogue is empty (gettext's NullTranslations).
"""

from __future__ import annotations

import gettext as gettext_module
import io
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from observatory.i18n.languages import DEFAULT_LANGUAGE, LANGUAGES, checked_language

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
TRANSLATED_LANGUAGES = tuple(code for code in LANGUAGES if code != DEFAULT_LANGUAGE)
# A catalogue of the portal holds a few thousand short messages; a file far larger is not one of ours.
MAX_CATALOGUE_BYTES = 4 * 2**20


def catalogue_path(lang: str) -> Path:
    """Where the `.po` file of a language lives in the package."""
    return LOCALE_DIR / checked_language(lang) / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(lang: str) -> Catalog:
    """The parsed `.po` catalogue of a translated language."""
    path = catalogue_path(lang)
    if path.stat().st_size > MAX_CATALOGUE_BYTES:
        raise ValueError(f"{path.name} of {lang} is larger than a message catalogue can be")
    with path.open("rb") as handle:
        return read_po(handle, locale=lang, domain=DOMAIN)


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> gettext_module.NullTranslations:
    """The gettext translations of a language (compiled from its `.po` once per process); English: the msgids."""
    lang = checked_language(lang)
    if lang == DEFAULT_LANGUAGE:
        return gettext_module.NullTranslations()
    buffer = io.BytesIO()
    # Fuzzy entries are guesses of msgmerge, never shown to a reader (tests keep the files free of them anyway).
    write_mo(buffer, read_catalogue(lang), use_fuzzy=False)
    buffer.seek(0)
    return gettext_module.GNUTranslations(buffer)


def gettext_for(lang: str) -> Callable[[str], str]:
    """The `_` of a language: a message's translation, or the message itself where the catalogue has none."""
    return translations(lang).gettext


def ngettext_for(lang: str) -> Callable[[str, str, int], str]:
    """The plural-aware `ngettext` of a language."""
    return translations(lang).ngettext
