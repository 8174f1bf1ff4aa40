"""The document model shared by profiles, briefs and reports: sections of blocks holding Figures."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from observatory.publish.figures import Figure

Inline = list  # a list of str and Figure parts, rendered in order


@dataclass
class Text:
    """A paragraph mixing words and Figures."""

    parts: Inline
    style: str = "p"  # 'p', 'lead' (key message), 'small'


@dataclass
class Bullets:
    """A bulleted list; each item is a list of str and Figure parts."""

    items: list[Inline]
    style: str = "ul"


@dataclass
class FigureTable:
    """Key figures: one row per Figure with its year, status and sources."""

    caption: str
    figures: list[Figure]
    numbered: bool = True


@dataclass
class Link:
    """A table cell linking out: short text shown, the full address kept as the link."""

    text: str
    href: str


@dataclass
class Table:
    """A table whose cells are text, Links or Figures; `widths` (per cent per column) fixes the layout in print."""

    caption: str
    columns: list[str]
    rows: list[list]
    note: str = ""
    numbered: bool = True
    row_ids: list[str] | None = None
    css_class: str = "data"
    widths: list[int] | None = None


@dataclass
class Chart:
    """A chart rendered to SVG (and PNG on demand) with the Figures it plots."""

    caption: str
    svg: str
    figures: list[Figure]
    spec: dict
    note: str = ""
    wide: bool = True


@dataclass
class Notice:
    """A short remark: a data gap, a caveat, or the absence of related evidence."""

    text: str
    kind: str = "gap"  # 'gap', 'info'


@dataclass
class Prose:
    """Author's Markdown with Figures inline (report chapters): parts are Markdown strings and Figures."""

    parts: Inline


@dataclass
class FindingBox:
    """A finding stated in a publication: statement, calibrated confidence, likelihood and its references."""

    id: str
    statement: str
    confidence: str
    evidence: str
    agreement: str
    likelihood: str | None = None
    probability: tuple[int, int] | None = None
    confidence_note: str | None = None
    citations: list[int] = field(default_factory=list)  # numbers in the document's references (reports)
    references: list[str] = field(default_factory=list)  # written out under the finding (profiles)
    number: str = ""
    chapter: str = ""


@dataclass
class Section:
    """A titled part of a document."""

    id: str
    title: str
    blocks: list = field(default_factory=list)
    level: int = 2


@dataclass
class Document:
    """A profile, brief or report ready to render; `meta` holds kind-specific keys (area, corridor, ...)."""

    kind: str
    title: str
    subtitle: str
    release_id: str
    sections: list[Section] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    references: list[str] = field(default_factory=list)

    def section(self, section_id: str) -> Section:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)


def block_figures(block) -> Iterator[Figure]:
    """Every Figure a block shows."""
    if isinstance(block, Text):
        yield from (p for p in block.parts if isinstance(p, Figure))
    elif isinstance(block, Bullets):
        for item in block.items:
            yield from (p for p in item if isinstance(p, Figure))
    elif isinstance(block, FigureTable):
        yield from block.figures
    elif isinstance(block, Table):
        for row in block.rows:
            yield from (c for c in row if isinstance(c, Figure))
    elif isinstance(block, Prose):
        yield from (p for p in block.parts if isinstance(p, Figure))
    elif isinstance(block, Chart):
        yield from block.figures


def iter_figures(document: Document) -> Iterator[Figure]:
    """Every Figure in the document, in reading order."""
    for section in document.sections:
        for block in section.blocks:
            yield from block_figures(block)


def source_ids(document: Document) -> list[str]:
    """Dataset ids cited by the document, in first-use order."""
    seen: dict[str, None] = {}
    for figure in iter_figures(document):
        for source in figure.sources:
            seen.setdefault(source, None)
    return list(seen)


def gaps(document: Document) -> list[Figure]:
    """Missing Figures, one per label and place (the data-gaps section lists them)."""
    found: dict[tuple, Figure] = {}
    for figure in iter_figures(document):
        if figure.missing:
            found.setdefault((figure.label, figure.area, figure.origin, figure.destination), figure)
    return list(found.values())
