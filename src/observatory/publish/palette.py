"""Series colours of the publications, bound to series names so that one name has one colour in a whole document."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache, wraps
from typing import ParamSpec, TypeVar

from observatory.i18n.messages import TRANSLATED_LANGUAGES, gettext_for

# The portal's colour-blind-safe set (Okabe & Ito, yellow and sky blue swapped for black and a violet that keep 3:1
# contrast on white): the same colours in print and on screen; the portal's charts read it from here. Every pair stays
# apart under protanopia, deuteranopia and tritanopia (tests/web/test_palette.py).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#7B2FD0")
BAR_COLOUR = PALETTE[0]

# Names whose meaning recurs across charts keep one colour in every document: the sexes (line charts and the age
# pyramid), the total, and the two directions of migration.
FIXED = {
    "men": PALETTE[0],
    "male": PALETTE[0],
    "women": PALETTE[3],
    "female": PALETTE[3],
    "total": PALETTE[4],
    "Immigrants": PALETTE[1],
    "Immigration": PALETTE[1],
    "Emigrants": PALETTE[2],
    "Emigration": PALETTE[2],
}


@lru_cache(maxsize=1)
def fixed_colours() -> dict[str, str]:
    """FIXED with each name also as the publications' catalogues translate it (a French 'femmes' is 'women')."""
    colours = dict(FIXED)
    for lang in TRANSLATED_LANGUAGES:
        _ = gettext_for(lang)
        for name, colour in FIXED.items():
            colours.setdefault(_(name), colour)
    return colours


class SeriesColours:
    """The colour of each series name in one document: declared names keep theirs, others get a colour at first use
    that no other series of the same chart has, preferring colours no name of the document has yet."""

    def __init__(self) -> None:
        self.assigned: dict[str, str] = {}

    def colours(self, names: Sequence[str]) -> list[str]:
        """One colour per name (names in the order of the chart's legend), distinct within the chart."""
        chosen: dict[str, str] = {}
        for name in names:
            known = fixed_colours().get(name) or self.assigned.get(name)
            if known and known not in chosen.values():
                chosen[name] = known
        for name in names:
            if name in chosen:
                continue
            free = [c for c in PALETTE if c not in chosen.values()] or list(PALETTE)
            unused = [c for c in free if c not in self.assigned.values() and c not in FIXED.values()]
            chosen[name] = (unused or [c for c in free if c not in self.assigned.values()] or free)[0]
            self.assigned.setdefault(name, chosen[name])
        return [chosen[name] for name in names]


_DOCUMENT_COLOURS: ContextVar[SeriesColours | None] = ContextVar("document_colours", default=None)


def current() -> SeriesColours:
    """The colours of the document being built (a fresh set outside one: the declared names still hold)."""
    return _DOCUMENT_COLOURS.get() or SeriesColours()


@contextmanager
def document_colours() -> Iterator[SeriesColours]:
    """Bind series colours for the charts built inside (one document); per thread and task, so builds can overlap."""
    colours = SeriesColours()
    token = _DOCUMENT_COLOURS.set(colours)
    try:
        yield colours
    finally:
        _DOCUMENT_COLOURS.reset(token)


Params = ParamSpec("Params")
Result = TypeVar("Result")


def one_colour_key(build: Callable[Params, Result]) -> Callable[Params, Result]:
    """Decorate a document builder so that every chart of the document shares one SeriesColours."""

    @wraps(build)
    def wrapped(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        with document_colours():
            return build(*args, **kwargs)

    return wrapped
