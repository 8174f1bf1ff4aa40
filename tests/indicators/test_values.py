"""Indicator values equal the same numbers recomputed independently, in the test, from the raw mirror files."""

# Each test names with `independent` / `independent_group` the indicators it recomputes (tests/indicators/conftest.py);
# the test_values_*.py modules cover the rest of the catalogue and test_independent_checks.py holds them to all of it.

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from observatory.cli.main import app
from observatory.indicators.query import IndicatorQueryError, ValueFilter, framework_report, indicator_values

pytestmark = pytest.mark.mirror


@pytest.fixture(scope="module")
def raw(mirror, raw_csv):
    """Raw mirror tables, read with pandas (not with the observatory's readers)."""
    read = raw_csv
    return {
        "stock": read("undesa_ims_2024_bilateral/undesa_stocks.csv").rename(
            columns={"geo": "dest", "from": "orig", "t": "year", "n": "stock"}
        ),
        "stock2020": read("undesa_ims_2020_bilateral/ims2020_bilateral_stock_by_sex.csv"),
        "wdi2023": read("iom_gdidata_wdi_2023/wdi.csv"),
        "mmp2025": read("iom_gdidata_mmp_2025/iom_mmp.csv"),
        "asylum2024": read("iom_gdidata_eurostat_asylum_2024/eu_asyapp.csv"),
        "frontex": read("iom_gdidata_irregular_migration/frontex.csv"),
        "unhcr": read("unhcr_refugees/population.csv"),
        "decisions": read("unhcr_refugees/asylum_decisions.csv"),
        "rpw": pd.read_csv(
            mirror / "worldbank_rpw_corridors/rpw_corridors_databank_2011Q1_2020Q3.csv",
            na_values="..",
            encoding="utf-8-sig",
            skipfooter=5,
            engine="python",
        ),
        "abel": read("abel_cohen_flows/abel_cohen_flows_total_by_method.csv"),
    }


def population_wpp2024(raw, area: str, year: int) -> float:
    """Population of the WDI December 2024 vintage (UN WPP 2024), the series population_total takes first."""
    wdi = raw["wdi2023"]
    return wdi[(wdi.geo == area) & (wdi["var"] == "pop") & (wdi.t == year)].v.iloc[0]


def value(con, indicator, **filters):
    rows = indicator_values(con, indicator, ValueFilter(**filters))
    assert len(rows) == 1, rows
    return rows[0]


@pytest.mark.independent("migrant_stock", "migrant_stock_female_share")
def test_migrant_stock_for_a_country_and_year(con, raw):
    """The default series is International Migrant Stock 2024 (zeros and OOO rows included, OOO = other origin)."""
    stock = raw["stock"]
    deu = stock[(stock.dest == "DEU") & (stock.year == 2024)]
    assert value(con, "migrant_stock", area="DEU", year=2024, sex="total")["value"] == deu.stock.sum()
    assert (
        value(con, "migrant_stock", area="DEU", year=2024, sex="female")["value"]
        == deu[deu.sex == "female"].stock.sum()
    )
    share = value(con, "migrant_stock_female_share", area="DEU", year=2024)
    assert share["value"] == pytest.approx(100 * deu[deu.sex == "female"].stock.sum() / deu.stock.sum())
    assert value(con, "migrant_stock", area="DEU", year=2024, sex="total")["revision"] == "2024"


@pytest.mark.independent("corridor_stock")
def test_a_corridor_in_2024(con, raw):
    stock = raw["stock"]
    corridor = stock[(stock.orig == "MEX") & (stock.dest == "USA") & (stock.year == 2024)]
    row = value(con, "corridor_stock", origin="MEX", destination="USA", year=2024, sex="total")
    assert row["value"] == corridor.stock.sum() and row["sources"] == ["undesa_ims_2024_bilateral"]


@pytest.mark.independent_group("migrant_stock")
def test_earlier_revision_side_by_side(con, raw):
    """2020 by the 2024 revision is the default; the 2020 revision's own 2020 figure is asked for by revision."""
    latest = value(con, "migrant_stock", area="WLD", year=2020, sex="total")
    assert latest["value"] == raw["stock"][raw["stock"].year == 2020].stock.sum()  # 275.3 M
    earlier = value(con, "migrant_stock", area="WLD", year=2020, sex="total", revision="2020")
    assert earlier["value"] == 280_598_105 == raw["stock2020"][raw["stock2020"].year == 2020].stock.sum()
    assert earlier["revision"] == "2020" and earlier["sources"] == ["undesa_ims_2020_bilateral"]
    deu_2019 = value(con, "migrant_stock", area="DEU", year=2015, sex="total", revision="2019")
    assert deu_2019["revision"] == "2019" and deu_2019["value"] > 0
    with pytest.raises(IndicatorQueryError, match="revisions of its inputs: 2019, 2020, 2024"):
        indicator_values(con, "migrant_stock", ValueFilter(area="DEU", revision="2018"))


