"""Palestine refugees under UNRWA's mandate, from the mirror: row count and origin PSE."""

from __future__ import annotations

import pytest

SOURCE = "unhcr_unrwa"
pytestmark = pytest.mark.mirror


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def test_rows(release):
    report, con = release
    assert report.datasets[SOURCE] == 296
    assert {
        row[0]
        for row in con.execute("SELECT DISTINCT origin FROM observation WHERE dataset_id = ?", [SOURCE]).fetchall()
    } == {"PSE"}
    assert {
        row[0]
        for row in con.execute("SELECT DISTINCT destination FROM observation WHERE dataset_id = ?", [SOURCE]).fetchall()
    } == {"JOR", "LBN", "SYR", "PSE", "UNK"}
