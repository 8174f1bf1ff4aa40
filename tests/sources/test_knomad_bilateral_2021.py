"""KNOMAD 2021 matrices from the mirror: totals, corridors by migration direction, aggregates and zeros left out."""

from __future__ import annotations

from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from observatory.sources import registry
from observatory.sources.context import ParseContext
from observatory.sources.errors import SourceError

SOURCE = "knomad_bilateral_2021"
pytestmark = pytest.mark.mirror

REMITTANCES = ("knomad_bilateral_2021/bilateral_remittance_matrix_2021.xlsx", "FINAL BRM 2021 ", "WORLD")
MIGRATION = ("knomad_bilateral_2021/bilateral_migration_matrix_2021_latest.xlsx", "BRM 2021", "World")
RESIDUAL_ORIGINS = ["Other North", "Other South"]


def matrix(mirror, path: str, sheet: str, total: str) -> pd.DataFrame:
    """The table as published: row labels × column labels, through the total row; text cells become NaN."""
    raw = pd.read_excel(mirror / path, sheet_name=sheet, header=None, dtype=object)
    corner = next(i for i, value in enumerate(raw[0]) if "(across)" in str(value))
    labels = [" ".join(str(v).split()) for v in raw[0]]
    last = labels.index(total)
    table = raw.iloc[corner + 1 : last + 1].set_index(0)
    table.index = [" ".join(str(v).split()) for v in table.index]
    table.columns = [" ".join(str(v).split()) for v in raw.iloc[corner, 1:]]
    table = table.loc[:, [c for c in table.columns if c != "nan"]]
    return table.apply(pd.to_numeric, errors="coerce")


@pytest.fixture(scope="module")
def remittances(mirror) -> pd.DataFrame:
    return matrix(mirror, *REMITTANCES)


@pytest.fixture(scope="module")
def migration(mirror) -> pd.DataFrame:
    return matrix(mirror, *MIGRATION)


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def stored(con, measure: str, origin: str, destination: str):
    sql = "SELECT value FROM observation WHERE measure_id = ? AND origin = ? AND destination = ? AND year = 2021"
    return scalar(con, sql, measure, origin, destination)


def test_published_remittance_totals(remittances, release):
    _, con = release
    world = remittances.loc["WORLD", "WORLD"]
    assert world == pytest.approx(781_075.7, abs=0.1)  # millions of USD
    assert remittances.loc["WORLD", "India"] == pytest.approx(89_375.2, abs=0.1)
    assert remittances.loc["United States", "WORLD"] == pytest.approx(200_216.1, abs=0.1)
    total = "SELECT sum(value) FROM observation WHERE measure_id = 'remittances_bilateral'"
    assert scalar(con, total) == pytest.approx(world * 1e6, rel=1e-9)
    received = scalar(con, total + " AND origin = 'IND'")  # India is the migrants' home: origin
    assert received == pytest.approx(remittances.loc["WORLD", "India"] * 1e6, rel=1e-9)
    sent = scalar(con, total + " AND destination = 'USA'")  # money leaves where the migrants live: destination
    assert sent == pytest.approx(remittances.loc["United States", "WORLD"] * 1e6, rel=1e-9)


def test_mexico_corridor_is_keyed_by_migration(remittances, release):
    _, con = release
    sent_home = remittances.loc["United States", "Mexico"]  # row = sending country, column = receiving country
    assert sent_home == pytest.approx(52_595.3, abs=0.1)
    assert stored(con, "remittances_bilateral", "MEX", "USA") == pytest.approx(sent_home * 1e6, rel=1e-12)
    sent_north = remittances.loc["Mexico", "United States"]
    assert stored(con, "remittances_bilateral", "USA", "MEX") == pytest.approx(sent_north * 1e6)


def test_migration_matrix(migration, release):
    _, con = release
    assert migration.loc["World", "World"] == 282_222_943
    assert migration.loc["Mexico", "United States"] == 10_924_662  # rows = origin, columns = destination
    assert stored(con, "migrant_stock_knomad", "MEX", "USA") == 10_924_662
    countries = migration.drop(index=RESIDUAL_ORIGINS + ["World"], columns=RESIDUAL_ORIGINS + ["World"])
    stock = scalar(con, "SELECT sum(value) FROM observation WHERE measure_id = 'migrant_stock_knomad'")
    assert stock == countries.sum().sum()
    residual = migration.loc[RESIDUAL_ORIGINS, "World"].sum()
    assert stock + residual == migration.loc["World", "World"]


def test_rows_zero_and_blank_cells_not_stored(remittances, migration, release):
    report, con = release
    remittance_cells = remittances.drop(index="WORLD", columns="WORLD")
    migration_cells = migration.drop(index=RESIDUAL_ORIGINS + ["World"], columns=RESIDUAL_ORIGINS + ["World"])
    positive = int((remittance_cells > 0).sum().sum()) + int((migration_cells > 0).sum().sum())
    assert report.datasets[SOURCE] == positive
    assert scalar(con, "SELECT count(*) FROM observation WHERE dataset_id = ? AND value <= 0", SOURCE) == 0
    assert int((remittance_cells == 0).sum().sum()) == 2  # Lao PDR → Azerbaijan, Mali → India: no row
    for sender, receiver in [("India", "Pakistan"), ("Lebanon", "Israel"), ("Azerbaijan", "Armenia")]:
        assert pd.isna(remittance_cells.loc[sender, receiver]) and pd.isna(remittance_cells.loc[receiver, sender])
    assert stored(con, "migrant_stock_knomad", "IND", "PAK") == migration_cells.loc["India", "Pakistan"] > 0


