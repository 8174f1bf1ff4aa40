"""A header row is required and checked, and refusals name columns by position and kind, never by a value."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from observatory.firewall.declarations import load_schema
from observatory.firewall.errors import UploadRejected
from observatory.firewall.ingest import parse_upload

from .conftest import IDENTIFIER_VALUES

SCHEMA = load_schema("case_records")
COLUMNS = ["nationality", "sex", "age", "legal_status", "location", "service", "month"]
ROW = ["SYR", "female", "34", "refugee", "GRC-I", "health", "2024-03"]
# One value of each kind the issue names, as it would sit in a file without a header row.
KINDS = [
    ("Amina Haddad", "looks like a personal name"),
    ("+30 691 234 5678", "looks like a phone number"),
    ("1990-04-17", "looks like an exact date"),
    ("P4471925", "looks like a document number"),
    ("person0@example.org", "looks like an e-mail address"),
]
KIND_IDS = [kind.removeprefix("looks like ") for _, kind in KINDS]


def csv_bytes(*rows: list[str]) -> bytes:
    """A CSV file of plain rows (the test values hold no commas or quotes)."""
    return "".join(",".join(row) + "\n" for row in rows).encode()


def refusal(data: bytes, words: str) -> UploadRejected:
    """The refusal of a CSV upload, which must say `words`; it must quote no identifier, whatever the file held."""
    with pytest.raises(UploadRejected, match=re.escape(words)) as info:
        parse_upload("cases.csv", data, SCHEMA)
    for value in IDENTIFIER_VALUES:
        assert value not in info.value.detail
    return info.value


@pytest.mark.parametrize(("value", "kind"), KINDS, ids=KIND_IDS)
def test_a_file_without_header_is_refused_naming_the_kind_not_the_value(value, kind):
    """The reported failure: the first data row was read as headers and its values quoted in the error and the log."""
    record = [*ROW[:5], value, *ROW[5:]]
    error = refusal(csv_bytes(record, record), f"no header row: column 6 {kind};")
    assert (error.row, error.column, error.field) == (1, None, None)


@pytest.mark.parametrize(("value", "kind"), KINDS, ids=KIND_IDS)
def test_an_identifier_as_first_column_of_a_headerless_file(value, kind):
    error = refusal(csv_bytes([value, *ROW], [value, *ROW]), f"no header row: column 1 {kind};")
    assert error.row == 1


@pytest.mark.parametrize(("value", "kind"), KINDS, ids=KIND_IDS)
def test_an_identifier_in_column_6_of_the_records(value, kind):
    """The issue's wording: 'column 6: looks like a personal name'."""
    header = [*COLUMNS[:5], "extra", COLUMNS[6]]
    error = refusal(csv_bytes(header, [*ROW[:5], value, ROW[6]]), f"row 2, column 6: {kind} (a direct identifier)")
    assert (error.row, error.column, error.field) == (2, 6, None)


@pytest.mark.parametrize(("value", "kind"), KINDS, ids=KIND_IDS)
def test_an_identifier_in_the_header_of_a_headed_file(value, kind):
    error = refusal(csv_bytes([*COLUMNS, value], [*ROW, "x"]), f"row 1, column 8: {kind}, not a column name")
    assert (error.row, error.column) == (1, 8)


@pytest.mark.parametrize(
    ("first", "words"),
    [
        (ROW, "column 1 looks like a value of 'nationality'"),
        (["34", "12", "7"], "column 1 looks like a number"),
        (["2024-03", "SYR"], "column 1 looks like a value of 'month'"),
        (["alpha", "beta"], "names no declared column"),
    ],
)
def test_a_first_row_of_data_is_not_a_header(first, words):
    error = refusal(csv_bytes(first, first), words)
    assert error.row == 1


@pytest.mark.parametrize("header", ["Shoe Size", "contact", "Maria", "ref"])
def test_undeclared_headers_are_named_by_position_only(header):
    error = refusal(csv_bytes([*COLUMNS, header], [*ROW, "1"]), "row 1, column 8: ")
    assert error.column == 8 and error.field is None and header not in error.detail


def test_a_declared_name_written_differently_is_named_by_its_declared_form():
    error = refusal(
        csv_bytes(["Legal Status" if c == "legal_status" else c for c in COLUMNS], ROW),
        "row 1, column 4: write the declared name 'legal_status' exactly",
    )
    assert error.column == 4 and "'legal_status'" in error.detail and "Legal Status" not in error.detail


def test_declared_columns_are_named_with_their_position():
    error = refusal(
        csv_bytes(COLUMNS, [*ROW[:3], "jailed", *ROW[4:]]), "row 2, field 'legal_status', column 4: is not valid"
    )
    assert (error.row, error.column, error.field) == (2, 4, "legal_status")
    assert error.detail.startswith("row 2, field 'legal_status', column 4: is not valid")


def test_an_identifier_column_name_that_is_not_exactly_declared_is_not_shown():
    """'mother_name_amina' announces an identifier by its fragment 'name', but could itself be personal."""
    error = refusal(
        csv_bytes([*COLUMNS, "mother_name_amina"], [*ROW, "x"]),
        "row 1, column 8: its name announces a direct identifier",
    )
    assert error.column == 8 and error.field is None and "amina" not in error.detail.lower()


@hyp_settings(max_examples=25, deadline=None)
@given(st.sampled_from(IDENTIFIER_VALUES), st.integers(0, 7), st.booleans())
def test_no_identifier_is_ever_quoted(value, position, in_header):
    """Anywhere in the header or the records, an identifier value is refused and never repeated."""
    header, row = list(COLUMNS), list(ROW)
    (header if in_header else row).insert(position, value)
    (row if in_header else header).insert(position, "extra")
    error = refusal(csv_bytes(header, row), f", column {position + 1}: ")
    assert error.row in (1, 2) and error.column == position + 1
