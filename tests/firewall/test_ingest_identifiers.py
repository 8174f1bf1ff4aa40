"""Identifier detection runs in linear time: bounded cells, and patterns that cannot backtrack quadratically."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from observatory.firewall.declarations import load_identifier_rules, load_schema
from observatory.firewall.errors import UploadRejected
from observatory.firewall.identifiers import (
    LONG_TEXT,
    MAX_CELL_CHARS,
    _compiled,
    identifier_kind,
    linear_search_form,
)
from observatory.firewall.ingest import parse_upload

SCHEMA = load_schema("case_records")
HEADER = "nationality,sex,age,legal_status,location,service,month"
ROW = "SYR,female,34,refugee,GRC-I,health,2024-03"
MEGABYTE = 1_000_000
# Shapes that make backtracking engines retry long runs: runs of one class, alternations of two classes, near-misses.
ADVERSARIAL = {
    "letters": "a" * MEGABYTE,
    "dotted": "a." * (MEGABYTE // 2),
    "at signs": "a@" * (MEGABYTE // 2),
    "domain run": "a@" + "a." * (MEGABYTE // 2),
    "digits": "1" * MEGABYTE + "x",
    "phone-like": "+1" + " 2" * (MEGABYTE // 2) + "x",
    "name-like": "Ab " * (MEGABYTE // 3) + "1",
    "hyphenated": "Aa-" * (MEGABYTE // 3) + "!",
    "words": "a " * (MEGABYTE // 2) + "\t",
}


@pytest.mark.parametrize("shape", sorted(ADVERSARIAL))
def test_a_megabyte_cell_is_classified_at_once(shape):
    started = time.perf_counter()
    assert identifier_kind(ADVERSARIAL[shape]) == LONG_TEXT
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize("shape", sorted(ADVERSARIAL))
def test_every_pattern_is_linear_even_without_the_length_bound(shape):
    """Each declared pattern, as compiled, searched over 1 MB: the original e-mail pattern needed about 2,000 s."""
    text = ADVERSARIAL[shape]
    started = time.perf_counter()
    for _kind, pattern in _compiled():
        pattern.search(text)
    assert time.perf_counter() - started < 2.0


@hyp_settings(max_examples=300, deadline=None)
@given(st.text(alphabet="aZ1.@-_+% ", max_size=30))
def test_the_linear_form_matches_exactly_when_the_declared_form_does(text):
    patterns = load_identifier_rules().content_patterns.values()
    assert patterns
    for pattern in patterns:
        assert bool(re.search(pattern, text)) == bool(re.search(linear_search_form(pattern), text))


def test_linear_form_leaves_anchored_and_plain_patterns_alone():
    assert linear_search_form("^[a-z]+@x$") == "^[a-z]+@x$"
    assert linear_search_form("[a-z]@x") == "[a-z]@x"
    assert linear_search_form(r"[\]a]+@x") == r"[\]a]@x"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("person0@example.org", "e-mail address"),
        ("+30 691 234 5678", "phone number"),
        ("1990-04-17", "exact date"),
        ("17/04/1990", "exact date"),
        ("P4471925", "document number"),
        ("Amina Haddad", "personal name"),
        ("came with two children", "free text"),
        ("x" * (MAX_CELL_CHARS + 1), LONG_TEXT),
        ("SYR", None),
        ("2024-03", None),
        ("", None),
    ],
)
def test_identifier_kinds(value, kind):
    assert identifier_kind(value) == kind


@pytest.fixture(scope="module")
def warm_worker() -> None:
    """Start the worker fork server before anything is timed (its first start imports the readers)."""
    parse_upload("warm.csv", f"{HEADER}\n{ROW}\n".encode(), SCHEMA)


def _timed_rejection(data: bytes, words: str) -> tuple[UploadRejected, float]:
    """Parse an upload that must be refused saying `words`; return the refusal and the seconds it took."""
    started = time.perf_counter()
    with pytest.raises(UploadRejected, match=words) as info:
        parse_upload("cases.csv", data, SCHEMA)
    return info.value, time.perf_counter() - started


def test_the_quadratic_email_csv_is_refused_quickly(warm_worker):
    """The 180 kB CSV that took 19.7 s: long runs of e-mail characters in an extra column."""
    junk = "a" * 90_000
    data = f"{HEADER},contact\n{ROW},{junk}\n{ROW},{junk}\n".encode()
    assert 175_000 < len(data) < 185_000
    error, seconds = _timed_rejection(data, f"row 2, column 8: .*longer than {MAX_CELL_CHARS}")
    assert error.row == 2 and error.column == 8 and f"longer than {MAX_CELL_CHARS}" in error.detail
    assert seconds < 2.0


def test_a_file_of_cells_just_under_the_bound_is_scanned_in_linear_time(warm_worker):
    """4.9 MB of 250-character runs, every cell scanned (none is an identifier), then refused for the extra column."""
    junk = "a" * 250
    line = f"{ROW},{junk}\n"
    limited = SCHEMA.model_copy(update={"limits": SCHEMA.limits.model_copy(update={"max_rows": 100_000})})
    data = f"{HEADER},extra\n".encode() + line.encode() * (4_900_000 // len(line))
    started = time.perf_counter()
    with pytest.raises(UploadRejected, match="column 8: is not declared"):
        parse_upload("cases.csv", data, limited)
    # Linear: seconds. The quadratic scan this guards against took 19.7 s for 180 kB; over 4.9 MB of cells just under
    # the bound it would take many minutes, so a minute still tells them apart on a loaded machine.
    assert time.perf_counter() - started < 60.0