def test_world_totals_checked_and_counted(remittances, migration, release):
    report, _ = release
    findings = {f.check_name: f for f in report.findings if f.dataset_id == SOURCE}
    assert "world_total_mismatch" not in findings  # every row and column adds up to its published total
    row_sums = remittances.drop(columns="WORLD").sum(axis=1).drop("WORLD")
    assert (row_sums - remittances["WORLD"].drop("WORLD")).abs().max() < 0.5
    excluded = [f for f in report.findings if f.dataset_id == SOURCE and f.check_name == "world_total_excluded"]
    expected = sum(
        int(m.loc[total].notna().sum() + m[total].notna().sum()) - 1
        for m, total in ((remittances, "WORLD"), (migration, "World"))
    )
    assert sum(f.count for f in excluded) == expected
    residual_cells = int(migration.loc[RESIDUAL_ORIGINS].drop(columns="World").gt(0).sum().sum())
    assert findings["aggregates_excluded"].count == residual_cells
    assert findings["not_available_cells"].count == 1
    assert "fuzzy_area_match" not in findings


def test_status_and_units(release):
    _, con = release
    rows = con.execute("SELECT id, status, unit FROM measure WHERE dataset_id = ? ORDER BY id", [SOURCE]).fetchall()
    assert rows == [
        ("migrant_stock_knomad", "modelled", "persons"),
        ("remittances_bilateral", "modelled", "current USD"),
    ]
    statuses = con.execute("SELECT DISTINCT status FROM observation WHERE dataset_id = ?", [SOURCE]).fetchall()
    assert statuses == [("modelled",)]


def parse_with(mirror, tmp_path, replaced: dict[str, Path]):
    """Run the connector with some declared files replaced by edited copies; returns (frame, notes)."""
    spec = registry.get_spec(SOURCE)
    paths = {raw.path: replaced.get(raw.path, mirror / raw.path) for raw in spec.files}
    ctx = ParseContext(spec, paths, duckdb.connect(), tmp_path)
    try:
        relations = registry.connector(spec).parse(ctx)
        return relations[0].df(), ctx.notes
    finally:
        ctx.close()


def edited_remittances(mirror, tmp_path, edit) -> Path:
    book = openpyxl.load_workbook(mirror / REMITTANCES[0])
    edit(book[REMITTANCES[1]])
    copy = tmp_path / "bilateral_remittance_matrix_2021.xlsx"
    book.save(copy)
    return copy


def cell_of(sheet, row_label: str, column_label: str):
    """The worksheet cell at a row and column label of the matrix."""
    corner = next(row for row in sheet.iter_rows(max_col=1) if "(across)" in str(row[0].value))[0].row
    column = next(c.column for c in sheet[corner] if str(c.value) == column_label)
    row = next(r[0].row for r in sheet.iter_rows(min_row=corner + 1, max_col=1) if str(r[0].value).strip() == row_label)
    return sheet.cell(row=row, column=column)


def test_a_corridor_that_breaks_its_world_total_is_reported(mirror, tmp_path):
    def add_a_billion(sheet):
        cell_of(sheet, "United States", "Mexico").value += 1000

    copy = edited_remittances(mirror, tmp_path, add_a_billion)
    frame, notes = parse_with(mirror, tmp_path, {"knomad_bilateral_2021/" + copy.name: copy})
    mismatch = [note for note in notes if note[0] == "world_total_mismatch"]
    assert len(mismatch) == 1 and mismatch[0][1] == "warning"
    assert mismatch[0][3] == 3  # the United States row, the Mexico column and the grand total
    assert "United States" in mismatch[0][2] and "Mexico" in mismatch[0][2]


def test_text_in_a_cell_is_an_error_naming_row_and_field(mirror, tmp_path):
    def write_text(sheet):
        cell_of(sheet, "Mali", "Senegal").value = "n/a?"

    copy = edited_remittances(mirror, tmp_path, write_text)
    with pytest.raises(SourceError, match="field 'Senegal': value 'n/a\\?' is not a number") as error:
        parse_with(mirror, tmp_path, {"knomad_bilateral_2021/" + copy.name: copy})
    assert (
        error.value.field == "Senegal"
        and error.value.row == cell_of(openpyxl.load_workbook(copy)[REMITTANCES[1]], "Mali", "Senegal").row
    )


def test_indicator_keeps_the_corridor_direction(release):
    _, con = release
    rows = con.execute(
        "SELECT value, status FROM indicator_value WHERE indicator = 'remittances_bilateral_usd' "
        "AND origin = 'MEX' AND destination = 'USA' AND year = 2021"
    ).fetchall()
    assert rows == [(stored(con, "remittances_bilateral", "MEX", "USA"), "modelled")]
