"""Publications in the six UN languages, read back from real documents: briefs of three countries in every language
stay within two pages, carry no English sentence of the templates, say their language (Arabic right to left) and
embed fonts covering their script; profiles in French, Arabic and Chinese likewise."""

from __future__ import annotations

import importlib.util
import re
import sys
from html import unescape
from pathlib import Path

import pytest
from pypdf import PdfReader

from observatory.i18n.languages import LANGUAGES
from observatory.i18n.numbers import format_value
from observatory.indicators.spec import measure_category_labels
from observatory.publish import render
from observatory.publish.brief import country_brief
from observatory.publish.corridor import ASYLUM_MEASURES, CATEGORY_MESSAGES
from observatory.publish.data import ReleaseData
from observatory.publish.figures import Figure, display
from observatory.publish.language import sentence
from observatory.publish.profile import country_profile

ROOT = Path(__file__).resolve().parents[2]
BRIEF_COUNTRIES = ("SEN", "MEX", "EGY")
PROFILE_COUNTRY = "SEN"
PROFILE_LANGUAGES = ("fr", "ar", "zh")
# Briefs printed to PDF: one country in every language, the other two in the scripts that differ most (printing is
# the slow part: a brief takes seconds).
PRINTED = {("SEN", lang) for lang in LANGUAGES} | {("MEX", "es"), ("EGY", "ar"), ("MEX", "zh"), ("EGY", "ru")}
# The script each language's embedded fonts must cover: a font whose name says so is embedded in its PDFs.
SCRIPT_FONTS = {"ar": "Arabic", "zh": "CJK"}


def _load(name: str, path: Path):
    """A helper module by path (scripts/ and tests/ are not packages)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[name] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    return sys.modules[name]


pdf_layout = _load("publish_pdf_layout_tests", Path(__file__).with_name("test_pdf_layout.py"))
portal_messages = _load("i18n_portal_messages_tests", ROOT / "tests" / "i18n" / "test_portal_messages.py")


@pytest.fixture(scope="module")
def template_sentences() -> set[str]:
    """The publications' own messages of three words or more (as extracted by scripts/messages.py)."""
    script = _load("observatory_messages_script", ROOT / "scripts" / "messages.py")
    catalogue = script.extracted()
    ours = [m for m in catalogue if m.id and any(f.startswith("src/observatory/publish/") for f, _ in m.locations)]
    assert len(ours) > 200, "the extraction finds the publications' messages"
    return portal_messages._english_sentences(ours)


@pytest.fixture(scope="module")
def briefs(real_release) -> dict[tuple[str, str], object]:
    """The brief of each sample country in each language."""
    made = {}
    for lang in LANGUAGES:
        data = ReleaseData.open(real_release, lang=lang)
        try:
            for code in BRIEF_COUNTRIES:
                made[(code, lang)] = country_brief(data, code)
        finally:
            data.close()
    return made


@pytest.fixture(scope="module")
def profiles(real_release) -> dict[str, object]:
    """The profile of one country in French, Arabic and Chinese."""
    made = {}
    for lang in PROFILE_LANGUAGES:
        data = ReleaseData.open(real_release, lang=lang)
        try:
            made[lang] = country_profile(data, PROFILE_COUNTRY)
        finally:
            data.close()
    return made


@pytest.fixture(scope="module")
def printed(briefs, profiles, tmp_path_factory) -> dict[tuple[str, str], Path]:
    """PDFs of the printed sample of briefs, and of the Arabic and Chinese profiles."""
    folder = tmp_path_factory.mktemp("languages")
    out = {
        key: render.write(briefs[key], "pdf", folder / f"brief-{key[0]}-{key[1]}.pdf", layout="brief")
        for key in PRINTED
    }
    for lang in ("ar", "zh"):
        out[("profile", lang)] = render.write(profiles[lang], "pdf", folder / f"profile-{lang}.pdf")
    return {key: Path(path) for key, path in out.items()}


