"""Eurostat first-instance asylum decisions from the mirror: rows and the EU-28 2016 totals."""

from __future__ import annotations

import pytest

SOURCE = "eurostat_asylum_decisions"
pytestmark = pytest.mark.mirror


EU28 = "European Union (28 countries)"


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def test_rows(release, eurostat_rows):
    report, _ = release
    rows = eurostat_rows("migr_asydcfsta_2017-04-26.csv")
    kept = [r for r in rows if r["number"] is not None and r["GEO"] not in (EU28, "Total")]
    assert report.datasets[SOURCE] == len(kept) == 1_702


@pytest.mark.parametrize(
    ("measure", "decision", "expected"),
    [
        ("eurostat_first_instance_decisions_total", "Total", 1_106_540),
        ("eurostat_first_instance_decisions_positive", "Total positive decisions", 672_665),
    ],
)
def test_eu28_2016(release, eurostat_rows, measure, decision, expected):
    _, con = release
    eu = {
        (r["TIME"], r["CITIZEN"], r["DECISION"]): r["number"]
        for r in eurostat_rows("migr_asydcfsta_2017-04-26.csv")
        if r["GEO"] == EU28
    }
    assert eu[("2016", "Total", decision)] == expected
    members = scalar(
        con,
        "SELECT sum(value) FROM observation WHERE measure_id = ? AND year = 2016 "
        "AND category = 'all_citizenships' AND area NOT IN ('ISL', 'LIE', 'NOR', 'CHE')",
        measure,
    )
    assert members == pytest.approx(expected, rel=0.001)
