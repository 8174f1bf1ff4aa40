"""IDMC from gdidata: IDPs 2024 by cause × sex × age and displacements 2008–2023, checked against the raw files."""

from __future__ import annotations

import pandas as pd
import pytest

SOURCE = "idmc_2024"
pytestmark = pytest.mark.mirror


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


@pytest.fixture(scope="module")
def stocks(mirror) -> pd.DataFrame:
    return pd.read_csv(mirror / "iom_gdidata_idmc_2024/idmc_stocks.csv", keep_default_na=False, na_values=[""])


@pytest.fixture(scope="module")
def flows(mirror) -> pd.DataFrame:
    return pd.read_csv(mirror / "iom_gdidata_idmc_2024/idmc_flows.csv", keep_default_na=False, na_values=[""])


def test_rows(release, stocks, flows):
    report, _ = release
    cells = int((stocks["sex"] != "unknown").sum())
    totals = len(stocks.groupby(["geo", "t", "cause"]))
    conflict = int((flows["cause"] == "conflict").sum())
    hazards = int((flows["cause"] != "conflict").sum())
    disaster_years = len(flows[flows["cause"] != "conflict"].groupby(["geo", "t"]))
    assert report.datasets[SOURCE] == cells + totals + conflict + hazards + disaster_years
    assert not [f for f in report.findings if f.dataset_id == SOURCE and f.severity == "error"]


def test_stocks_2024_by_cause(release, stocks):
    _, con = release
    totals = dict(
        con.execute(
            "SELECT category, sum(value) FROM observation WHERE measure_id = 'idps_idmc' AND year = 2024 "
            "AND sex = 'total' AND age = 'total' GROUP BY category"
        ).fetchall()
    )
    assert totals == stocks.groupby("cause")["n"].sum().to_dict()
    assert round(totals["conflict"] / 1e6, 1) == 73.5 and round(totals["disaster"] / 1e6, 2) == 9.85
    assert round((totals["conflict"] + totals["disaster"]) / 1e6, 1) == 83.4  # GRID 2025


def test_stock_cells_as_published_and_totals_add_up(release, stocks):
    _, con = release
    cells = con.execute(
        "SELECT area, category, sex, age, value, status FROM observation WHERE measure_id = 'idps_idmc' "
        "AND sex <> 'total'"
    ).df()
    published = stocks[stocks["sex"] != "unknown"]
    assert len(cells) == len(published) and set(cells["status"]) == {"estimated"}
    merged = published.merge(cells, left_on=["geo", "cause", "sex", "age"], right_on=["area", "category", "sex", "age"])
    assert len(merged) == len(published) and (merged["n"] == merged["value"]).all()
    totals = con.execute(
        "SELECT area, category, value, status, note FROM observation WHERE measure_id = 'idps_idmc' AND sex = 'total'"
    ).df()
    assert set(totals["status"]) == {"reported"}
    by_country = cells.groupby(["area", "category"])["value"].sum()
    broken_down = totals.set_index(["area", "category"]).loc[by_country.index, "value"]
    assert (broken_down == by_country).all()


def test_abyei_without_breakdown_is_stored_as_its_total(release, stocks):
    report, con = release
    unbroken = stocks[stocks["sex"] == "unknown"]
    assert unbroken[["geo", "cause", "age", "n"]].values.tolist() == [["AB9", "conflict", "unknown", 42_000]]
    rows = con.execute(
        "SELECT sex, age, value, note FROM observation WHERE measure_id = 'idps_idmc' AND area = 'AB9'"
    ).fetchall()
    assert rows == [("total", "total", 42_000.0, "includes 42000 persons published without a sex or age breakdown")]
    assert (
        next(f for f in report.findings if f.dataset_id == SOURCE and f.check_name == "stock_without_breakdown").count
        == 1
    )


