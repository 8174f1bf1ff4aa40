"""Eurostat migrant-integration extracts from the mirror: values, flags and exclusions recomputed from the raw TSV."""

from __future__ import annotations

import pandas as pd
import pytest

SOURCE = "eurostat_migrant_integration"
pytestmark = pytest.mark.mirror
FOLDER = "eurostat_lfs_migrant_integration"
FILES = {
    "employment_rate_by_citizenship": "estat_lfsa_ergan_filtered.tsv",
    "unemployment_rate_by_citizenship": "estat_lfsa_urgan_filtered.tsv",
    "educational_attainment_by_birth": "estat_edat_lfs_9912_filtered1.tsv",
    "first_residence_permits": "estat_migr_resfirst_filtered.tsv",
}


@pytest.fixture(scope="module")
def tsv(mirror):
    """A raw extract in long form: key dimensions, year, cell text, number (None for ':') and flags."""

    def read(name: str) -> pd.DataFrame:
        frame = pd.read_csv(mirror / FOLDER / name, sep="\t", dtype=str, keep_default_na=False, na_values=[""])
        key = frame.columns[0]
        dimensions = key.split("\\")[0].split(",")
        keys = pd.DataFrame(frame[key].str.split(",").tolist(), columns=dimensions)
        long = keys.join(frame.drop(columns=key)).melt(id_vars=dimensions, var_name="year", value_name="cell")
        long["year"] = long["year"].str.strip().astype(int)
        parts = long["cell"].str.strip().str.split(" ", n=1)
        long["number"] = pd.to_numeric(parts.str[0].where(parts.str[0] != ":"))
        long["flags"] = parts.str[1].fillna("").str.strip()
        return long

    return read


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def finding_counts(con, check: str) -> list[int]:
    return [
        row[0]
        for row in con.execute(
            "SELECT count FROM check_result WHERE dataset_id = ? AND check_name = ? ORDER BY message", [SOURCE, check]
        ).fetchall()
    ]


def test_rows_are_the_available_cells_less_checked_totals(release, tsv):
    report, con = release
    expected = 0
    for measure, name in FILES.items():
        raw = tsv(name)
        available = raw[raw["number"].notna()]
        if measure == "first_residence_permits":
            available = available[(available["reason"] != "TOTAL") & (available["geo"] != "EU27_2020")]
        expected += len(available)
        assert scalar(con, "SELECT count(*) FROM observation WHERE measure_id = ?", measure) == len(available), measure
    assert report.datasets[SOURCE] == expected


def test_not_available_cells_are_counted(release, tsv):
    _, con = release
    missing = [int(tsv(name)["number"].isna().sum()) for name in FILES.values()]
    assert missing[0] > 0 and missing[-1] == 0
    assert sorted(finding_counts(con, "not_available")) == sorted(count for count in missing if count)


@pytest.mark.parametrize(
    ("citizen", "category", "published"), [("NAT", "nationals", 76.7), ("NEU27_2020_FOR", "non_eu27_citizens", 64.2)]
)
def test_eu27_employment_2024(release, tsv, citizen, category, published):
    _, con = release
    raw = tsv(FILES["employment_rate_by_citizenship"])
    cell = raw[(raw["geo"] == "EU27_2020") & (raw["year"] == 2024) & (raw["sex"] == "T") & (raw["citizen"] == citizen)]
    assert cell["number"].item() == published
    assert (
        scalar(
            con,
            "SELECT value FROM observation WHERE measure_id = 'employment_rate_by_citizenship' AND area = 'EU27' "
            "AND year = 2024 AND sex = 'total' AND age = '20-64' AND category = ?",
            category,
        )
        == published
    )


def test_unemployment_of_one_country_and_greece_code(release, tsv):
    _, con = release
    raw = tsv(FILES["unemployment_rate_by_citizenship"])
    for geo, area in (("ES", "ESP"), ("EL", "GRC")):
        cell = raw[
            (raw["geo"] == geo) & (raw["year"] == 2023) & (raw["sex"] == "F") & (raw["citizen"] == "NEU27_2020_FOR")
        ]
        assert (
            scalar(
                con,
                "SELECT value FROM observation WHERE measure_id = 'unemployment_rate_by_citizenship' AND area = ? "
                "AND year = 2023 AND sex = 'female' AND category = 'non_eu27_citizens'",
                area,
            )
            == cell["number"].item()
        )


