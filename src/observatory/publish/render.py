"""Render a Document to self-contained HTML, PDF (WeasyPrint), Markdown or JSON."""

from __future__ import annotations

import base64
import html
import json
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, select_autoescape

from observatory.i18n.declarations import TERMS, term
from observatory.i18n.languages import direction
from observatory.i18n.messages import translations
from observatory.publish.document import (
    Bullets,
    Chart,
    Document,
    FigureTable,
    FindingBox,
    Link,
    Notice,
    Prose,
    Table,
    Text,
    iter_figures,
    source_ids,
)
from observatory.publish.figures import Figure, display
from observatory.publish.language import N_, sentence, text, translator

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

FORMATS = ("html", "pdf", "md", "json")
# The masthead's name of each kind of document.
KIND_NAMES = {
    "country-profile": N_("country profile"),
    "corridor-profile": N_("corridor profile"),
    "brief": N_("brief"),
    "report": N_("report"),
}
PDF_VARIANT = "pdf/ua-1"
LANGUAGE = "en"  # a document's language is document.meta["language"] (set from ReleaseData.lang); English else
STYLESHEET = Path(__file__).parent / "templates" / "publication.css"


@lru_cache(maxsize=8)
def _environment(lang: str) -> Environment:
    """The publication templates with the language's messages installed, compiled once per process and language."""
    env = Environment(
        loader=PackageLoader("observatory.publish", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks are read as one line, as babel.cfg extracts them
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


@lru_cache(maxsize=1)
def _stylesheet_text() -> str:
    return STYLESHEET.read_text(encoding="utf-8")


@lru_cache(maxsize=8)
def _print_tools(thread: int) -> tuple[FontConfiguration, CSS]:
    """WeasyPrint's font configuration and the parsed stylesheet, made once per thread (keyed by the thread's id)
    because a Pango font map must not be used by two threads at once."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    return fonts, CSS(string=_stylesheet_text(), font_config=fonts)


@lru_cache(maxsize=48)
def _page_sheet(thread: int, lang: str) -> CSS:
    """The running footer of a language as a parsed sheet, once per thread and language (see _print_tools)."""
    from weasyprint import CSS

    fonts, _ = _print_tools(thread)
    return CSS(string=page_css(Numbering(Document("", "", "", "", meta={"language": lang}))), font_config=fonts)


class Numbering:
    """Figure and table numbers and dataset citation numbers for one rendering (for print: see to_html)."""

    def __init__(self, document: Document, for_print: bool = False):
        self.for_print = for_print
        self.lang = document.meta.get("language") or LANGUAGE
        self._ = translator(self.lang)
        self.sources = {source: n for n, source in enumerate(source_ids(document), start=1)}
        self.figures = 0
        self.tables = 0

    def next_figure(self) -> int:
        self.figures += 1
        return self.figures

    def next_table(self) -> int:
        self.tables += 1
        return self.tables

    def cites(self, sources) -> list[int]:
        return sorted({self.sources[s] for s in sources if s in self.sources})


# --- HTML ------------------------------------------------------------------------------------------------


def _attrs(figure: Figure) -> str:
    """data-* attributes that let a reader (or a test) trace the number to the release."""
    fields = {
        "origin-kind": figure.origin_kind,
        "key": figure.key,
        "area": figure.area,
        "origin": figure.origin,
        "destination": figure.destination,
        "year": figure.year,
        "period": figure.period,
        "sex": figure.sex,
        "age": figure.age,
        "category": figure.category,
        "status": figure.status,
        "value": "" if figure.value is None else repr(float(figure.value)),
        "sources": " ".join(figure.sources),
        "revision": figure.revision,
        "partial-until": figure.partial_until.isoformat() if figure.partial_until else None,
        "aggregated": "true" if figure.aggregated else None,
    }
    return " ".join(f'data-{k}="{html.escape(str(v))}"' for k, v in fields.items() if v is not None)


def numbered(kind: str, number: int, numbering: Numbering) -> str:
    """'Figure 3' or 'Table 3' in the document's language."""
    message = numbering._("Figure %(number)s") if kind == "Figure" else numbering._("Table %(number)s")
    return text(message, number=number)


def label_html(kind: str, number: int, numbering: Numbering) -> str:
    """'Figure 3.' or 'Table 3.' kept on one line (a caption must never break between the word and its number)."""
    label = numbered(kind, number, numbering).replace(" ", "\u00a0")
    return f'<span class="label">{label}.</span>'


def _cite_html(numbers: list[int]) -> str:
    return "".join(f'<sup class="cite"><a href="#src-{n}">[{n}]</a></sup>' for n in numbers)


def figure_html(figure: Figure, numbering: Numbering, with_reason: bool = True) -> str:
    """A number with its citation, or 'no data' with the reason (data-* attributes trace it, except in print)."""
    if figure.missing:
        why = figure.reason or numbering._("no reason recorded")
        reason = f' <span class="reason">({html.escape(why)})</span>' if with_reason else ""
        traced = "" if numbering.for_print else f' {_attrs(figure)} data-reason="{html.escape(figure.reason or "")}"'
        return f'<span class="num missing"{traced}>{html.escape(display(figure))}</span>{reason}'
    traced = "" if numbering.for_print else f" {_attrs(figure)}"
    return (
        f'<span class="num"{traced}>{html.escape(display(figure))}</span>{_cite_html(numbering.cites(figure.sources))}'
    )


def inline_html(parts: list, numbering: Numbering) -> str:
    return "".join(figure_html(p, numbering) if isinstance(p, Figure) else html.escape(str(p)) for p in parts)


def prose_html(block: Prose, numbering: Numbering) -> str:
    """Render the author's Markdown, then put each Figure (with its citation) where its directive stood."""
    from markdown_it import MarkdownIt

    slots: list[str] = []
    text = ""
    for part in block.parts:
        if isinstance(part, Figure):
            text += f"\u2063{len(slots)}\u2063"
            slots.append(figure_html(part, numbering))
        else:
            text += part
    rendered = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    for index, snippet in enumerate(slots):
        rendered = rendered.replace(f"\u2063{index}\u2063", snippet)
    return rendered


def _status(figure: Figure, numbering: Numbering) -> str:
    """A value's status (reported, estimated, modelled, minimum) and its coverage, in the document's language."""
    bits = [term(figure.status, numbering.lang) if figure.status in TERMS else (figure.status or "")]
    if figure.coverage is not None:
        share = display(Figure(label="", origin_kind="", key="", unit="share", value=figure.coverage, lang=figure.lang))
        bits.append(text(numbering._("coverage %(share)s"), share=share))
    return ", ".join(b for b in bits if b)


def _table_id(number: int | None) -> str:
    return f' id="tab-{number}"' if number else ""


def _calibrated(box: FindingBox, numbering: Numbering) -> tuple[str, str]:
    """(likelihood words, confidence words) of a finding, as plain text (the confidence in the document's language,
    in the words the portal uses for it)."""
    likely = (
        f"{box.likelihood} ({box.probability[0]}–{box.probability[1]} %)" if box.likelihood and box.probability else ""
    )
    return likely, f"{{{numbering._(f'{box.confidence} confidence')}}}"


def finding_html(box: FindingBox, numbering: Numbering) -> str:
    """A finding as an aside: number, statement, likelihood, {confidence}, citations and references."""
    _ = numbering._
    likely, confident = _calibrated(box, numbering)
    cites = "".join(f"[{n}]" for n in box.citations)  # plain, like the report's [@key] citations
    statement = html.escape(box.statement.rstrip(". "))
    words = (f", <em>{html.escape(likely)}</em>" if likely else "") + f' <span class="confidence">{confident}</span>'
    note = (
        " " + html.escape(text(_("Confidence note: %(note)s"), note=box.confidence_note)) if box.confidence_note else ""
    )
    refs = (
        '<ol class="finding-refs">' + "".join(f"<li>{html.escape(r)}</li>" for r in box.references) + "</ol>"
        if box.references
        else ""
    )
    label = f"<strong>{html.escape(box.number)}.</strong> " if box.number else ""
    weight = text(
        _("Evidence: %(evidence)s; agreement: %(agreement)s."), evidence=box.evidence, agreement=box.agreement
    )
    return (
        f'<aside class="finding" id="finding-{html.escape(box.id)}" data-finding="{html.escape(box.id)}" '
        f'data-confidence="{html.escape(box.confidence)}"><p>{label}{statement}{words}{cites}.</p>'
        f'<p class="small">{html.escape(weight)}{note}</p>'
        f"{refs}</aside>"
    )


RTL_CHART_SCALE = 3  # pixels per SVG unit of a right-to-left document's chart images: sharp at print resolution


def print_image(svg: str, lang: str) -> str:
    """A chart as the data address of the image a PDF shows: the SVG itself, except in a right-to-left language,
    where WeasyPrint would set each letter of the SVG's text apart and left to right (Arabic unjoined and reversed),
    so the chart is drawn by vl-convert (resvg: shaped, bidirectional text) as a PNG instead."""
    if direction(lang) == "rtl":
        import vl_convert as vlc

        png = vlc.svg_to_png(svg, scale=RTL_CHART_SCALE)
        return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def chart_html(block: Chart, numbering: Numbering) -> str:
    """A chart with its number, caption and sources; for print the SVG is an image (WeasyPrint parses it as XML,
    much faster than as HTML) and the figures' data attribute, which only scripts read, is left out."""
    number = numbering.next_figure()
    sources = numbering.cites({s for f in block.figures for s in f.sources})
    links = "".join(f'<a href="#src-{n}">[{n}]</a>' for n in sources)
    cite = " " + text(html.escape(numbering._("Source: %(sources)s.")), sources=links) if sources else ""
    note = " " + html.escape(block.note) if block.note else ""
    caption = (
        f"<figcaption>{label_html('Figure', number, numbering)} {html.escape(block.caption)}.{cite}{note}</figcaption>"
    )
    kind = "wide" if block.wide else "half"
    if numbering.for_print:
        image = print_image(block.svg, numbering.lang)
        # the tagged PDF's alternative text
        alt = html.escape(f"{numbered('Figure', number, numbering)}: {block.caption}", quote=True)
        return (
            f'<figure class="chart {kind}" id="fig-{number}"><div class="svg">'
            f'<img src="{image}" alt="{alt}"></div>{caption}</figure>'
        )
    data = html.escape(json.dumps([f.to_dict() for f in block.figures]))
    return (
        f'<figure class="chart {kind}" id="fig-{number}" data-figures="{data}">'
        f'<div class="svg">{block.svg}</div>{caption}</figure>'
    )


def _cell_html(cell, numbering: Numbering) -> str:
    """One table cell: a number with its citation, a link (short text, full address) or text."""
    if isinstance(cell, Figure):
        return f'<td class="value">{figure_html(cell, numbering)}</td>'
    if isinstance(cell, Link):
        return f'<td class="link"><a href="{html.escape(cell.href, quote=True)}">{html.escape(cell.text)}</a></td>'
    return f"<td>{html.escape(str(cell))}</td>"


def block_html(block, numbering: Numbering) -> str:
    """One block as HTML."""
    if isinstance(block, FindingBox):
        return finding_html(block, numbering)
    if isinstance(block, Text):
        return f'<p class="{block.style}">{inline_html(block.parts, numbering)}</p>'
    if isinstance(block, Bullets):
        tag = "ol" if block.style == "ol" else "ul"
        items = "".join(f"<li>{inline_html(item, numbering)}</li>" for item in block.items)
        return f'<{tag} class="{block.style}">{items}</{tag}>'
    if isinstance(block, Notice):
        return f'<p class="notice {block.kind}">{html.escape(block.text)}</p>'
    if isinstance(block, Prose):
        return prose_html(block, numbering)
    if isinstance(block, FigureTable):
        number = numbering.next_table() if block.numbered else None
        head = label_html("Table", number, numbering) + " " if number else ""
        _ = numbering._
        rows = "".join(
            f'<tr><td>{html.escape(f.label)}</td><td class="value">{figure_html(f, numbering, with_reason=False)}</td>'
            f"<td>{html.escape(f.when)}</td>"
            f"<td>{html.escape(_status(f, numbering) if not f.missing else (f.reason or ''))}</td></tr>"
            for f in block.figures
        )
        return (
            f'<table class="figures"{_table_id(number)}><caption>{head}{html.escape(block.caption)}</caption>'
            f"<thead><tr><th>{_('Indicator')}</th><th>{_('Value')}</th><th>{_('Year')}</th>"
            f"<th>{_('Status / reason')}</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
    if isinstance(block, Table):
        number = numbering.next_table() if block.numbered else None
        head = label_html("Table", number, numbering) + " " if number else ""
        header = "".join(f"<th>{html.escape(c)}</th>" for c in block.columns)
        ids: Sequence[str | None] = block.row_ids or [None] * len(block.rows)
        body = "".join(
            (f'<tr id="{row_id}">' if row_id else "<tr>") + "".join(_cell_html(c, numbering) for c in row) + "</tr>"
            for row_id, row in zip(ids, block.rows, strict=False)
        )
        note = f'<p class="tablenote">{html.escape(block.note)}</p>' if block.note else ""
        columns = (
            "<colgroup>" + "".join(f'<col style="width: {int(w)}%">' for w in block.widths) + "</colgroup>"
            if block.widths
            else ""
        )
        fixed = " fixed" if block.widths else ""
        return (
            f'<table class="{block.css_class}{fixed}"{_table_id(number)}>'
            f"<caption>{head}{html.escape(block.caption)}</caption>{columns}"
            f"<thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>{note}"
        )
    if isinstance(block, Chart):
        return chart_html(block, numbering)
    raise TypeError(f"unknown block {type(block).__name__}")


def to_html(document: Document, layout: str = "document", for_print: bool = False) -> str:
    """A self-contained HTML page (CSS and SVG inline). For print (WeasyPrint, which parses HTML slowly): charts as
    images, no data-* attributes (a PDF cannot carry them) and no stylesheet (to_pdf passes the one parsed once)."""
    numbering = Numbering(document, for_print=for_print)
    sections = [
        {"id": s.id, "title": s.title, "level": s.level, "html": "".join(block_html(b, numbering) for b in s.blocks)}
        for s in document.sections
    ]
    # For print the sheets are parsed once per thread (to_pdf): the page carries none.
    css = "" if for_print else _stylesheet_text() + "\n" + page_css(numbering)
    return (
        _environment(numbering.lang)
        .get_template("publication.html.j2")
        .render(
            document=document,
            sections=sections,
            css=css,
            layout=layout,
            language=numbering.lang,
            text_direction=direction(numbering.lang),
            kind_name=numbering._(KIND_NAMES.get(document.kind, document.kind)),
        )
    )


def _css_string(words: str) -> str:
    """Words as a CSS string (quotes, backslashes and line ends taken out: translators' text never ends it)."""
    return '"' + "".join(c for c in words if c not in '"\\\n\r<>') + '"'


def page_css(numbering: Numbering) -> str:
    """The running footer in the document's language: the observatory's name, 'page n of m' with CSS counters."""
    counters = {"page": "counter(page)", "pages": "counter(pages)"}
    parts = sentence(numbering._("page %(page)s of %(pages)s"), **counters)
    pages = " ".join(p if p in counters.values() else _css_string(p) for p in parts if p)
    name = _css_string(numbering._("Migration Observatory"))
    return f"@page {{ @bottom-left {{ content: {name}; }} @bottom-right {{ content: {pages}; }} }}"


def to_pdf(document: Document, layout: str = "document") -> bytes:
    """PDF bytes via WeasyPrint (A4), with this thread's font configuration and parsed stylesheet."""
    from weasyprint import HTML

    fonts, stylesheet = _print_tools(threading.get_ident())
    footer = _page_sheet(threading.get_ident(), document.meta.get("language") or LANGUAGE)
    page = to_html(document, layout=layout, for_print=True)
    # PDF/UA-1: a tagged PDF (structure tree from the HTML, images' alt text) with the page's <html lang> and
    # <title> as the document's language and title, so screen readers can read it.
    return HTML(string=page).write_pdf(font_config=fonts, stylesheets=[stylesheet, footer], pdf_variant=PDF_VARIANT)


# --- Markdown --------------------------------------------------------------------------------------------


def figure_md(figure: Figure, numbering: Numbering) -> str:
    if figure.missing:
        return f"{display(figure)} ({figure.reason or numbering._('no reason recorded')})"
    cites = "".join(f"[{n}]" for n in numbering.cites(figure.sources))
    return f"**{display(figure)}**{cites}"


def inline_md(parts: list, numbering: Numbering) -> str:
    return "".join(figure_md(p, numbering) if isinstance(p, Figure) else str(p) for p in parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _cell_md(cell, numbering: Numbering) -> str:
    if isinstance(cell, Figure):
        return figure_md(cell, numbering)
    if isinstance(cell, Link):
        return f"[{cell.text}](<{cell.href}>)"
    return str(cell)


def finding_md(box: FindingBox, numbering: Numbering) -> str:
    """A finding as a Markdown quote with its calibrated words, citations and references."""
    _ = numbering._
    likely, confident = _calibrated(box, numbering)
    label = f"**{box.number}.** " if box.number else ""
    text = f"> {label}{box.statement.rstrip('. ')}" + (f", *{likely}*" if likely else "") + f" {confident}"
    text += "".join(f"[{n}]" for n in box.citations) + "."
    weight = _("Evidence: %(evidence)s; agreement: %(agreement)s.") % {
        "evidence": box.evidence,
        "agreement": box.agreement,
    }
    lines = [text, ">", f"> {weight}"]
    if box.confidence_note:
        lines[-1] += " " + _("Confidence note: %(note)s") % {"note": box.confidence_note}
    lines += [f"> {n}. {r}" for n, r in enumerate(box.references, start=1)]
    return "\n".join(lines)


def block_md(block, numbering: Numbering) -> str:
    """One block as Markdown."""
    if isinstance(block, FindingBox):
        return finding_md(block, numbering)
    if isinstance(block, Text):
        text = inline_md(block.parts, numbering)
        return f"> {text}" if block.style == "lead" else text
    if isinstance(block, Bullets):
        marker = "1." if block.style == "ol" else "-"
        return "\n".join(f"{marker} {inline_md(item, numbering)}" for item in block.items)
    if isinstance(block, Notice):
        return f"*{block.text}*"
    if isinstance(block, Prose):
        return inline_md(block.parts, numbering)
    if isinstance(block, FigureTable):
        number = numbering.next_table() if block.numbered else None
        _ = numbering._
        heads = (_("Indicator"), _("Value"), _("Year"), _("Status / reason"))
        lines = [
            f"**{numbered('Table', number, numbering)}. {block.caption}**" if number else f"**{block.caption}**",
            "",
            "| " + " | ".join(heads) + " |",
            "| --- | --- | --- | --- |",
        ]
        for f in block.figures:
            value = display(f) if f.missing else figure_md(f, numbering)
            lines.append(
                f"| {_cell(f.label)} | {_cell(value)} | {f.when} | "
                f"{_cell(_status(f, numbering) if not f.missing else f.reason or '')} |"
            )
        return "\n".join(lines)
    if isinstance(block, Table):
        number = numbering.next_table() if block.numbered else None
        lines = [
            f"**{numbered('Table', number, numbering)}. {block.caption}**" if number else f"**{block.caption}**",
            "",
            "| " + " | ".join(_cell(c) for c in block.columns) + " |",
            "|" + " --- |" * len(block.columns),
        ]
        for row in block.rows:
            lines.append("| " + " | ".join(_cell(_cell_md(c, numbering)) for c in row) + " |")
        if block.note:
            lines += ["", f"*{block.note}*"]
        return "\n".join(lines)
    if isinstance(block, Chart):
        number = numbering.next_figure()
        sources = "".join(f"[{n}]" for n in numbering.cites({s for f in block.figures for s in f.sources}))
        data = base64.b64encode(block.svg.encode("utf-8")).decode("ascii")
        label = numbered("Figure", number, numbering)
        caption = (
            f"{label}. {block.caption}."
            + (" " + numbering._("Source: %(sources)s.") % {"sources": sources} if sources else "")
            + (f" {block.note}" if block.note else "")
        )
        return f"![{label}](data:image/svg+xml;base64,{data})\n\n*{caption}*"
    raise TypeError(f"unknown block {type(block).__name__}")


def to_markdown(document: Document) -> str:
    """Markdown with charts embedded as SVG data URIs."""
    numbering = Numbering(document)
    release = numbering._("release %(release)s") % {"release": f"`{document.release_id}`"}
    lines = [f"# {document.title}", "", f"*{document.subtitle}* — {release}", ""]
    for section in document.sections:
        lines += ["#" * section.level + " " + section.title, ""]
        for block in section.blocks:
            lines += [block_md(block, numbering), ""]
    return "\n".join(lines).rstrip() + "\n"


# --- JSON ------------------------------------------------------------------------------------------------


def _cell_json(cell):
    if isinstance(cell, Figure):
        return cell.to_dict()
    if isinstance(cell, Link):
        return {"text": cell.text, "href": cell.href}
    return cell


def block_json(block) -> dict:
    """One block as a JSON-ready dict (the same numbers as the HTML)."""

    def parts(items):
        return [p.to_dict() if isinstance(p, Figure) else p for p in items]

    if isinstance(block, FindingBox):
        return {"type": "finding", **{k: v for k, v in vars(block).items()}}
    if isinstance(block, Text):
        return {"type": "text", "style": block.style, "parts": parts(block.parts)}
    if isinstance(block, Bullets):
        return {"type": "bullets", "items": [parts(item) for item in block.items]}
    if isinstance(block, Notice):
        return {"type": "notice", "kind": block.kind, "text": block.text}
    if isinstance(block, Prose):
        return {"type": "prose", "parts": parts(block.parts)}
    if isinstance(block, FigureTable):
        return {"type": "figures", "caption": block.caption, "figures": [f.to_dict() for f in block.figures]}
    if isinstance(block, Table):
        return {
            "type": "table",
            "caption": block.caption,
            "columns": block.columns,
            "rows": [[_cell_json(c) for c in row] for row in block.rows],
        }
    if isinstance(block, Chart):
        return {
            "type": "chart",
            "caption": block.caption,
            "figures": [f.to_dict() for f in block.figures],
            "vega_lite": block.spec,
        }
    raise TypeError(f"unknown block {type(block).__name__}")


def to_json(document: Document) -> str:
    """Machine-readable document: sections, blocks, every figure with key and sources, and the datasets."""
    payload = {
        "kind": document.kind,
        "title": document.title,
        "subtitle": document.subtitle,
        "release": document.release_id,
        "meta": document.meta,
        "sources": source_ids(document),
        "sections": [
            {"id": s.id, "title": s.title, "blocks": [block_json(b) for b in s.blocks]} for s in document.sections
        ],
        "figures": [f.to_dict() for f in iter_figures(document)],
    }
    return json.dumps(payload, indent=1, ensure_ascii=False, default=str)


def write(document: Document, fmt: str, out: Path | None, layout: str = "document") -> Path | str:
    """Render and write to `out` (returns the path), or return the text when `out` is None (not for PDF)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "pdf":
        if out is None:
            raise ValueError("PDF needs --out PATH")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(to_pdf(document, layout=layout))
        return out
    text = {
        "html": lambda: to_html(document, layout=layout),
        "md": lambda: to_markdown(document),
        "json": lambda: to_json(document),
    }[fmt]()
    if out is None:
        return text
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out
