"""The PDFs as printed: read back from the PDF itself (poppler's word boxes, pypdf's catalogue), real profiles and
briefs keep their text inside the margins, captions with their tables and figures, briefs on two well-used pages,
and a tagged structure with language and title."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from observatory.publish import render
from observatory.publish.brief import corridor_brief, country_brief
from observatory.publish.corridor import corridor_profile
from observatory.publish.data import ReleaseData
from observatory.publish.document import Document, FigureTable, Table
from observatory.publish.profile import country_profile

MM = 72 / 25.4
TOLERANCE = 0.5  # points: rounding of glyph boxes
PAGE_WIDTH, PAGE_HEIGHT = 595.28, 841.89  # A4 in points
PDFTOTEXT_SECONDS = 60


def _page_margins() -> tuple[float, float, float, float]:
    """(top, right, bottom, left) in points, as the stylesheet's @page rule declares them."""
    rule = re.search(r"@page\s*{[^}]*?margin:\s*([\d.]+)mm ([\d.]+)mm ([\d.]+)mm ([\d.]+)mm", render._stylesheet_text())
    assert rule, "publication.css has no @page margin in mm"
    top, right, bottom, left = (float(v) * MM for v in rule.groups())
    return top, right, bottom, left


TOP, RIGHT, BOTTOM, LEFT = _page_margins()


@dataclass
class Line:
    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float


def pdf_lines(pdf: Path) -> list[list[Line]]:
    """Every text line of every page with its box (points, origin top left), in poppler's reading order."""
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils, scripts/system_packages.sh) is needed"
    out = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"],
        capture_output=True,
        check=True,
        timeout=PDFTOTEXT_SECONDS,
    ).stdout
    root = ET.fromstring(out)
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    pages = []
    for page in root.iter("{http://www.w3.org/1999/xhtml}page"):
        lines = []
        for line in page.iterfind(".//x:line", ns):
            words = [w.text or "" for w in line.iterfind("x:word", ns)]
            box = [float(line.get(k, "0")) for k in ("xMin", "yMin", "xMax", "yMax")]
            lines.append(Line(" ".join(words), *box))
        pages.append(lines)
    return pages


def body_lines(lines: list[Line]) -> list[Line]:
    """The lines of the text block (not the running footer in the bottom margin), top to bottom."""
    return sorted((line for line in lines if line.y_min < PAGE_HEIGHT - BOTTOM), key=lambda line: line.y_min)


def caption_texts(document: Document) -> list[str]:
    """The captions of the document's tables as printed ('Table n. caption' or the caption alone)."""
    number, texts = 0, []
    for section in document.sections:
        for block in section.blocks:
            if isinstance(block, Table | FigureTable):
                if block.numbered:
                    number += 1
                    texts.append(f"Table {number}. {block.caption}")
                else:
                    texts.append(block.caption)
    return texts


def _caption_lines(body: list[Line], index: int, captions: list[str]) -> int:
    """How many lines from body[index] spell a whole table caption (0 when none starts there)."""
    for caption in captions:
        text = ""
        for count, line in enumerate(body[index:], start=1):
            text = f"{text} {line.text}".strip()
            if not caption.startswith(text):
                break
            if text == caption:
                return count
    return 0


def layout_problems(pdf: Path, table_captions: list[str]) -> list[str]:
    """What a reader would see as untidy: text past the margins, a table caption without its table below it on the
    same page, a figure caption without its figure above it, 'Figure'/'Table' split from its number."""
    problems = []
    for page_number, lines in enumerate(pdf_lines(pdf), start=1):
        for line in lines:
            if line.x_min < LEFT - TOLERANCE or line.x_max > PAGE_WIDTH - RIGHT + TOLERANCE:
                problems.append(f"page {page_number}: past the margins: {line.text[:60]!r}")
        for line, after in zip(lines, lines[1:], strict=False):
            if re.search(r"\b(Figure|Table)$", line.text) and re.match(r"\d+\.", after.text):
                problems.append(
                    f"page {page_number}: label split from its number: {line.text[-30:]!r} / {after.text!r}"
                )
        body = body_lines(lines)
        for index, line in enumerate(body):
            count = _caption_lines(body, index, table_captions)
            if count:
                bottom = body[index + count - 1].y_max
                rows = {round(b.y_min) for b in body[index + count :] if b.y_min >= bottom - TOLERANCE}
                if len(rows) < 2:  # the table's header and at least one row belong under the caption
                    problems.append(f"page {page_number}: table caption ends the page: {line.text[:60]!r}")
            if index == 0 and re.match(r"Figure \d+\.", line.text):
                problems.append(f"page {page_number}: figure caption opens the page without its figure: {line.text!r}")
    return problems