def test_flags_are_kept_in_the_note(release, tsv):
    _, con = release
    raw = tsv(FILES["employment_rate_by_citizenship"])
    flagged = raw[
        (raw["geo"] == "AT") & (raw["year"] == 2021) & (raw["sex"] == "F") & (raw["citizen"] == "EU27_2020_FOR")
    ]
    assert flagged["flags"].item() == "b"
    note = scalar(
        con,
        "SELECT note FROM observation WHERE measure_id = 'employment_rate_by_citizenship' "
        "AND area = 'AUT' AND year = 2021 "
        "AND sex = 'female' AND category = 'other_eu27_citizens'",
    )
    assert note == "b: break in time series"
    low = raw[raw["number"].notna() & raw["flags"].str.contains("u")]
    stored = scalar(
        con,
        "SELECT count(*) FROM observation WHERE measure_id = 'employment_rate_by_citizenship' "
        "AND note LIKE '%u: low reliability%'",
    )
    assert stored == len(low) > 0


def test_tertiary_attainment_category(release, tsv):
    _, con = release
    raw = tsv(FILES["educational_attainment_by_birth"])
    cell = raw[
        (raw["geo"] == "DE")
        & (raw["year"] == 2024)
        & (raw["sex"] == "T")
        & (raw["isced11"] == "ED5-8")
        & (raw["c_birth"] == "NEU27_2020_FOR")
        & (raw["age"] == "Y25-64")
    ]
    assert (
        scalar(
            con,
            "SELECT value FROM observation WHERE measure_id = 'educational_attainment_by_birth' "
            "AND area = 'DEU' AND year = 2024 "
            "AND sex = 'total' AND age = '25-64' AND category = 'isced_5_8:born_outside_eu27'",
        )
        == cell["number"].item()
    )
    assert finding_counts(con, "levels_vs_100") == []  # the three shares of every complete group add up to 100 % ± 0.2


def test_eu27_first_permits_2023_equal_the_member_sum(release, tsv):
    _, con = release
    raw = tsv(FILES["first_residence_permits"])
    eu27 = raw[raw["geo"] == "EU27_2020"].set_index("reason")["number"]
    assert eu27["TOTAL"] == 3_821_562 and eu27["EMP"] == 1_275_215
    members = "SELECT area FROM area_membership WHERE \"group\" = 'EU27'"
    assert (
        scalar(
            con,
            f"SELECT sum(value) FROM observation WHERE measure_id = 'first_residence_permits' "
            f"AND year = 2023 AND area IN ({members})",
        )
        == eu27["TOTAL"]
    )
    assert (
        scalar(
            con,
            f"SELECT sum(value) FROM observation WHERE measure_id = 'first_residence_permits' AND year = 2023 "
            f"AND category = 'employment' AND area IN ({members})",
        )
        == eu27["EMP"]
    )
    assert (
        scalar(con, "SELECT count(*) FROM observation WHERE measure_id = 'first_residence_permits' AND area = 'EU27'")
        == 0
    )
    assert finding_counts(con, "aggregates_excluded") == [4]
    assert finding_counts(con, "totals_excluded") == [int((raw["reason"] == "TOTAL").sum())]
    assert finding_counts(con, "reasons_vs_total") == [] and finding_counts(con, "eu27_vs_members") == []


def test_reasons_add_up_to_each_country_total(release, tsv):
    _, con = release
    raw = tsv(FILES["first_residence_permits"])
    totals = raw[(raw["reason"] == "TOTAL") & (raw["geo"] == "DE")]["number"].item()
    assert (
        scalar(con, "SELECT sum(value) FROM observation WHERE measure_id = 'first_residence_permits' AND area = 'DEU'")
        == totals
    )


def test_indicators(release, tsv):
    _, con = release
    permits = tsv(FILES["first_residence_permits"])
    eu27_total = permits[(permits["geo"] == "EU27_2020") & (permits["reason"] == "TOTAL")]["number"].item()
    assert (
        scalar(
            con,
            "SELECT value FROM indicator_value WHERE indicator = 'first_permits_by_reason' "
            "AND area = 'EU27' AND year = 2023 "
            "AND category = ''",
        )
        == eu27_total
    )
    attainment = tsv(FILES["educational_attainment_by_birth"])
    cell = attainment[
        (attainment["geo"] == "EU27_2020")
        & (attainment["year"] == 2024)
        & (attainment["sex"] == "T")
        & (attainment["isced11"] == "ED5-8")
        & (attainment["c_birth"] == "NEU27_2020_FOR")
        & (attainment["age"] == "Y25-64")
    ]
    assert (
        scalar(
            con,
            "SELECT value FROM indicator_value WHERE indicator = 'tertiary_attainment_by_birth' "
            "AND area = 'EU27' AND year = 2024 "
            "AND sex = 'total' AND age = '25-64' AND category = 'born_outside_eu27'",
        )
        == cell["number"].item()
    )
    # Rates are not re-aggregated: the only EU27 rate is Eurostat's own.
    assert (
        scalar(
            con,
            "SELECT count(*) FROM indicator_value WHERE indicator = 'employment_rate_by_citizenship' AND area = 'EU27' "
            "AND year = 2024 AND sex = 'total'",
        )
        == 3
    )
