"""Eurostat asylum applicants by reporting country from the mirror: rows and the EU-28 2015 total."""

from __future__ import annotations

import pytest

SOURCE = "eurostat_asylum_applicants_totals"
pytestmark = pytest.mark.mirror


EU28 = "European Union (28 countries)"


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def test_rows(release, eurostat_rows):
    report, _ = release
    rows = eurostat_rows("migr_asyappctza_1_Data-2017-05-31-ADDED.csv")
    kept = [r for r in rows if r["number"] is not None and r["GEO"] not in (EU28, "Total")]
    assert report.datasets[SOURCE] == len(kept) == 1_036


def test_eu28_2015_and_member_sum(release, eurostat_rows):
    _, con = release
    eu = {
        (r["TIME"], r["CITIZEN"], r["ASYL_APP"]): r["number"]
        for r in eurostat_rows("migr_asyappctza_1_Data-2017-05-31-ADDED.csv")
        if r["GEO"] == EU28
    }
    assert eu[("2015", "Total", "Asylum applicant")] == 1_323_465
    members = scalar(
        con,
        "SELECT sum(value) FROM observation WHERE measure_id = 'eurostat_asylum_applicants' AND year = 2015 "
        "AND category = 'all_citizenships' AND area NOT IN ('ISL', 'LIE', 'NOR', 'CHE')",
    )
    assert members == pytest.approx(1_323_465, rel=0.001)
