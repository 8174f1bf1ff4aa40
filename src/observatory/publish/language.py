"""The language of a publication: its messages (the portal's gettext catalogues) and sentences with numbers in them.

A sentence that carries numbers is one message with named placeholders ("%(country)s hosted %(refugees)s refugees in
%(year)s."), so a translator can put each number where the language wants it; `sentence` cuts the translated text
at the placeholders and puts the Figures (kept whole, with their sources) and the words in their places.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from observatory.i18n.declarations import TERMS, term
from observatory.i18n.languages import DEFAULT_LANGUAGE, checked_language
from observatory.i18n.messages import gettext_for

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def N_(message: str) -> str:
    """Mark a message for extraction where it is declared; it is translated where it is shown."""
    return message


def translator(lang: str | None) -> Callable[[str], str]:
    """The `_` of a publication's language (English: the message itself)."""
    return gettext_for(checked_language(lang or DEFAULT_LANGUAGE))


def sentence(message: str, **values) -> list:
    """A translated message as inline parts: text between placeholders, each placeholder's value (a Figure or text).

    A placeholder the message names but `values` lacks is a programming error (KeyError), never silently left out.
    """
    parts: list = []
    position = 0
    for match in PLACEHOLDER.finditer(message):
        if match.start() > position:
            parts.append(message[position : match.start()].replace("%%", "%"))
        parts.append(values[match.group(1)])
        position = match.end()
    if position < len(message):
        parts.append(message[position:].replace("%%", "%"))
    return parts


def text(message: str, **values) -> str:
    """A translated message with its placeholders filled by text (no Figures)."""
    return "".join(str(part) for part in sentence(message, **values))


def status_label(status: str | None, lang: str) -> str:
    """A value's status (reported, estimated, modelled, minimum) in `lang`, in the declarations' words."""
    return term(status, lang) if status in TERMS else (status or "")