def tagging_problems(pdf: Path, title: str, language: str = "en") -> list[str]:
    """A tagged PDF for assistive technology: structure tree, marked content, language, title shown as title."""
    reader = PdfReader(pdf)
    catalog = reader.trailer["/Root"]
    problems = []
    if "/StructTreeRoot" not in catalog:
        problems.append("no /StructTreeRoot")
    if not (catalog.get("/MarkInfo") or {}).get("/Marked"):
        problems.append("not /Marked")
    if catalog.get("/Lang") != language:
        problems.append(f"/Lang is {catalog.get('/Lang')!r}")
    if (reader.metadata.title if reader.metadata else None) != title:
        problems.append("the document title is not set")
    if not (catalog.get("/ViewerPreferences") or {}).get("/DisplayDocTitle"):
        problems.append("viewers are not told to show the title")
    return problems


def figure_alt_texts(pdf: Path) -> list[str | None]:
    """The /Alt of every Figure element of the structure tree."""
    catalog = PdfReader(pdf).trailer["/Root"]
    found: list[str | None] = []

    def walk(node) -> None:
        node = node.get_object()
        if isinstance(node, list):
            for child in node:
                walk(child)
            return
        if not hasattr(node, "get"):
            return
        if node.get("/S") == "/Figure":
            found.append(node.get("/Alt"))
        if "/K" in node:
            walk(node["/K"])

    walk(catalog["/StructTreeRoot"])
    return found


# --- the checks can fail ----------------------------------------------------------------------------------


def _print(html: str, path: Path, tagged: bool = False) -> Path:
    from weasyprint import CSS, HTML

    margins = " ".join(f"{side / MM:.2f}mm" for side in (TOP, RIGHT, BOTTOM, LEFT))
    page = CSS(string=f"@page {{ size: A4; margin: {margins} }}")
    options = {"pdf_variant": render.PDF_VARIANT} if tagged else {}
    path.write_bytes(HTML(string=html).write_pdf(stylesheets=[page], **options))
    return path


def test_the_checks_find_text_past_the_margin_an_orphan_caption_and_a_split_label(tmp_path):
    html = (
        '<html lang="fr"><head><title>Bad</title></head><body>'
        f"<p>{'x' * 200}</p>"
        '<p style="width: 14mm">Figure 3. Where emigrants live</p>'
        '<div style="height: 244mm"></div>'  # pushes the caption to the foot of page 2, its table to page 3
        "<table style='width: 100%'><caption>Table&nbsp;1. Orphan caption</caption><thead><tr><th>A</th></tr></thead>"
        "<tbody><tr><td>1</td></tr><tr><td>2</td></tr></tbody></table></body></html>"
    )
    pdf = _print(html, tmp_path / "bad.pdf")
    problems = layout_problems(pdf, ["Table 1. Orphan caption"])
    assert any("past the margins" in p for p in problems), problems
    assert any("label split" in p for p in problems), problems
    assert any("table caption ends the page" in p for p in problems), problems
    assert set(tagging_problems(pdf, "Bad", language="fr")) >= {"no /StructTreeRoot", "not /Marked"}


