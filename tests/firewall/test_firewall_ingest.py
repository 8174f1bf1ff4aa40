"""Upload validation: declared schema, direct identifiers, malformed, wrongly encoded, oversized and hostile files."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from observatory.firewall.declarations import load_schema
from observatory.firewall.errors import UploadRejected, UploadTooLarge
from observatory.firewall.ingest import check_filename, parse_upload

from .conftest import DATA, IDENTIFIER_VALUES

SCHEMA = load_schema("case_records")
HEADER = "nationality,sex,age,legal_status,location,service,month\n"
ROW = "SYR,female,34,refugee,GRC-I,health,2024-03\n"


def rejected(name: str, data: bytes, words: str) -> UploadRejected:
    """Parse and return the rejection, which must say `words` (failing if the file was accepted); it never quotes a
    value or the file name."""
    with pytest.raises(UploadRejected, match=re.escape(words)) as info:
        parse_upload(name, data, SCHEMA)
    for value in IDENTIFIER_VALUES:
        assert value not in str(info.value)
    assert name not in str(info.value)
    return info.value


def test_valid_csv_is_banded_and_normalised():
    parsed = parse_upload("shelter_a.csv", (DATA / "shelter_a.csv").read_bytes(), SCHEMA)
    assert len(parsed.rows) == 60
    assert parsed.fields == tuple(SCHEMA.fields)
    assert {r[2] for r in parsed.rows} <= set(SCHEMA.fields["age_band"].values)  # exact ages are not kept
    assert set(vars(parsed)) == {"filename", "fields", "rows"}  # no digest of the file, which would identify it


def test_valid_xlsx():
    parsed = parse_upload("clinic_b.xlsx", (DATA / "clinic_b.xlsx").read_bytes(), SCHEMA)
    assert len(parsed.rows) == 12 and parsed.rows[0][0] in {"SYR", "AFG"}


@pytest.mark.parametrize(
    ("name", "field", "column", "row", "kind"),
    [
        ("with_names.csv", "full_name", 1, 1, "its name announces a direct identifier"),
        ("hidden_email.csv", None, 8, 2, "looks like an e-mail address"),
        ("hidden_phone.csv", "month", 7, 4, "looks like a phone number"),
        ("birth_dates.csv", "age", 3, 2, "looks like an exact date"),
        ("free_notes.csv", None, 8, 2, "looks like free text"),
        ("passport.csv", None, 8, 2, "looks like a document number"),
    ],
)
def test_direct_identifiers_are_refused_naming_the_column(name, field, column, row, kind):
    """Undeclared headers ('contact', 'info', 'ref') are named by position only: a header can itself be personal."""
    error = rejected(name, (DATA / name).read_bytes(), f"column {column}: {kind}")
    assert (error.field, error.column, error.row) == (field, column, row)
    assert f"column {column}: {kind}" in error.detail and "identifier" in error.detail
    assert "contact" not in error.detail and "info" not in error.detail and "ref" not in error.detail


@pytest.mark.parametrize(
    "header", ["Passport No", "phone", "E-mail", "date_of_birth", "first name", "Notes", "case_id"]
)
def test_identifier_column_names(header):
    error = rejected(
        "x.csv", f"{HEADER.strip()},{header}\n{ROW.strip()},x\n".encode(), "its name announces a direct identifier"
    )
    assert error.field == header and error.column == 8  # a declared identifier name is no one's data: safe to show


@pytest.mark.parametrize(
    ("name", "row", "field", "words"),
    [
        ("bad_value.csv", 4, "legal_status", "not valid"),
        ("short_row.csv", 3, None, "fields"),
        ("latin1.csv", 3, None, "UTF-8"),
    ],
)
def test_malformed_files_name_row_and_field(name, row, field, words):
    error = rejected(name, (DATA / name).read_bytes(), words)
    assert error.row == row and error.field == field


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (HEADER.encode(), "no records"),
        (HEADER.encode() + b'SYR,"female,34\n', "malformed CSV"),
        (HEADER.encode() + b"SYR\x00,female\n", "NUL"),
        (HEADER.replace("age", "shoe_size").encode() + ROW.encode(), "not declared"),
        (HEADER.replace("month", "sex").encode() + ROW.encode(), "repeats"),
        (HEADER.encode() + ROW.replace("34", "34 years").encode(), "whole number"),
        (HEADER.encode() + ROW.replace("2024-03", "March").encode(), "not valid"),
        (b"PK\x03\x04garbage", "zip"),
    ],
)
def test_broken_csv(data, words):
    rejected("cases.csv", data, words)


def test_oversized_upload_is_rejected_before_parsing():
    data = HEADER.encode() + ROW.encode() * (SCHEMA.limits.max_bytes // len(ROW) + 1)
    with pytest.raises(UploadTooLarge, match=rf"^the file is \d+ bytes \(limit {SCHEMA.limits.max_bytes}\)$"):
        parse_upload("big.csv", data, SCHEMA)


def test_too_many_rows():
    limited = SCHEMA.model_copy(update={"limits": SCHEMA.limits.model_copy(update={"max_rows": 5})})
    with pytest.raises(UploadRejected, match="more than 5 records"):
        parse_upload("many.csv", HEADER.encode() + ROW.encode() * 6, limited)


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd.csv",
        "..\\..\\evil.csv",
        "/etc/cron.d/x.csv",
        "a/b.csv",
        "x.csv\x00.exe",
        "x.exe",
        ".hidden.csv",
        "x..csv",
    ],
)
def test_path_traversal_in_file_names(name):
    with pytest.raises(UploadRejected, match="^the file name must be"):
        check_filename(name)


def _zip(members: dict[str, bytes], level: int = 9) -> bytes:
    """A zip archive in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_zip_bomb_is_refused():
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": b"\x00" * 60_000_000})
    assert len(bomb) < 200_000
    rejected("bomb.xlsx", bomb, "zip bomb")


