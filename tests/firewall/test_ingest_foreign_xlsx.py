"""Workbooks written by spreadsheet programs, not by openpyxl: LibreOffice Calc and Microsoft Excel."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

from observatory.firewall.declarations import load_schema
from observatory.firewall.errors import UploadRejected
from observatory.firewall.ingest import parse_upload

from .conftest import DATA

SCHEMA = load_schema("case_records")
# Written by `soffice --headless --convert-to xlsx clinic_b.csv` (LibreOffice 7.4.7, Debian 12).
LIBREOFFICE = DATA / "clinic_b_libreoffice.xlsx"
# A researcher's workbook saved by Microsoft Excel for Mac (the Hoffmann et al. 2020 country covariates).
EXCEL = "evidence/hoffmann2020-env-migration-meta/Environmental Change and Migration_Country Level Data.xlsx"


def application_of(path) -> str:
    """The program a workbook names as its writer (docProps/app.xml)."""
    with zipfile.ZipFile(path) as archive:
        return archive.read("docProps/app.xml").decode("utf-8")


def test_a_workbook_saved_by_libreoffice_reads_as_its_csv():
    assert "<Application>LibreOffice/" in application_of(LIBREOFFICE)
    from_calc = parse_upload("cases.xlsx", LIBREOFFICE.read_bytes(), SCHEMA)
    from_csv = parse_upload("cases.csv", (DATA / "clinic_b.csv").read_bytes(), SCHEMA)
    assert len(from_calc.rows) == 15
    assert from_calc.rows == from_csv.rows  # ages typed as numbers by Calc band the same as the CSV's text


def test_a_workbook_saved_by_libreoffice_holds_shared_strings_and_numbers():
    """Calc stores text in the shared-string table and ages as numeric cells: the reader must resolve both."""
    with zipfile.ZipFile(LIBREOFFICE) as archive:
        assert "xl/sharedStrings.xml" in archive.namelist()
    sheet = openpyxl.load_workbook(LIBREOFFICE).active
    ages = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert ages and all(isinstance(age, int) for age in ages)


@pytest.mark.mirror
def test_a_real_excel_workbook_of_another_shape_is_refused_by_its_header_without_quoting_it(mirror):
    path = mirror / EXCEL
    assert "<Application>Microsoft Macintosh Excel</Application>" in application_of(path)
    with pytest.raises(UploadRejected, match=r"^row 1: the first row names no declared column") as refusal:
        parse_upload("covariates.xlsx", path.read_bytes(), SCHEMA)
    rows = openpyxl.load_workbook(path, read_only=True).active.iter_rows(max_row=6, values_only=True)
    texts = {str(cell) for row in rows for cell in row if isinstance(cell, str) and len(cell) >= 4}
    assert {"Country", "iso3c"} <= texts  # header cells and country names of the first rows
    assert sorted(text for text in texts if text in refusal.value.detail) == []