def test_the_checks_pass_a_tidy_tagged_page(tmp_path):
    html = (
        '<html lang="en"><head><title>Tidy</title></head><body><p>Words that wrap within the block.</p>'
        "<table style='width: 100%'><caption>Table&nbsp;1. Kept</caption><thead><tr><th>A</th></tr></thead>"
        "<tbody><tr><td>1</td></tr></tbody></table></body></html>"
    )
    pdf = _print(html, tmp_path / "tidy.pdf", tagged=True)
    assert layout_problems(pdf, ["Table 1. Kept"]) == []
    assert tagging_problems(pdf, "Tidy") == []


# --- real profiles and briefs -----------------------------------------------------------------------------

PROFILES = ["DEU", "NPL", "SSD", "MEX-USA"]  # Germany cites the most datasets; a corridor profile
BRIEFS = ["DEU", "NPL", "MEX", "SSD", "SYR-DEU", "MEX-USA"]


@pytest.fixture(scope="module")
def printed(real_release, tmp_path_factory) -> dict[str, tuple[Document, Path]]:
    """Each sample document with its PDF, rendered once for the module."""
    folder = tmp_path_factory.mktemp("pdf-layout")
    data = ReleaseData.open(real_release)
    made: dict[str, tuple[Document, Path]] = {}
    try:
        for name in PROFILES:
            document = corridor_profile(data, *name.split("-")) if "-" in name else country_profile(data, name)
            made[f"profile-{name}"] = (document, render.write(document, "pdf", folder / f"profile-{name}.pdf"))
        for name in BRIEFS:
            document = corridor_brief(data, *name.split("-")) if "-" in name else country_brief(data, name)
            out = render.write(document, "pdf", folder / f"brief-{name}.pdf", layout="brief")
            made[f"brief-{name}"] = (document, out)
    finally:
        data.close()
    return {k: (d, Path(p)) for k, (d, p) in made.items()}


@pytest.mark.parametrize("name", [f"profile-{n}" for n in PROFILES] + [f"brief-{n}" for n in BRIEFS])
def test_text_stays_in_the_margins_and_captions_with_their_tables(printed, name):
    document, pdf = printed[name]
    assert layout_problems(pdf, caption_texts(document)) == []


@pytest.mark.parametrize("name", [f"profile-{n}" for n in PROFILES] + [f"brief-{n}" for n in BRIEFS])
def test_pdf_is_tagged_with_language_title_and_figure_alt_texts(printed, name):
    document, pdf = printed[name]
    assert tagging_problems(pdf, document.title) == []
    alts = figure_alt_texts(pdf)
    assert alts and all(alt and str(alt).startswith("Figure ") for alt in alts), alts


@pytest.mark.parametrize("name", BRIEFS)
def test_brief_is_two_pages_and_uses_its_second(printed, name):
    _, pdf = printed[f"brief-{name}"]
    pages = pdf_lines(pdf)
    assert len(pages) == 2
    lowest = max(line.y_max for line in body_lines(pages[1]))
    used = (lowest - TOP) / (PAGE_HEIGHT - BOTTOM - TOP)
    assert used > 0.5, f"page 2 is {used:.0%} used"


def test_sources_annex_fits_the_text_block_in_few_pages(printed):
    """Germany's profile cites over twenty datasets: the annex starts, and ends, within two pages of its heading."""
    document, pdf = printed["profile-DEU"]
    cited = len(document.meta["datasets"])
    assert cited >= 20
    pages = [" ".join(line.text for line in lines) for lines in pdf_lines(pdf)]
    first = next(n for n, text in enumerate(pages) if "Sources annex" in text and "Datasets cited" in text)
    last = next(n for n, text in enumerate(pages) if f"[{cited}]" in text and n >= first)
    assert last - first <= 2, f"the annex runs over pages {first + 1}–{last + 1}"
    links = [a for page in PdfReader(pdf).pages for a in (page.get("/Annots") or [])]
    targets = {a.get_object()["/A"].get("/URI") for a in links if "/URI" in a.get_object().get("/A", {})}
    assert {ds["url_main"] for ds in document.meta["datasets"] if ds.get("url_main")} <= targets
