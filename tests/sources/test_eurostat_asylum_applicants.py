(
    """Eurostat first-time asylum applicants by citizenship from the mirror: counted exclusions, EU-28 2015 total, """
    """exact names."""
)

from __future__ import annotations

import pytest

SOURCE = "eurostat_asylum_applicants"
pytestmark = pytest.mark.mirror


EU28 = "European Union (28 countries)"


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def test_rows_and_counted_exclusions(release, eurostat_rows):
    report, _ = release
    rows = eurostat_rows("migr_asyappctza_allcitizenships.csv")
    valued = [r for r in rows if r["number"] is not None]
    aggregates = [r for r in valued if r["GEO"] in (EU28, "Total")]
    non_area = [
        r
        for r in valued
        if r["GEO"] not in (EU28, "Total")
        and r["CITIZEN"] in ("Recognised non-citizens", "British overseas countries and territories")
    ]
    assert len(rows) - len(valued) == 2_757
    assert report.datasets[SOURCE] == len(valued) - len(aggregates) - len(non_area) == 29_681


def test_eu28_2015_first_time_applicants(release, eurostat_rows):
    _, con = release
    published = sum(
        r["number"] or 0
        for r in eurostat_rows("migr_asyappctza_allcitizenships.csv")
        if r["GEO"] == EU28 and r["TIME"] == "2015"
    )
    assert published == 1_257_595
    members = scalar(
        con,
        "SELECT sum(value) FROM observation o JOIN area_membership m ON m.area = o.destination "
        "WHERE o.measure_id = 'eurostat_first_time_asylum_applicants' AND o.year = 2015 AND m.\"group\" = 'EU27'",
    )
    uk = scalar(
        con,
        "SELECT sum(value) FROM observation WHERE measure_id = 'eurostat_first_time_asylum_applicants' AND year = "
        "2015 AND destination = 'GBR'",
    )
    assert members + uk == pytest.approx(published, rel=0.001)  # Eurostat rounds every cell to 5


def test_labels_resolve_exactly(release):
    _, con = release
    assert scalar(con, "SELECT count(*) FROM area_resolution WHERE dataset_id = ? AND NOT exact", SOURCE) == 0
    assert (
        scalar(
            con,
            "SELECT code FROM area_resolution WHERE dataset_id = ? AND raw_value = 'China (including Hong Kong)'",
            SOURCE,
        )
        == "CHN"
    )
    assert (
        scalar(con, "SELECT code FROM area_resolution WHERE dataset_id = ? AND raw_value = 'Stateless'", SOURCE)
        == "STL"
    )
