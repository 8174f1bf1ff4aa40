"""XLSX uploads go through hardened XML parsing: a DTD or entity is refused in every encoding, in every part."""

from __future__ import annotations

import io
import random
import re
import zipfile

import openpyxl
import pytest

from observatory.firewall.declarations import load_schema
from observatory.firewall.errors import UploadRejected
from observatory.firewall.ingest import parse_upload
from observatory.firewall.ingest_xlsx import refuse_dtd_bytes, refuse_dtd_parsed

from .conftest import DATA

SCHEMA = load_schema("case_records")
SHEET = "xl/worksheets/sheet1.xml"
ENTITY_BYTES = 50_000
REFERENCES = 200
# (name, Python codec, byte order mark, name in the XML declaration)
ENCODINGS = [
    ("utf-8", "utf-8", b"", "UTF-8"),
    ("utf-8 with BOM", "utf-8", b"\xef\xbb\xbf", "UTF-8"),
    ("utf-16 LE", "utf-16-le", b"", "UTF-16"),
    ("utf-16 LE with BOM", "utf-16-le", b"\xff\xfe", "UTF-16"),
    ("utf-16 BE", "utf-16-be", b"", "UTF-16"),
    ("utf-16 BE with BOM", "utf-16-be", b"\xfe\xff", "UTF-16"),
    ("utf-32 LE", "utf-32-le", b"", "UTF-32"),
    ("utf-32 LE with BOM", "utf-32-le", b"\xff\xfe\x00\x00", "UTF-32"),
    ("utf-32 BE", "utf-32-be", b"", "UTF-32"),
    ("utf-32 BE with BOM", "utf-32-be", b"\x00\x00\xfe\xff", "UTF-32"),
]
ENCODING_IDS = [name for name, *_ in ENCODINGS]


def members_of(path) -> dict[str, bytes]:
    """Every member of a zip file."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(members: dict[str, bytes]) -> bytes:
    """A zip archive in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def sheet_text(doctype: str = "", cell: str = "SYR") -> str:
    """The valid fixture's sheet as text, with an optional DOCTYPE and its first 'SYR' cell replaced."""
    text = members_of(DATA / "clinic_b.xlsx")[SHEET].decode("utf-8")
    assert "<t>SYR</t>" in text and not text.startswith("<?xml")
    return doctype + text.replace("<t>SYR</t>", f"<t>{cell}</t>", 1)


def encoded(text: str, codec: str, bom: bytes, declared: str) -> bytes:
    """An XML part in one encoding, with its XML declaration and optional byte order mark."""
    return bom + f'<?xml version="1.0" encoding="{declared}"?>{text}'.encode(codec)


def billion_laughs(codec: str = "utf-16-le", bom: bytes = b"\xff\xfe", declared: str = "UTF-16") -> bytes:
    """The attack that froze the server: a 50 kB entity referenced 200 times (10 MB), in a UTF-16 sheet."""
    doctype = f'<!DOCTYPE worksheet [<!ENTITY big "{"x" * ENTITY_BYTES}">]>'
    sheet = encoded(sheet_text(doctype, "&big;" * REFERENCES), codec, bom, declared)
    return rezip({**members_of(DATA / "clinic_b.xlsx"), SHEET: sheet})


def workbook_of(records: int) -> bytes:
    """The valid workbook with its sheet's records replaced by many synthetic ones; its <dimension> still says 12."""
    members = members_of(DATA / "clinic_b.xlsx")
    sheet = members[SHEET].decode()
    head, rest = sheet.split("<sheetData>")
    assert '<dimension ref="A1:G13" />' in head
    header_row = rest[: rest.index("</row>") + len("</row>")]
    rng = random.Random(13)
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>SYR</t></is></c><c r="B{r}" t="inlineStr"><is><t>female</t>'
        f'</is></c><c r="C{r}"><v>{rng.randint(0, 99)}</v></c><c r="D{r}" t="inlineStr"><is><t>refugee</t></is></c>'
        f'<c r="E{r}" t="inlineStr"><is><t>GRC-I</t></is></c><c r="F{r}" t="inlineStr"><is><t>health</t></is></c>'
        f'<c r="G{r}" t="inlineStr"><is><t>2024-{rng.randint(1, 12):02d}</t></is></c></row>'
        for r in range(2, records + 2)
    )
    tail = rest[rest.index("</sheetData>") :]
    return rezip({**members, SHEET: f"{head}<sheetData>{header_row}{rows}{tail}".encode()})


