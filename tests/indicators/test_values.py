"""Indicator values equal the same numbers recomputed independently, in the test, from the raw mirror files."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from observatory.cli.main import app
from observatory.indicators.query import IndicatorQueryError, ValueFilter, framework_report, indicator_values

pytestmark = pytest.mark.mirror


@pytest.fixture(scope="module")
def raw(mirror):
    """Raw mirror tables, read with pandas (not with the observatory's readers)."""
    read = lambda path, **kw: pd.read_csv(mirror / path, keep_default_na=False, na_values=[""], **kw)  # noqa: E731
    wb_pop = pd.read_csv(mirror / "worldbank_wdi_bulk/API_SP.POP.TOTL_DS2_en_csv_v2_6298256.csv", skiprows=4)
    gdp = pd.read_csv(mirror / "worldbank_wdi_bulk/API_NY.GDP.MKTP.CD_DS2_en_csv_v2_6298258.csv", skiprows=4)
    return {
        "stock": read("undesa_ims_2020_bilateral/ims2020_bilateral_stock_by_sex.csv"),
        "unhcr": read("unhcr_refugees/population.csv"),
        "decisions": read("unhcr_refugees/asylum_decisions.csv"),
        "wdi": read("iom_gdi_gdiviz/indicators.csv"),
        "mmp": read("iom_gdi_gdiviz/mmp.csv"),
        "rpw": pd.read_csv(mirror / "worldbank_rpw_corridors/rpw_corridors_databank_2011Q1_2020Q3.csv", na_values="..", encoding="utf-8-sig", skipfooter=5, engine="python"),
        "abel": read("abel_cohen_flows/abel_cohen_flows_total_by_method.csv"),
        "wb_pop": wb_pop.set_index("Country Code"),
        "gdp": gdp.set_index("Country Code"),
    }


def value(con, indicator, **filters):
    rows = indicator_values(con, indicator, ValueFilter(**filters))
    assert len(rows) == 1, rows
    return rows[0]


def test_migrant_stock_for_a_country_and_year(con, raw):
    stock = raw["stock"]
    deu = stock[(stock.dest == "DEU") & (stock.year == 2020)]
    assert value(con, "migrant_stock", area="DEU", year=2020, sex="total")["value"] == deu.stock.sum()
    assert value(con, "migrant_stock", area="DEU", year=2020, sex="female")["value"] == deu[deu.sex == "Female"].stock.sum()
    share = value(con, "migrant_stock_female_share", area="DEU", year=2020)
    assert share["value"] == pytest.approx(100 * deu[deu.sex == "Female"].stock.sum() / deu.stock.sum())


def test_emigrant_stock_and_corridor_change(con, raw):
    stock = raw["stock"]
    mex = stock[(stock.orig == "MEX") & (stock.year == 2020)]
    assert value(con, "emigrant_stock", area="MEX", year=2020, sex="total")["value"] == mex.stock.sum()
    corridor = stock[(stock.orig == "MEX") & (stock.dest == "USA")].groupby("year").stock.sum()
    change = value(con, "corridor_stock_change", origin="MEX", destination="USA", year=2020)
    assert change["value"] == corridor[2020] - corridor[2015] and change["period"] == "2015-2020"
    share = value(con, "corridor_share_of_origin_emigrants", origin="MEX", destination="USA", year=2020)
    assert share["value"] == pytest.approx(100 * corridor[2020] / mex.stock.sum())


def test_refugees_hosted_and_by_origin(con, raw):
    unhcr = raw["unhcr"]
    assert value(con, "refugees_hosted", area="DEU", year=2024)["value"] == unhcr[(unhcr.coa_iso == "DEU") & (unhcr.year == 2024)].refugees.sum()
    assert value(con, "refugees_by_origin", area="AFG", year=2024)["value"] == unhcr[(unhcr.coo_iso == "AFG") & (unhcr.year == 2024)].refugees.sum()


def test_sdg_10_7_4_for_a_country_and_year(con, raw):
    unhcr = raw["unhcr"]
    syria = unhcr[(unhcr.coo_iso == "SYR") & (unhcr.year == 2020)]
    displaced = syria.refugees.sum() + syria.oip.fillna(0).sum()
    population = raw["wb_pop"].loc["SYR", "2020"]
    row = value(con, "sdg_10_7_4", area="SYR", year=2020)
    assert row["value"] == pytest.approx(displaced / (population + displaced) * 100_000, rel=1e-12)
    assert set(row["sources"]) == {"unhcr_population", "wdi_bulk"}


def test_refugees_per_1000_inhabitants(con, raw):
    unhcr = raw["unhcr"]
    hosted = unhcr[(unhcr.coa_iso == "TUR") & (unhcr.year == 2020)].refugees.sum()
    assert value(con, "refugees_per_1000_inhabitants", area="TUR", year=2020)["value"] == pytest.approx(1000 * hosted / raw["wb_pop"].loc["TUR", "2020"])


def test_asylum_recognition_rate_excludes_otherwise_closed(con, raw):
    decisions = raw["decisions"]
    deu = decisions[(decisions.coa_iso == "DEU") & (decisions.year == 2023) & (decisions.dec_pc == "P")]
    expected = 100 * deu.dec_recognized.sum() / (deu.dec_recognized.sum() + deu.dec_other.sum() + deu.dec_rejected.sum())
    assert value(con, "asylum_recognition_rate", area="DEU", year=2023)["value"] == pytest.approx(expected)


def test_sdg_17_3_2_remittances_share_of_gdp(con, raw):
    wdi = raw["wdi"]
    remittances = wdi[(wdi.iso == "MEX") & (wdi["var"] == "remin") & (wdi.t == 2020)].v.iloc[0]
    assert value(con, "sdg_17_3_2", area="MEX", year=2020)["value"] == pytest.approx(100 * remittances / raw["gdp"].loc["MEX", "2020"])


def test_sdg_10_7_3_is_a_minimum_by_route(con, raw):
    mmp = raw["mmp"].dropna(subset=["date"])
    mex = mmp[(mmp.location == "MEX") & (pd.to_datetime(mmp.date).dt.year == 2022)]
    total = value(con, "sdg_10_7_3", area="MEX", year=2022, category="")
    assert total["value"] == mex.v.sum() and total["status"] == "minimum"
    rows = indicator_values(con, "sdg_10_7_3", ValueFilter(area="MEX", year=2022))
    assert sum(r["value"] for r in rows if r["category"]) == mex.v.sum()


def test_sdg_10_c_1_quarter_year_and_direction(con, raw):
    rpw = raw["rpw"]
    us_mx = rpw[(rpw["Sending Countries Code"] == "USA") & (rpw["Receiving Countries  Code"] == "MEX")].iloc[0]
    quarter = value(con, "sdg_10_c_1", origin="MEX", destination="USA", period="2019Q2")
    assert quarter["value"] == pytest.approx(us_mx["2019Q2 [YR2019Q2]"], rel=1e-6)
    quarters = [us_mx[f"2019Q{q} [YR2019Q{q}]"] for q in range(1, 5)]
    year = value(con, "sdg_10_c_1", origin="MEX", destination="USA", year=2019, period="")
    assert year["value"] == pytest.approx(sum(quarters) / 4, rel=1e-6) and year["note"].startswith("mean of 4 quarter(s)")


def test_emigration_flow_range_across_methods(con, raw):
    abel = raw["abel"]
    mex = abel[(abel.orig == "MEX") & (abel.year0 == 2015)]
    methods = [c for c in abel.columns if c.startswith("flow_")]
    totals = {c.removeprefix("flow_"): mex[c].fillna(0).sum() for c in methods}
    row = value(con, "emigration_flow", area="MEX", year=2015, category="da_pb_closed")
    assert row["value"] == totals["da_pb_closed"] and row["status"] == "modelled"
    assert (row["lower"], row["upper"]) == (min(totals.values()), max(totals.values()))


def test_world_aggregate_and_coverage(con):
    world = value(con, "migrant_stock", area="WLD", year=2020, sex="total")
    assert world["value"] == 280_598_105 and world["coverage"] > 0.99
    partial = value(con, "sdg_17_3_2", area="WLD", year=2020)
    assert 0.5 < partial["coverage"] < 1.0  # remittances or GDP are missing for some members: visible as partial


def test_errors_name_the_problem(con):
    with pytest.raises(IndicatorQueryError, match="unknown indicator"):
        indicator_values(con, "migrant_vibes", ValueFilter())
    with pytest.raises(IndicatorQueryError, match="unknown area 'ZZZ'"):
        indicator_values(con, "migrant_stock", ValueFilter(area="ZZZ"))
    with pytest.raises(IndicatorQueryError, match="corridor indicator"):
        indicator_values(con, "corridor_stock", ValueFilter(area="MEX"))


def test_framework_lists_every_objective_with_gaps(con):
    gcm = framework_report(con, "gcm")
    assert [row["objective"] for row in gcm] == [str(n) for n in range(1, 24)]
    assert any(row["gap"].startswith("no indicator") for row in gcm)  # gaps are listed, not hidden
    assert {row["objective"] for row in gcm if not row["gap"]} >= {"1", "2", "4", "8", "20"}
    gcr = framework_report(con, "gcr")
    assert len(gcr) == 4 and all(not row["gap"] for row in gcr)
    sdg = {row["objective"]: row for row in framework_report(con, "sdg")}
    assert sdg["8.8"]["gap"] and sdg["16.2"]["gap"] and not sdg["10.c"]["gap"]


def test_indicator_command_json_shape(real_release, monkeypatch):
    monkeypatch.setenv("OBSERVATORY_HOME", str(real_release.home))
    result = CliRunner().invoke(app, ["indicator", "migrant_stock", "--area", "MEX", "--year", "2020", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {"indicator", "area", "year", "value", "unit", "status", "lower", "upper", "sources"} <= set(rows[0])