def test_zip_with_many_members_is_refused():
    rejected("many.xlsx", _zip({f"f{i}.xml": b"<a/>" for i in range(100)}), "members")


def test_zip_member_path_traversal_is_refused(tmp_path):
    data = _zip({"[Content_Types].xml": b"<Types/>", "../../../../tmp/evil.xml": b"<a/>"})
    rejected("trav.xlsx", data, "outside")


def test_xml_entity_expansion_is_refused():
    lol = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><a>&lol2;</a>'
    data = _zip({"[Content_Types].xml": b"<Types/>", "xl/sharedStrings.xml": lol})
    rejected("lol.xlsx", data, "DTD")


def test_corrupt_xlsx_and_mismatched_types():
    rejected("broken.xlsx", _zip({"hello.txt": b"hi"}), "XLSX")
    rejected("cases.xlsx", HEADER.encode() + ROW.encode(), "not an XLSX")


def test_xlsx_with_two_sheets_is_refused():
    from openpyxl import load_workbook

    book = load_workbook(DATA / "clinic_b.xlsx")
    book.create_sheet("second")
    buffer = io.BytesIO()
    book.save(buffer)
    rejected("two.xlsx", buffer.getvalue(), "one sheet")


RECORD = st.tuples(
    st.sampled_from(["SYR", "AFG", "ERI", "stl"]),
    st.sampled_from(["female", "Male"]),
    st.integers(0, 110),
    st.sampled_from(["refugee", "asylum seeker", "detained"]),
    st.sampled_from(["GRC-I", "grc-b", ""]),
    st.sampled_from(["health", "shelter", ""]),
    st.integers(1, 12),
)


@hyp_settings(max_examples=30, deadline=None)
@given(st.lists(RECORD, min_size=1, max_size=20))
def test_round_trip_of_valid_records(records):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER.strip().split(","))
    for nat, sex, age, status, loc, service, month in records:
        writer.writerow([nat, sex, age, status, loc, service, f"2024-{month:02d}"])
    parsed = parse_upload("r.csv", buffer.getvalue().encode(), SCHEMA)
    assert len(parsed.rows) == len(records)
    for row, (nat, sex, _, status, loc, service, month) in zip(parsed.rows, records, strict=True):
        assert row[0] == nat.upper() and row[1] == sex.lower() and row[3] == status.replace(" ", "_")
        assert row[4] == loc.upper() and row[5] == service and row[6] == f"2024-{month:02d}"