def test_flows_2023(release, flows):
    _, con = release
    conflict = scalar(
        con, "SELECT sum(value) FROM observation WHERE measure_id = 'internal_displacements_conflict' AND year = 2023"
    )
    disaster = scalar(
        con, "SELECT sum(value) FROM observation WHERE measure_id = 'internal_displacements_disaster' AND year = 2023"
    )
    in_2023 = flows[flows["t"] == 2023]
    assert conflict == in_2023.loc[in_2023["cause"] == "conflict", "n"].sum()
    assert disaster == in_2023.loc[in_2023["cause"] != "conflict", "n"].sum()
    assert round(conflict / 1e6, 1) == 20.5 and round((conflict + disaster) / 1e6, 1) == 46.9


def test_disaster_is_the_sum_of_hazards(release, flows):
    _, con = release
    mismatches = scalar(
        con,
        """
        SELECT count(*) FROM (SELECT area, year, sum(value) AS hazards FROM observation
                              WHERE measure_id = 'internal_displacements_by_hazard' GROUP BY area, year) h
        FULL JOIN (SELECT area, year, value FROM observation WHERE measure_id = 'internal_displacements_disaster') d
          USING (area, year)
        WHERE h.hazards IS DISTINCT FROM d.value""",
    )
    assert mismatches == 0
    hazards = sorted(
        row[0]
        for row in con.execute(
            "SELECT DISTINCT category FROM observation WHERE measure_id = 'internal_displacements_by_hazard'"
        ).fetchall()
    )
    assert hazards == sorted(set(flows["cause"]) - {"conflict"}) and len(hazards) == 10


def test_one_country(release, flows):
    _, con = release
    raw = flows[(flows["geo"] == "PAK") & (flows["t"] == 2022)].set_index("cause")["n"]
    stored = dict(
        con.execute(
            "SELECT category, value FROM observation WHERE measure_id = 'internal_displacements_by_hazard' "
            "AND area = 'PAK' AND year = 2022"
        ).fetchall()
    )
    assert stored == raw.drop("conflict", errors="ignore").to_dict()
    assert (
        scalar(
            con,
            "SELECT value FROM observation WHERE measure_id = 'internal_displacements_disaster' AND area = 'PAK' "
            "AND year = 2022",
        )
        == raw.drop("conflict", errors="ignore").sum()
        > 8_000_000
    )  # the 2022 floods


def test_agrees_with_the_may_2024_extract_within_its_rounding(release, mirror):
    """The gdiviz extract (idmc_displacements) has the same figures rounded as IDMC publishes them."""
    _, con = release
    old = pd.read_csv(mirror / "iom_gdi_gdiviz/idmc.csv", keep_default_na=False, na_values=[""])
    old["measure_id"] = "internal_displacements_" + old["category"].str.lower()
    new = con.execute(
        "SELECT measure_id, area, year, value FROM observation WHERE measure_id IN "
        "('internal_displacements_conflict', 'internal_displacements_disaster')"
    ).df()
    both = new.merge(old, left_on=["measure_id", "area", "year"], right_on=["measure_id", "iso", "t"])
    assert len(both) == len(new)  # every new value has its counterpart
    assert (both["value"] - both["v"]).abs().max() <= 500
    only_old = old.merge(new, left_on=["measure_id", "iso", "t"], right_on=["measure_id", "area", "year"], how="left")
    assert (only_old.loc[only_old["value"].isna(), "v"] == 0).all()  # the old extract fills absent years with 0


def test_revision_and_units(release):
    _, con = release
    assert scalar(con, "SELECT revision FROM dataset WHERE id = ?", SOURCE) == "GRID 2025"
    units = dict(con.execute("SELECT id, unit FROM measure WHERE dataset_id = ?", [SOURCE]).fetchall())
    assert units == {
        "idps_idmc": "persons",
        "internal_displacements_conflict": "displacements per year",
        "internal_displacements_disaster": "displacements per year",
        "internal_displacements_by_hazard": "displacements per year",
    }