def refusal(data: bytes, words: str) -> UploadRejected:
    """The refusal of an XLSX upload, which must say `words` (failing if it was accepted)."""
    with pytest.raises(UploadRejected, match=re.escape(words)) as info:
        parse_upload("cases.xlsx", data, SCHEMA)
    return info.value


def test_openpyxl_parses_through_defusedxml():
    assert openpyxl.DEFUSEDXML is True


@pytest.mark.parametrize(("name", "codec", "bom", "declared"), ENCODINGS, ids=ENCODING_IDS)
def test_the_entity_bomb_is_refused_in_every_encoding(name, codec, bom, declared):
    refusal(billion_laughs(codec, bom, declared), "DTD")


@pytest.mark.parametrize(("name", "codec", "bom", "declared"), ENCODINGS, ids=ENCODING_IDS)
def test_each_layer_alone_refuses_a_dtd(name, codec, bom, declared):
    """The byte scan and the defused parser each refuse it, so neither depends on the other."""
    part = encoded(sheet_text('<!DOCTYPE worksheet [<!ENTITY e "x">]>', "&e;"), codec, bom, declared)
    with pytest.raises(UploadRejected, match="DTD"):
        refuse_dtd_bytes(part)
    with pytest.raises(UploadRejected, match="DTD" if codec.startswith(("utf-8", "utf-16")) else "not well-formed"):
        refuse_dtd_parsed(part)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE worksheet SYSTEM "file:///etc/passwd">',
        '<!DOCTYPE worksheet [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>',
        "<!DOCTYPE worksheet>",
    ],
)
def test_external_and_empty_dtds_are_refused(doctype):
    sheet = encoded(sheet_text(doctype), "utf-16-le", b"\xff\xfe", "UTF-16")
    refusal(rezip({**members_of(DATA / "clinic_b.xlsx"), SHEET: sheet}), "DTD")


@pytest.mark.parametrize("member", ["docProps/thumbnail.png", "customXml/item1.txt", "xl/sharedStrings.xml"])
def test_a_dtd_in_any_member_is_refused(member):
    """Also in members the workbook does not list, and in members named as pictures."""
    part = encoded('<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', "utf-16-be", b"", "UTF-16")
    refusal(rezip({**members_of(DATA / "clinic_b.xlsx"), member: part}), "DTD")


def test_a_member_that_is_not_xml_is_refused_unless_it_is_a_picture():
    members = members_of(DATA / "clinic_b.xlsx")
    refusal(rezip({**members, "xl/extra.dat": b"\x00\x01 not xml"}), "not well-formed XML")
    parsed = parse_upload("cases.xlsx", rezip({**members, "xl/media/image1.png": b"\x89PNG\r\n\x1a\n"}), SCHEMA)
    assert len(parsed.rows) == 12


@pytest.mark.parametrize(("codec", "bom"), [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")])
def test_a_utf16_sheet_without_dtd_is_read(codec, bom):
    """UTF-16 itself is fine: the sheet is decoded, not refused for its encoding."""
    sheet = encoded(sheet_text(), codec, bom, "UTF-16")
    parsed = parse_upload("cases.xlsx", rezip({**members_of(DATA / "clinic_b.xlsx"), SHEET: sheet}), SCHEMA)
    assert len(parsed.rows) == 12 and parsed.rows[0][0] in {"SYR", "AFG"}


def test_every_row_is_read_whatever_the_sheet_dimension_claims():
    """A read-only reader trusts <dimension> and would silently drop the rows past it."""
    assert len(parse_upload("cases.xlsx", workbook_of(40), SCHEMA).rows) == 40
