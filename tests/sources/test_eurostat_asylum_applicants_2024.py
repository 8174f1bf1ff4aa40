"""Eurostat asylum applicants 2011–2024 (IOM gdidata) from the mirror: totals recomputed from the raw file."""

from __future__ import annotations

import pandas as pd
import pytest

SOURCE = "eurostat_asylum_applicants_2024"
MEASURE = "eurostat_asylum_applicants_by_citizenship"
pytestmark = pytest.mark.mirror


@pytest.fixture(scope="module")
def raw(mirror) -> pd.DataFrame:
    return pd.read_csv(
        mirror / "iom_gdidata_eurostat_asylum_2024" / "eu_asyapp.csv", keep_default_na=False, na_values=[""]
    )


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def findings(con, check: str) -> list[tuple]:
    return con.execute(
        "SELECT severity, message, count FROM check_result WHERE dataset_id = ? AND check_name = ?", [SOURCE, check]
    ).fetchall()


def test_rows_are_published_sexes_plus_one_total_per_cell(release, raw):
    report, _ = release
    countries = raw[raw["geo"] != "EU27"]
    by_sex = countries[countries["sex"].isin(["female", "male"])]
    cells = countries.groupby(["geo", "nat", "t"]).ngroups
    assert report.datasets[SOURCE] == len(by_sex) + cells


@pytest.mark.parametrize(("country", "year"), [("DEU", 2016), ("DEU", 2023)])
def test_country_total_equals_eurostat_total(release, raw, country, year):
    _, con = release
    expected = raw[(raw["geo"] == country) & (raw["t"] == year)]["n"].sum()
    assert expected == {2016: 745_155, 2023: 351_510}[year]  # Eurostat's all-applicants figure, not first-time
    assert (
        scalar(
            con,
            "SELECT sum(value) FROM observation WHERE measure_id = ? "
            "AND destination = ? AND year = ? AND sex = 'total'",
            MEASURE,
            country,
            year,
        )
        == expected
    )


def test_unknown_sex_is_in_the_total_only(release, raw):
    _, con = release
    germany = raw[(raw["geo"] == "DEU") & (raw["t"] == 2016)]
    unknown_rows = germany[germany["sex"] == "unknown"]
    unknown = unknown_rows["n"].sum()
    assert unknown > 0
    female_male = scalar(
        con,
        "SELECT sum(value) FROM observation WHERE measure_id = ? AND destination = 'DEU' AND year = 2016 "
        "AND sex IN ('female', 'male')",
        MEASURE,
    )
    assert female_male == germany["n"].sum() - unknown
    notes = scalar(
        con,
        "SELECT count(*) FROM observation WHERE measure_id = ? AND destination = 'DEU' AND year = 2016 "
        "AND sex = 'total' AND note LIKE 'includes % applicant(s) of unknown sex'",
        MEASURE,
    )
    assert notes == len(unknown_rows)


def test_eu27_rows_are_left_out_and_checked(release, raw):
    _, con = release
    eu27 = raw[raw["geo"] == "EU27"]
    assert eu27[eu27["t"] == 2023]["n"].sum() == 1_130_825
    assert scalar(con, "SELECT count(*) FROM observation WHERE dataset_id = ? AND destination = 'EU27'", SOURCE) == 0
    excluded = findings(con, "aggregates_excluded")
    assert [row[2] for row in excluded] == [len(eu27)]
    members = [row[0] for row in con.execute("SELECT area FROM area_membership WHERE \"group\" = 'EU27'").fetchall()]
    assert len(members) == 27
    member_sum = raw[(raw["t"] == 2023) & raw["geo"].isin(members)]["n"].sum()
    stored = scalar(
        con,
        "SELECT sum(value) FROM observation WHERE measure_id = ? AND year = 2023 AND sex = 'total' "
        "AND destination IN (SELECT area FROM area_membership WHERE \"group\" = 'EU27')",
        MEASURE,
    )
    assert stored == member_sum
    assert 0 < 1_130_825 - member_sum < 0.002 * 1_130_825  # rounding of many small cells, not a missing member


def test_eu27_gap_beyond_rounding_is_a_warning(release, raw):
    _, con = release
    members = [row[0] for row in con.execute("SELECT area FROM area_membership WHERE \"group\" = 'EU27'").fetchall()]
    keys = ["t", "nat", "sex"]
    eu27 = raw[raw["geo"] == "EU27"].set_index(keys)["n"]
    member_cells = (
        raw[raw["geo"].isin(members) & raw["t"].isin(eu27.index.get_level_values("t"))].groupby(keys)["n"].sum()
    )
    gaps = (
        member_cells.reindex(member_cells.index.union(eu27.index), fill_value=0)
        - eu27.reindex(member_cells.index.union(eu27.index), fill_value=0)
    ).abs()
    beyond = gaps[gaps > 2 * 28].groupby(level="t").size()
    warnings = {
        int(message[:4]): count
        for severity, message, count in findings(con, "eu27_vs_members")
        if severity == "warning"
    }
    assert warnings == beyond.to_dict()
    assert list(warnings) == [2013]


def test_one_citizenship_to_country_value_2024(release, raw):
    _, con = release
    cell = raw[(raw["geo"] == "DEU") & (raw["nat"] == "SYR") & (raw["t"] == 2024)]
    assert (
        scalar(
            con,
            "SELECT value FROM observation WHERE measure_id = ? "
            "AND origin = 'SYR' AND destination = 'DEU' AND year = 2024 "
            "AND sex = 'total'",
            MEASURE,
        )
        == cell["n"].sum()
    )
    female = cell[cell["sex"] == "female"]["n"].sum()
    assert (
        scalar(
            con,
            "SELECT value FROM observation WHERE measure_id = ? "
            "AND origin = 'SYR' AND destination = 'DEU' AND year = 2024 "
            "AND sex = 'female'",
            MEASURE,
        )
        == female
    )


def test_special_citizenships_are_kept(release, raw):
    _, con = release
    for code, area in (("OOO", "UNK"), ("STL", "STL")):
        expected = raw[(raw["nat"] == code) & (raw["geo"] != "EU27")]["n"].sum()
        assert expected > 0
        assert (
            scalar(
                con,
                "SELECT sum(value) FROM observation WHERE measure_id = ? AND origin = ? AND sex = 'total'",
                MEASURE,
                area,
            )
            == expected
        )


def test_area_indicator_sums_citizenships(release, raw):
    _, con = release
    germany = raw[(raw["geo"] == "DEU") & (raw["t"] == 2016)]["n"].sum()
    assert (
        scalar(
            con,
            "SELECT value FROM indicator_value WHERE indicator = 'asylum_applicants_eurostat' "
            "AND area = 'DEU' AND year = 2016 "
            "AND sex = 'total'",
        )
        == germany
    )
    members = [row[0] for row in con.execute("SELECT area FROM area_membership WHERE \"group\" = 'EU27'").fetchall()]
    eu27 = scalar(
        con,
        "SELECT value FROM indicator_value WHERE indicator = 'asylum_applicants_eurostat' "
        "AND area = 'EU27' AND year = 2024 "
        "AND sex = 'total'",
    )
    assert (
        eu27 == raw[(raw["t"] == 2024) & raw["geo"].isin(members)]["n"].sum()
    )  # computed from the members, not the EU27 rows
