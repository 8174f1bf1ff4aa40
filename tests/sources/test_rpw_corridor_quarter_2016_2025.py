"""RPW corridor-quarter extract from the mirror: migration direction, quarters, impossible costs left out, listed."""

from __future__ import annotations

import pandas as pd
import pytest

SOURCE = "rpw_corridor_quarter_2016_2025"
pytestmark = pytest.mark.mirror

COSTS = {"avg_cost_pct_200usd": "remittance_cost_usd200", "avg_cost_pct_500usd": "remittance_cost_usd500"}


@pytest.fixture(scope="module")
def raw(mirror) -> pd.DataFrame:
    frame = pd.read_csv(
        mirror / "worldbank_rpw_corridor_quarter_2016_2025" / "rpw_filtered.csv", keep_default_na=False, na_values=[""]
    )
    frame["quarter"] = frame["period"].str[:4] + "Q" + frame["period"].str[5]
    return frame


def plausible(values: pd.Series) -> pd.Series:
    return values.between(0, 100)


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def test_rows(raw, release):
    report, con = release
    kept = sum(int(plausible(raw[column]).sum()) for column in COSTS)
    assert report.datasets[SOURCE] == kept == 2 * 10_468 - 14 - 1 - 33
    periods = con.execute("SELECT min(period), max(period), count(DISTINCT period) FROM observation").fetchall()[0]
    assert periods == ("2016Q2", "2025Q1", 36)
    assert scalar(con, "SELECT count(*) FROM observation WHERE year <> CAST(left(period, 4) AS INTEGER)") == 0


def test_usa_to_mexico_stored_as_migration_corridor(raw, release):
    _, con = release
    row = raw[(raw["source_code"] == "USA") & (raw["destination_code"] == "MEX") & (raw["quarter"] == "2025Q1")].iloc[0]
    assert round(row["avg_cost_pct_200usd"], 2) == 4.98
    value, note = con.execute(
        "SELECT value, note FROM observation WHERE measure_id = 'remittance_cost_usd200' AND origin = 'MEX' "
        "AND destination = 'USA' AND period = '2025Q1' AND year = 2025"
    ).fetchall()[0]
    assert value == pytest.approx(row["avg_cost_pct_200usd"], rel=1e-12)
    assert note == f"simple mean over {row['num_providers']} service(s)"
    assert scalar(con, "SELECT count(*) FROM observation WHERE origin = 'USA' AND destination = 'MEX'") == 0


@pytest.mark.parametrize("column", COSTS)
def test_quarter_means_without_the_excluded_values(raw, release, column):
    _, con = release
    quarter = raw[raw["quarter"] == "2025Q1"]
    if column == "avg_cost_pct_200usd":
        assert round(quarter[column].mean(), 2) == 6.92  # the manifest's check, all published values
    expected = quarter.loc[plausible(quarter[column]), column].mean()
    stored = scalar(con, "SELECT avg(value) FROM observation WHERE measure_id = ? AND period = '2025Q1'", COSTS[column])
    assert stored == pytest.approx(expected, rel=1e-12)


def test_implausible_costs_are_left_out_and_listed(raw, release):
    report, con = release
    findings = {(f.check_name, f.message.split(":")[0]): f for f in report.findings if f.dataset_id == SOURCE}
    for column, measure in COSTS.items():
        negative, above = raw[raw[column] < 0], raw[raw[column] > 100]
        if len(negative):
            finding = findings[("negative_cost_excluded", measure)]
            assert finding.severity == "warning" and finding.count == len(negative)
        if len(above):
            finding = findings[("cost_above_100_excluded", measure)]
            assert finding.count == len(above)
            listed = [f"{r.source_code}→{r.destination_code} {r.quarter}" for r in above.itertuples()]
            assert all(corridor in finding.message for corridor in listed)
        outside = "SELECT count(*) FROM observation WHERE measure_id = ? AND (value < 0 OR value > 100)"
        assert scalar(con, outside, measure) == 0
    assert (len(raw[raw["avg_cost_pct_200usd"] < 0]), len(raw[raw["avg_cost_pct_200usd"] > 100])) == (14, 1)
    assert findings[("negative_cost_excluded", "remittance_cost_usd200")].message.count("→") == 14
    assert ("cost_above_100_excluded", "remittance_cost_usd500") not in findings
    assert scalar(
        con,
        "SELECT value FROM observation WHERE measure_id = 'remittance_cost_usd500' AND origin = 'BGR' "
        "AND destination = 'TUR' AND period = '2025Q1'",
    ) == pytest.approx(43.972727, rel=1e-6)


def test_partial_year_declared(release):
    _, con = release
    assert con.execute("SELECT year, period, until FROM partial_period WHERE dataset_id = ?", [SOURCE]).fetchall() == [
        (2025, "", pd.Timestamp("2025-03-31").date())
    ]


def test_sdg_10_c_1_reads_the_quarter(release):
    _, con = release
    cost = scalar(
        con,
        "SELECT value FROM observation WHERE measure_id = 'remittance_cost_usd200' AND origin = 'MEX' "
        "AND destination = 'USA' AND period = '2025Q1'",
    )
    indicator = scalar(
        con,
        "SELECT value FROM indicator_value WHERE indicator = 'sdg_10_c_1' AND origin = 'MEX' "
        "AND destination = 'USA' AND period = '2025Q1'",
    )
    assert indicator == cost