def visible_text(page: str) -> str:
    """What a reader sees of a page in its language: no style, no chart drawing, no tags, entities decoded; the
    sources annex left out (datasets are cited as their publishers word them, in English)."""
    page = re.sub(r"<(style|svg)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'<table class="sources\b.*?</table>', " ", page, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page)).split())


def english_found(page: str, sentences: set[str]) -> list[str]:
    text = visible_text(page)
    return sorted(s for s in sentences if s in text)


def embedded_fonts(pdf: Path) -> dict[str, bool]:
    """Every font the PDF's pages use: its name → whether its program is embedded (/FontFile, 2 or 3)."""
    fonts: dict[str, bool] = {}
    for page in PdfReader(pdf).pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descendants = [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]
            for part in descendants:
                descriptor = (part.get("/FontDescriptor") or {}).get_object() if "/FontDescriptor" in part else {}
                embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
                fonts[str(part.get("/BaseFont", font.get("/BaseFont")))] = embedded
    return fonts


# --- the helpers can fail ----------------------------------------------------------------------------------------


def test_a_sentence_puts_numbers_where_the_translation_wants_them():
    figure = Figure(label="x", origin_kind="indicator", key="k", value=1.0)
    assert sentence("%(year)s : %(stock)s à 3 %%", year="2024", stock=figure) == ["2024", " : ", figure, " à 3 %"]
    with pytest.raises(KeyError, match="missing"):
        sentence("%(missing)s", other="y")


def test_english_is_found_on_a_page_that_shows_it():
    sentences = {"Key messages for policy makers", "Every figure in this publication has a value"}
    page = "<html><style>p{}</style><body><h2>Key messages for policy makers</h2><svg><text>x</text></svg></body>"
    assert english_found(page, sentences) == ["Key messages for policy makers"]


def test_the_catalogue_labels_of_the_asylum_categories_are_the_marked_messages():
    declared = tuple(measure_category_labels(m)[c] for m, c, _ in ASYLUM_MEASURES if c)
    assert declared == CATEGORY_MESSAGES


@pytest.mark.parametrize("lang", [code for code in LANGUAGES if code != "en"])
def test_a_figure_is_shown_with_the_language_s_digits_and_words(lang):
    figure = Figure(label="x", origin_kind="indicator", key="k", unit="persons", value=1_730_000.0, lang=lang)
    assert display(figure) == format_value(1_730_000.0, "persons", lang)
    assert display(Figure(label="x", origin_kind="indicator", key="k", lang=lang)) != "no data"


# --- real briefs and profiles ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("code", BRIEF_COUNTRIES)
def test_brief_html_is_in_its_language(briefs, template_sentences, code, lang):
    document = briefs[(code, lang)]
    page = render.to_html(document, layout="brief")
    direction = "rtl" if lang == "ar" else "ltr"
    assert f'<html lang="{lang}" dir="{direction}">' in page
    assert document.meta["language"] == lang
    if lang != "en":
        assert not english_found(page, template_sentences), f"{code} brief in {lang} shows English"
    else:
        assert "Key messages for policy makers" in visible_text(page)


@pytest.mark.parametrize("lang", PROFILE_LANGUAGES)
def test_profile_html_is_in_its_language(profiles, template_sentences, lang):
    page = render.to_html(profiles[lang])
    assert f'<html lang="{lang}"' in page
    assert not english_found(page, template_sentences), f"{PROFILE_COUNTRY} profile in {lang} shows English"


@pytest.mark.parametrize("key", sorted(PRINTED))
def test_brief_pdf_keeps_two_pages_its_margins_language_and_fonts(briefs, printed, key):
    code, lang = key
    pdf = printed[key]
    pages = pdf_layout.pdf_lines(pdf)
    assert len(pages) <= 2, f"{code} brief in {lang} runs to {len(pages)} pages"
    assert [p for p in pdf_layout.layout_problems(pdf, []) if "past the margins" in p] == []
    assert pdf_layout.tagging_problems(pdf, briefs[key].title, language=lang) == []
    fonts = embedded_fonts(pdf)
    assert fonts and all(fonts.values()), f"fonts not embedded: {[f for f, e in fonts.items() if not e]}"
    if lang in SCRIPT_FONTS:
        assert any(SCRIPT_FONTS[lang] in name for name in fonts), f"no {SCRIPT_FONTS[lang]} font in {sorted(fonts)}"


@pytest.mark.parametrize("lang", ["ar", "zh"])
def test_profile_pdf_embeds_fonts_that_show_its_title(profiles, printed, lang):
    pdf = printed[("profile", lang)]
    assert pdf_layout.tagging_problems(pdf, profiles[lang].title, language=lang) == []
    fonts = embedded_fonts(pdf)
    assert all(fonts.values()) and any(SCRIPT_FONTS[lang] in name for name in fonts), sorted(fonts)
    # Each letter of the title maps back to text: the embedded fonts have its glyphs (no missing-glyph boxes).
    first_page = PdfReader(pdf).pages[0].extract_text()
    letters = {c for c in profiles[lang].title if c.isalpha()}
    assert letters <= set(first_page), sorted(letters - set(first_page))
