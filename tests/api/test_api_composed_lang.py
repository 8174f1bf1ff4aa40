"""The sentences the observatory composes in code, in the API's language (lang=): the claim checker's statements,
figures and group names. Each answer in a translated language keeps no English piece of those messages."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from babel.messages.extract import extract_from_file

from observatory.i18n.languages import LANGUAGES
from observatory.i18n.messages import TRANSLATED_LANGUAGES, gettext_for, read_catalogue

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "src" / "observatory"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
CLAIM_SOURCES = (SOURCES / "api" / "queries" / "claims.py", SOURCES / "i18n" / "phrases.py")
CLAIMS = (
    "Most African migrants go to Europe",
    "Germany hosts 2 million refugees",
    "Most asylum seekers in the EU come from Syria",
    "Mexico is the largest source of migrants to the United States",
    "Zzyzx qwerty",
)


def english_pieces(files: tuple[Path, ...], lang: str, words: int = 2) -> set[str]:
    """Pieces (between placeholders) of `words` words or more of the messages marked in `files` that the language's
    translation does not itself contain."""
    catalogue = read_catalogue(lang)
    pieces = set()
    for path in files:
        for _line, message, _comments, _context in extract_from_file("python", str(path), keywords={"N_": None}):
            found = catalogue.get(message)
            kept = found.string if found else ""
            for piece in PLACEHOLDER.split(message):
                piece = " ".join(piece.split()).strip(" .,;:()")
                if len(piece.split()) >= words and piece not in kept:
                    pieces.add(piece)
    return pieces


def texts(value) -> list[str]:
    """Every string of an answer."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in texts(item)]
    return [value] if isinstance(value, str) else []


def test_pieces_are_found_and_spare_kept_text():
    """The checker finds the claim sentences' English and would flag them (a checker that cannot fail is none)."""
    pieces = english_pieces(CLAIM_SOURCES, "fr")
    assert {"people counted in", "accounted for", "Share of the world (countries"} <= pieces


@pytest.mark.mirror
@pytest.mark.slow
def test_claim_answers_and_checks_in_every_language(real_server):
    """Answers (statement, figures' labels and texts) and checks (statement, distribution's group names) in each
    language: translated, numbers in the language's format, no English piece of the claim sentences left."""
    with httpx.Client(base_url=real_server, timeout=120) as http:
        english = {claim: http.get("/api/claims/answer", params={"text": claim}).json() for claim in CLAIMS}
        check = {"measure": "corridor_stock", "origin": "CONT_AFRICA", "destination": "CONT_EUROPE"}
        for lang in TRANSLATED_LANGUAGES:
            pieces = english_pieces(CLAIM_SOURCES, lang)
            for claim in CLAIMS:
                answer = http.get("/api/claims/answer", params={"text": claim, "lang": lang}).json()
                assert answer["statement"] != english[claim]["statement"], (lang, claim)
                for figure, english_figure in zip(answer["figures"], english[claim]["figures"], strict=True):
                    assert figure["label"] != english_figure["label"] and figure["value"] == english_figure["value"]
                left = sorted({p for text in texts(answer) for p in pieces if p in text})
                assert not left, (lang, claim, left)
            checked = http.get("/api/claims/check", params={**check, "lang": lang}).json()
            left = sorted({p for text in texts(checked) for p in pieces if p in text})
            assert not left, (lang, left)
            assert checked["focus"]["name"] in checked["statement"]
        french = http.get("/api/claims/answer", params={"text": CLAIMS[0], "lang": "fr"}).json()
        assert french["statement"].startswith("En 20") and "millions" in french["statement"]
        assert "\u00a0%" in french["figures"][1]["text"]  # French puts a no-break space before the sign


@pytest.mark.mirror
@pytest.mark.slow
def test_other_or_unknown_group_is_translated(real_server):
    """Partners outside every group of a scheme are 'Other or unknown' in the language of the answer."""
    with httpx.Client(base_url=real_server, timeout=120) as http:
        params = {"measure": "corridor_stock", "origin": "SYR", "scheme": "wb_income"}
        for lang in LANGUAGES:
            groups = http.get("/api/claims/check", params={**params, "lang": lang}).json()["distribution"]
            unknown = [group["name"] for group in groups if group["code"] == "UNK"]
            assert unknown == [gettext_for(lang)("Other or unknown")], lang