@pytest.mark.independent("emigrant_stock", "corridor_stock_change", "corridor_share_of_origin_emigrants")
def test_emigrant_stock_and_corridor_change(con, raw):
    stock = raw["stock"]
    mex = stock[(stock.orig == "MEX") & (stock.year == 2024)]
    assert value(con, "emigrant_stock", area="MEX", year=2024, sex="total")["value"] == mex.stock.sum()
    corridor = stock[(stock.orig == "MEX") & (stock.dest == "USA")].groupby("year").stock.sum()
    change = value(con, "corridor_stock_change", origin="MEX", destination="USA", year=2024)
    assert change["value"] == corridor[2024] - corridor[2020] and change["period"] == "2020-2024"
    share = value(con, "corridor_share_of_origin_emigrants", origin="MEX", destination="USA", year=2024)
    assert share["value"] == pytest.approx(100 * corridor[2024] / mex.stock.sum())


@pytest.mark.independent_group("emigrant_stock")
def test_world_emigrants_equal_world_migrants_and_say_how_many_are_of_unknown_origin(con, raw):
    stock = raw["stock"][raw["stock"].year == 2024]
    emigrants = value(con, "emigrant_stock", area="WLD", year=2024, sex="total")
    assert (
        emigrants["value"]
        == value(con, "migrant_stock", area="WLD", year=2024, sex="total")["value"]
        == stock.stock.sum()
    )
    unknown = stock[stock.orig == "OOO"].stock.sum()
    assert f"includes {unknown:,.0f} Other or unknown origin" in emigrants["note"]
    hosted = value(con, "refugees_hosted", area="WLD", year=2024)["value"]
    assert value(con, "refugees_by_origin", area="WLD", year=2024)["value"] == hosted  # stateless and unknown included


@pytest.mark.independent("refugees_hosted", "refugees_by_origin")
def test_refugees_hosted_and_by_origin(con, raw):
    unhcr = raw["unhcr"]
    assert (
        value(con, "refugees_hosted", area="DEU", year=2024)["value"]
        == unhcr[(unhcr.coa_iso == "DEU") & (unhcr.year == 2024)].refugees.sum()
    )
    assert (
        value(con, "refugees_by_origin", area="AFG", year=2024)["value"]
        == unhcr[(unhcr.coo_iso == "AFG") & (unhcr.year == 2024)].refugees.sum()
    )


@pytest.mark.independent("sdg_10_7_4")
def test_sdg_10_7_4_for_a_country_and_year(con, raw):
    unhcr = raw["unhcr"]
    syria = unhcr[(unhcr.coo_iso == "SYR") & (unhcr.year == 2020)]
    displaced = syria.refugees.sum() + syria.oip.fillna(0).sum()
    population = population_wpp2024(raw, "SYR", 2020)
    row = value(con, "sdg_10_7_4", area="SYR", year=2020)
    assert row["value"] == pytest.approx(displaced / (population + displaced) * 100_000, rel=1e-12)
    assert set(row["sources"]) == {"unhcr_population", "wdi_2023"}


@pytest.mark.independent("refugees_per_1000_inhabitants")
def test_refugees_per_1000_inhabitants(con, raw):
    unhcr = raw["unhcr"]
    hosted = unhcr[(unhcr.coa_iso == "TUR") & (unhcr.year == 2020)].refugees.sum()
    assert value(con, "refugees_per_1000_inhabitants", area="TUR", year=2020)["value"] == pytest.approx(
        1000 * hosted / population_wpp2024(raw, "TUR", 2020)
    )


@pytest.mark.independent("asylum_recognition_rate")
def test_asylum_recognition_rate_excludes_otherwise_closed(con, raw):
    decisions = raw["decisions"]
    deu = decisions[(decisions.coa_iso == "DEU") & (decisions.year == 2023) & (decisions.dec_pc == "P")]
    expected = (
        100 * deu.dec_recognized.sum() / (deu.dec_recognized.sum() + deu.dec_other.sum() + deu.dec_rejected.sum())
    )
    assert value(con, "asylum_recognition_rate", area="DEU", year=2023)["value"] == pytest.approx(expected)


@pytest.mark.independent("sdg_17_3_2", "remittances_received_usd", "remittances_paid_usd")
def test_sdg_17_3_2_remittances_share_of_gdp(con, raw):
    """Remittances and GDP from the same WDI vintage (December 2024), 2023 the latest year."""
    wdi = raw["wdi2023"]
    mex = wdi[(wdi.geo == "MEX") & (wdi.t == 2023)].set_index("var").v
    row = value(con, "sdg_17_3_2", area="MEX", year=2023)
    assert row["value"] == pytest.approx(100 * mex["remin"] / mex["gdp"]) and row["sources"] == ["wdi_2023"]
    india = wdi[(wdi.geo == "IND") & (wdi.t == 2023) & (wdi["var"] == "remin")].v.iloc[0]
    assert value(con, "remittances_received_usd", area="IND", year=2023)["value"] == india
    paid = wdi[(wdi.geo == "DEU") & (wdi.t == 2023) & (wdi["var"] == "remout")].v.iloc[0]
    assert value(con, "remittances_paid_usd", area="DEU", year=2023)["value"] == paid


