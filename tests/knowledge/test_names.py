"""Author strings in every corpus form give one key per person; merge candidates need compatible given names."""

from __future__ import annotations

import pytest

from observatory.knowledge.names import compatible_given, parse_name


@pytest.mark.parametrize(
    ("raw", "family", "given", "key"),
    [
        ("Okumu, Moses", "Okumu", "Moses", "okumu|moses"),
        ("Moses Okumu", "Okumu", "Moses", "okumu|moses"),
        ("Jordans, Mark J. D.", "Jordans", "Mark J. D.", "jordans|mark j d"),
        ("Kibuuka Musoke, Daniel", "Kibuuka Musoke", "Daniel", "kibuuka musoke|daniel"),
        ("Ludwig van der Berg", "van der Berg", "Ludwig", "van der berg|ludwig"),
        ("José Álvarez Jr.", "Álvarez", "José", "alvarez|jose"),
        ("Álvarez, José, Jr.", "Álvarez", "José", "alvarez|jose"),
        ("Mittendorfer-Rutz, Ellenor", "Mittendorfer-Rutz", "Ellenor", "mittendorfer rutz|ellenor"),
    ],
)
def test_name_forms(raw, family, given, key):
    name = parse_name(raw)
    assert name is not None and (name.family, name.given, name.key) == (family, given, key)


def test_accents_fold_to_one_key():
    assert parse_name("Traoré, Moussa").key == parse_name("Moussa Traore").key  # type: ignore[union-attr]


@pytest.mark.parametrize("raw", ["", "   ", "1234", ", ;"])
def test_no_name(raw):
    assert parse_name(raw) is None


def test_compatible_given_names_have_a_reason():
    assert "initials" in (compatible_given(parse_name("Diallo, Aminata"), parse_name("A. Diallo")) or "")  # type: ignore[arg-type]
    assert "middle name" in (compatible_given(parse_name("Anna Smith"), parse_name("Anna Maria Smith")) or "")  # type: ignore[arg-type]
    assert compatible_given(parse_name("Anna Smith"), parse_name("Anne Smith")) is None  # type: ignore[arg-type]
    assert compatible_given(parse_name("B. Smith"), parse_name("Anna Smith")) is None  # type: ignore[arg-type]
