"""Every portal page in the five translated languages: rendered by a real server on the real release (with a knowledge
home, a finding and a catalogued publication), each page carries no sentence of the templates left in English, says
its language, and runs right to left in Arabic."""

from __future__ import annotations

import html
import importlib.util
import json
import re
import sys
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

from observatory.i18n.messages import TRANSLATED_LANGUAGES, read_catalogue

pytestmark = [pytest.mark.mirror, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
TAG = re.compile(r"<[^>]+>")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Every page template (top-level and knowledge/) with the addresses that render it; {…} are filled from the home.
PAGES = (
    "/corridors",
    "/corridors?origin=SYR&destination=DEU",
    "/corridors?origin=MEX",
    "/countries/DEU",
    "/indicators",
    "/indicators/migrant_stock",
    "/indicators/migrant_stock?view=table",
    "/indicators/migrant_stock?view=chart&compare=DEU,FRA",
    "/indicators/migrant_stock?view=sources",
    "/indicators/migrant_stock?scale=share&year=1950",
    "/indicators/corridor_stock",
    "/frameworks",
    "/frameworks/GCM",
    "/evidence",
    "/evidence?q=remittances",
    "/reports",
    "/reports/{publication}",
    "/findings",
    "/findings/{finding}",
    "/gaps",
    "/gaps?by=gcm",
    "/sources",
    "/claims?claim=Congolese+refugees+died+in+the+Mediterranean",
    "/knowledge",
    "/knowledge/people",
    "/knowledge/people?theme=health",
    "/knowledge/people/{person}",
    "/knowledge/institutions/{institution}",
    "/knowledge/policies",
    "/knowledge/policies/{policy}",
    "/knowledge/firewalls",
    "/knowledge/dialogues",
    "/knowledge/dialogues/themes/idm-2011-human-security",
    "/knowledge/dialogues/workshops/idm-2010-transnationalism",
    "/knowledge/assessments",
    "/knowledge/assessments/{assessment}",
)


def _load(name: str, path: Path):
    """A helper module by path (scripts/ and the test folders are not packages)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[name] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    return sys.modules[name]


@pytest.fixture(scope="module")
def template():
    """The messages extracted now, as scripts/messages.py extracts them (babel.cfg)."""
    return _load("observatory_messages_script", ROOT / "scripts" / "messages.py").extracted()


@pytest.fixture(scope="module")
def site(real_release, tmp_path_factory):
    """(base URL, ids) of a portal whose home holds the real corpus, the dialogue seed, published policies, an
    assessment, a finding and a catalogued brief."""
    from observatory.evidence.findings import EvidenceRef, Finding, save_finding

    homes = _load("knowledge_test_homes", ROOT / "tests" / "knowledge" / "homes.py")
    home = homes.make_knowledge_home(real_release, tmp_path_factory.mktemp("translated-portal"))
    with home.evidence.connect(read_only=True) as con:
        record = con.execute("SELECT id FROM records ORDER BY id LIMIT 1").fetchone()[0]
    finding = Finding(
        statement="Remittances rose after fees fell", evidence="robust", agreement="high", likelihood="very likely",
        references=[EvidenceRef(record_id=record)],
    )  # fmt: skip
    ids = {
        "assessment": homes.add_assessment(home),
        "finding": save_finding(finding, home.evidence),
        "policy": home.published["policy"],
        "person": home.store.rows("SELECT id FROM people WHERE state = 'published' ORDER BY id LIMIT 1")[0]["id"],
        "institution": _institution(home),
    }
    with homes.server_module().running_server(home.settings, home.settings.home / "server.log") as base:
        with urllib.request.urlopen(f"{base}/countries/MAR/brief.md", timeout=300) as made:
            assert made.status == 200
        with urllib.request.urlopen(f"{base}/api/publications", timeout=60) as listed:
            ids["publication"] = json.loads(listed.read())["publications"][0]["id"]
        yield base, ids


def _institution(home) -> str:
    """An institution imported into the directory (the real corpus names people, not institutions); its id."""
    from observatory.knowledge.contributions import import_entries

    listing = home.settings.home / "institutions.json"
    listing.write_text(json.dumps([{"name": "Migration Policy Institute", "country": "USA", "kind": "think tank"}]))
    import_entries(home.store, listing, "institution")
    return home.store.rows("SELECT id FROM institutions ORDER BY id LIMIT 1")[0]["id"]


class VisibleText(HTMLParser):
    """A page's text as a reader sees it, leaving out scripts, styles and whatever says it is English (lang="en")."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, bool]] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag in VOID:
            return
        hidden = tag in ("script", "style") or dict(attrs).get("lang") == "en"
        self.open.append((tag, hidden or bool(self.open and self.open[-1][1])))

    def handle_endtag(self, tag) -> None:
        for depth in range(len(self.open) - 1, -1, -1):
            if self.open[depth][0] == tag:
                del self.open[depth:]
                return

    def handle_data(self, data) -> None:
        if not (self.open and self.open[-1][1]):
            self.parts.append(data)

    def text(self) -> str:
        """The collected text on one line."""
        return " ".join(" ".join(self.parts).split())


def visible_text(page: str) -> str:
    """What a reader sees of a page (html.parser, so nested elements marked English are left out whole)."""
    parser = VisibleText()
    parser.feed(page)
    parser.close()
    return parser.text()


def _pieces(text: str) -> list[str]:
    """A message as it reads on a page: split at tags and placeholders, entities decoded, trimmed."""
    out = []
    for part in PLACEHOLDER.split(TAG.sub("\n", text)):
        for piece in part.split("\n"):
            out.append(" ".join(html.unescape(piece).split()).strip(" .,;:()"))
    return out


def english_sentences(template, lang: str) -> set[str]:
    """Template pieces of three words or more that the language's translation does not itself contain (a command
    name or a code kept as written is not English left untranslated)."""
    catalogue = read_catalogue(lang)
    sentences = set()
    for message in template:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        found = catalogue.get(message.id)
        translated = found.string if found and isinstance(found.string, tuple) else ((found.string,) if found else ())
        kept = {piece for string in translated for piece in _pieces(string)}
        for text in ids:
            sentences.update(p for p in _pieces(text) if len(p.split()) >= 3 and p not in kept)
    return sentences


def test_extraction_covers_every_page_and_the_claim_reader(template):
    """babel.cfg reaches the knowledge templates, the corridor and indicator pages and the claim reader's problems."""
    ids = {m.id for m in template if m.id}
    for expected in (
        "Research directory",  # knowledge/people.html
        "Flows, refugees, asylum and costs in this corridor",  # corridors.html
        "Where these numbers come from",  # indicator.html
        "could not tell who moves where",  # api/queries/claim_reading.py
        "Migration Profiles",  # the catalogue's series, marked in web/publication_pages.py
    ):
        assert expected in ids, expected


def test_series_titles_marked_for_translation_are_the_catalogues():
    """The series titles marked for the catalogues are exactly publish.catalogue.SERIES's (one list, kept in step)."""
    from observatory.publish.catalogue import SERIES
    from observatory.web.publication_pages import SERIES_TITLE_MESSAGES

    assert sorted(SERIES_TITLE_MESSAGES) == sorted(title for title, _ in SERIES.values())


def test_visible_text_leaves_out_what_says_it_is_english():
    """The checker drops nested English content and scripts, and keeps the rest (a checker that cannot fail is none)."""
    page = (
        '<p>Bonjour <span lang="en">Left <b>in</b> English</span> monde</p><script>var x = "Key figures";</script>'
        '<section lang="en"><h2>Refugees and asylum</h2><br><p>More text</p></section><p>après<br>fin</p>'
    )
    assert visible_text(page) == "Bonjour monde après fin"


def test_english_sentences_spare_what_a_translation_keeps(template):
    """A piece kept as written in the translation (a command) is not flagged; a translated sentence is."""
    sentences = english_sentences(template, "fr")
    assert "observatory evidence finding add" not in sentences
    assert "Where these numbers come from" in sentences


@pytest.mark.parametrize("lang", TRANSLATED_LANGUAGES)
def test_every_page_is_in_its_language(site, template, lang):
    """Each page template in the language: 200, lang and dir set, no template sentence of ≥ 3 words in English."""
    base, ids = site
    sentences = english_sentences(template, lang)
    english = {}
    for path in PAGES:
        address = f"{base}/{lang}{path.format(**ids)}"
        with urllib.request.urlopen(address, timeout=300) as response:
            assert response.status == 200, address
            page = response.read().decode()
        expected = "rtl" if lang == "ar" else "ltr"
        assert f'<html lang="{lang}" dir="{expected}">' in page, address
        text = visible_text(page)
        found = sorted(s for s in sentences if s in text)
        if found:
            english[path] = found[:5]
    assert not english, f"/{lang} pages show English: {english}"


def test_portal_publications_are_made_in_the_language_of_the_address(site):
    """/fr/countries/MAR/brief.json is the French brief (its own file and catalogue entry beside the English one), a
    corridor's in Spanish likewise, and /fr/reports names each entry's language."""
    from observatory.i18n.messages import gettext_for
    from observatory.web.publication_pages import language_name

    base, _ = site
    subtitle = "Key messages for policy makers"
    made = {}
    for lang, path in (
        ("fr", "/countries/MAR/brief"),
        ("ar", "/countries/MAR/brief"),
        ("es", "/corridors/SYR/DEU/brief"),
    ):
        with urllib.request.urlopen(f"{base}/{lang}{path}.json", timeout=300) as response:
            assert response.status == 200
            assert f"-{lang}-r" in response.headers["content-disposition"]
            made[lang] = json.loads(response.read())
        assert made[lang]["subtitle"] == gettext_for(lang)(subtitle) != subtitle, lang
        assert made[lang]["meta"]["language"] == lang
    with urllib.request.urlopen(f"{base}/countries/MAR/brief.json", timeout=300) as response:
        assert json.loads(response.read())["subtitle"] == subtitle  # the English file is still English
    with urllib.request.urlopen(f"{base}/api/publications?limit=100", timeout=60) as listed:
        entries = json.loads(listed.read())["publications"]
    briefs = {e["language"]: e["id"] for e in entries if e["series"] == "PB" and e["subject"] == "MAR"}
    assert set(briefs) == {"en", "fr", "ar"} and len(set(briefs.values())) == 3
    assert {e["language"] for e in entries if e["subject"] == "SYR-DEU"} == {"es"}
    with urllib.request.urlopen(f"{base}/fr/reports", timeout=60) as response:
        text = visible_text(response.read().decode())
    for lang in ("en", "fr", "ar", "es"):
        assert language_name(lang, "fr") in text, lang