@pytest.mark.independent("sdg_10_7_3")
def test_sdg_10_7_3_is_a_minimum_by_route(con, raw):
    """Every incident row of the 2025 extract counted once (docs/missing_migrants.md); 2025 is partial."""
    mmp = raw["mmp2025"]
    mex = mmp[(mmp.geo == "MEX") & (pd.to_datetime(mmp.t).dt.year == 2023)]
    total = value(con, "sdg_10_7_3", area="MEX", year=2023, category="")
    assert total["value"] == mex.dead.sum() and total["status"] == "minimum"
    rows = indicator_values(con, "sdg_10_7_3", ValueFilter(area="MEX", year=2023))
    assert sum(r["value"] for r in rows if r["category"]) == mex.dead.sum()
    world_2025 = value(con, "sdg_10_7_3", area="WLD", year=2025, category="")
    assert str(world_2025["partial_until"]) == "2025-04-30" and "data to 2025-04-30" in world_2025["note"]
    assert value(con, "sdg_10_7_3", area="WLD", year=2024, category="")["partial_until"] is None


@pytest.mark.independent("sdg_10_7_3_nationality")
def test_deaths_by_nationality(con, raw):
    mmp = raw["mmp2025"]
    afghans = mmp[(mmp.nat == "AFG") & (pd.to_datetime(mmp.t).dt.year == 2023)]
    assert value(con, "sdg_10_7_3_nationality", area="AFG", year=2023, category="")["value"] == afghans.dead.sum()


@pytest.mark.independent("asylum_applicants_eurostat")
def test_eurostat_asylum_applicants_for_a_country_in_2024(con, raw):
    asylum = raw["asylum2024"]
    deu = asylum[(asylum.geo == "DEU") & (asylum.t == 2024)]
    row = value(con, "asylum_applicants_eurostat", area="DEU", year=2024, sex="total")
    assert row["value"] == deu.n.sum()  # all applicants (first-time and subsequent), every sex incl. unknown


@pytest.mark.independent("irregular_border_crossings")
def test_irregular_crossings_keep_each_series_apart(con, raw):
    frontex = raw["frontex"]
    syrians = frontex[(frontex.nat == "SYR") & (pd.to_datetime(frontex.t).dt.year == 2023)]
    row = value(con, "irregular_border_crossings", area="SYR", year=2023, period="", category="Frontex: all routes")
    assert row["value"] == syrians.n.sum()


@pytest.mark.independent("sdg_10_c_1")
def test_sdg_10_c_1_quarter_year_and_direction(con, raw):
    rpw = raw["rpw"]
    us_mx = rpw[(rpw["Sending Countries Code"] == "USA") & (rpw["Receiving Countries  Code"] == "MEX")].iloc[0]
    quarter = value(con, "sdg_10_c_1", origin="MEX", destination="USA", period="2019Q2")
    assert quarter["value"] == pytest.approx(us_mx["2019Q2 [YR2019Q2]"], rel=1e-6)
    quarters = [us_mx[f"2019Q{q} [YR2019Q{q}]"] for q in range(1, 5)]
    year = value(con, "sdg_10_c_1", origin="MEX", destination="USA", year=2019, period="")
    assert year["value"] == pytest.approx(sum(quarters) / 4, rel=1e-6) and year["note"].startswith(
        "mean of 4 quarter(s)"
    )


@pytest.mark.independent("emigration_flow")
def test_emigration_flow_range_across_methods(con, raw):
    abel = raw["abel"]
    mex = abel[(abel.orig == "MEX") & (abel.year0 == 2015)]
    methods = [c for c in abel.columns if c.startswith("flow_")]
    totals = {c.removeprefix("flow_"): mex[c].fillna(0).sum() for c in methods}
    row = value(con, "emigration_flow", area="MEX", year=2015, category="da_pb_closed")
    assert row["value"] == totals["da_pb_closed"] and row["status"] == "modelled"
    assert (row["lower"], row["upper"]) == (min(totals.values()), max(totals.values()))


def test_world_aggregate_and_coverage(con):
    world = value(con, "migrant_stock", area="WLD", year=2024, sex="total")
    assert world["value"] == 304_021_813 and world["coverage"] > 0.99
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
    covered = {row["objective"] for row in gcm if not row["gap"]}
    assert covered >= {"1", "2", "4", "5", "6", "8", "9", "11", "16", "18", "19", "20", "21", "23"}  # 14 of 23
    assert len(covered) < 23
    gcr = framework_report(con, "gcr")
    assert len(gcr) == 4 and all(not row["gap"] for row in gcr)
    sdg = {row["objective"]: row for row in framework_report(con, "sdg")}
    assert sdg["8.8"]["gap"] and sdg["16.2"]["gap"] and not sdg["10.c"]["gap"]


def test_indicator_command_json_shape(real_release, monkeypatch):
    monkeypatch.setenv("OBSERVATORY_HOME", str(real_release.home))
    result = CliRunner().invoke(
        app, ["indicator", "migrant_stock", "--area", "MEX", "--year", "2024", "--sex", "total", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {
        "indicator",
        "area",
        "year",
        "value",
        "unit",
        "status",
        "lower",
        "upper",
        "sources",
        "revision",
        "partial_until",
    } <= set(rows[0])
