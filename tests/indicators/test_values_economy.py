"""Remittances, their cost, population and development context recomputed from the raw WDI, WPP, RPW, KNOMAD files."""

from __future__ import annotations

import pandas as pd
import pytest

from observatory.indicators.query import ValueFilter, indicator_values

pytestmark = pytest.mark.mirror

WDI = "iom_gdidata_wdi_2023/wdi.csv"  # WDI December 2024 (IOM GDI): the default series for 1990–2023
RPW_DATABANK = "worldbank_rpw_corridors/rpw_corridors_databank_2011Q1_2020Q3.csv"
RPW_QUARTERS = "worldbank_rpw_corridor_quarter_2016_2025/rpw_filtered.csv"
KNOMAD_REMITTANCES = "knomad_bilateral_2021/bilateral_remittance_matrix_2021.xlsx"
OTHER_ORIGIN = "OOO"  # UN DESA's residual origin in the IMS 2024 file: no emigrants of any country


@pytest.fixture(scope="module")
def wdi(raw_csv) -> pd.DataFrame:
    """The WDI long table as a wide frame: one row per (geo, year), one column per gdidata variable."""
    return raw_csv(WDI).pivot_table(index=["geo", "t"], columns="var", values="v", aggfunc="first")


@pytest.fixture(scope="module")
def emigrants_2020(raw_csv) -> pd.Series:
    """Emigrants per origin at mid-2020 from the IMS 2024 file (both sexes, the residual origin left out)."""
    stock = raw_csv("undesa_ims_2024_bilateral/undesa_stocks.csv")
    rows = stock[(stock.t == 2020) & (stock["from"] != OTHER_ORIGIN)]
    return rows.groupby("from").n.sum()


@pytest.fixture(scope="module")
def rpw_databank(mirror) -> pd.DataFrame:
    """The World Bank's own corridor averages (2011Q1–2020Q3), the DataBank footer of five lines left out."""
    return pd.read_csv(mirror / RPW_DATABANK, na_values="..", encoding="utf-8-sig", skipfooter=5, engine="python")


def quarter_columns(frame: pd.DataFrame, year: int) -> list[str]:
    """The DataBank columns of the year's quarters that the file has."""
    names = [f"{year}Q{quarter} [YR{year}Q{quarter}]" for quarter in range(1, 5)]
    return [name for name in names if name in frame]


@pytest.mark.independent("population")
@pytest.mark.independent_group("population", "remittances_paid_usd")
def test_population_and_remittances_paid_by_a_country_and_a_region(one, in_group, wdi):
    year = wdi.xs(2020, level="t")
    assert one("population", area="DEU", year=2020)["value"] == year.loc["DEU", "pop"]
    region = in_group(year.reset_index(), "geo", "UNS_WESTERN_EUROPE")
    row = one("population", area="UNS_WESTERN_EUROPE", year=2020)
    assert row["value"] == pytest.approx(region["pop"].sum(), rel=1e-12) and row["sources"] == ["wdi_2023"]
    paid = one("remittances_paid_usd", area="UNS_WESTERN_EUROPE", year=2020)["value"]
    assert paid == pytest.approx(region["remout"].sum(), rel=1e-12)


@pytest.mark.independent_group("remittances_received_usd", "sdg_17_3_2")
def test_remittances_received_and_their_share_of_gdp_for_a_region(one, in_group, wdi):
    """The share of GDP pools only the members with both remittances and a positive GDP."""
    region = in_group(wdi.xs(2023, level="t").reset_index(), "geo", "UNI_CENTRAL_AMERICA")
    received = one("remittances_received_usd", area="UNI_CENTRAL_AMERICA", year=2023)["value"]
    assert received == pytest.approx(region["remin"].sum(), rel=1e-12)
    both = region[region["remin"].notna() & (region["gdp"] > 0)]
    share = one("sdg_17_3_2", area="UNI_CENTRAL_AMERICA", year=2023)["value"]
    assert share == pytest.approx(100 * both["remin"].sum() / both["gdp"].sum(), rel=1e-12)


@pytest.mark.independent("remittances_per_emigrant_usd")
@pytest.mark.independent_group("remittances_per_emigrant_usd")
def test_remittances_per_emigrant(one, in_group, wdi, emigrants_2020):
    """Remittances received in 2020 (WDI) over emigrants at mid-2020 (IMS 2024)."""
    mexico = one("remittances_per_emigrant_usd", area="MEX", year=2020)
    assert mexico["value"] == pytest.approx(wdi.loc[("MEX", 2020), "remin"] / emigrants_2020["MEX"], rel=1e-12)
    assert set(mexico["sources"]) == {"wdi_2023", "undesa_ims_2024_bilateral"}
    received = wdi.xs(2020, level="t")["remin"].dropna()
    region = in_group(received.reset_index(), "geo", "UNI_CENTRAL_AMERICA").set_index("geo").remin
    both = region.index.intersection(emigrants_2020.index)
    group = one("remittances_per_emigrant_usd", area="UNI_CENTRAL_AMERICA", year=2020)["value"]
    assert group == pytest.approx(region[both].sum() / emigrants_2020[both].sum(), rel=1e-12)


@pytest.mark.independent("net_migration")
@pytest.mark.independent_group("net_migration")
def test_net_migration_estimates_and_no_projection(con, one, in_group, raw_csv):
    """UN WPP 2024 estimates to 2023; the 2024 medium-variant projection gives no value."""
    wpp = raw_csv("wpp2024_net_migration/UN_WPP_2024_net_migration.csv")
    year = wpp[wpp.Year == 2020]
    germany = year[year["Country ISO"] == "DEU"]["Net Number of Migrants"]
    assert one("net_migration", area="DEU", year=2020)["value"] == germany.iloc[0] != 0
    region = in_group(year, "Country ISO", "UNS_WESTERN_EUROPE")
    assert one("net_migration", area="UNS_WESTERN_EUROPE", year=2020)["value"] == region["Net Number of Migrants"].sum()
    assert (wpp.Year == 2024).any()  # the projection is in the file ...
    assert indicator_values(con, "net_migration", ValueFilter(area="DEU", year=2024)) == []  # ... not in the indicator


@pytest.mark.independent("gdp_per_capita_ppp", "human_development_index", "integration_policy_index", "sdg_10_7_2")
def test_context_indices_for_a_country(one, raw_csv):
    indicators = raw_csv("iom_gdi_gdiviz/indicators.csv")
    income = indicators[(indicators.iso == "DEU") & (indicators["var"] == "income") & (indicators.t == 2020)].v
    assert one("gdp_per_capita_ppp", area="DEU", year=2020)["value"] == income.iloc[0]
    hdi = raw_csv("guyabel_stepladder/hdi_2020.csv", na_values={"hdi": ["NA"]})  # R wrote NA for no index
    germany = hdi[(hdi.alpha3 == "DEU") & (hdi.year == 2018)].hdi
    assert one("human_development_index", area="DEU", year=2018)["value"] == germany.iloc[0]
    mipex = raw_csv("mipex_bernauer/mipex_av.csv")
    canada = mipex[mipex.short == "CAN"].mipex10
    assert one("integration_policy_index", area="CAN", year=2010)["value"] == canada.iloc[0]
    policies = raw_csv("sdg_10_7_2_owid/facilitate-orderly-safe-migration.csv")
    afghanistan = policies[(policies.Code == "AFG") & (policies.Year == 2021)]
    assert one("sdg_10_7_2", area="AFG", year=2021)["value"] == afghanistan.iloc[0, 3]


@pytest.mark.independent("sdg_10_c_1")
def test_remittance_cost_after_2020_from_the_quarterly_extract(one, raw_csv):
    """Quarters after 2020Q3 come from the corridor extract; the money goes USA → MEX, the corridor is MEX → USA."""
    quarters = raw_csv(RPW_QUARTERS)
    corridor = quarters[(quarters.source_code == "USA") & (quarters.destination_code == "MEX")]
    year = corridor[corridor.period.str.startswith("2023_")]
    assert len(year) == 4
    quarter = one("sdg_10_c_1", origin="MEX", destination="USA", period="2023Q4")
    assert quarter["value"] == year[year.period == "2023_4Q"].avg_cost_pct_200usd.iloc[0]
    assert quarter["sources"] == ["rpw_corridor_quarter_2016_2025"]
    mean = one("sdg_10_c_1", origin="MEX", destination="USA", year=2023, period="")
    assert mean["value"] == pytest.approx(year.avg_cost_pct_200usd.mean(), rel=1e-12)


@pytest.mark.independent("sdg_10_c_1_country")
def test_remittance_cost_for_a_country_receiving_and_sending(one, rpw_databank):
    """Unweighted mean over the corridors of the corridors' yearly means (2019, the World Bank's own averages)."""
    columns = quarter_columns(rpw_databank, 2019)
    assert len(columns) == 4
    yearly = rpw_databank.assign(mean=rpw_databank[columns].mean(axis=1)).dropna(subset=["mean"])
    receiving = yearly[yearly["Receiving Countries  Code"] == "MEX"]["mean"]
    row = one("sdg_10_c_1_country", area="MEX", year=2019, category="receiving")
    assert row["value"] == pytest.approx(receiving.mean(), rel=1e-12)
    assert row["note"] == f"mean over {len(receiving)} corridor(s)"
    sending = yearly[yearly["Sending Countries Code"] == "USA"]["mean"]
    row = one("sdg_10_c_1_country", area="USA", year=2019, category="sending")
    assert row["value"] == pytest.approx(sending.mean(), rel=1e-12)


@pytest.mark.independent("remittances_bilateral_usd")
def test_bilateral_remittances_read_from_the_knomad_matrix(one, mirror):
    """Rows send, columns receive, in millions: the United States row and the Mexico column is Mexicans' remittances."""
    sheet = pd.read_excel(mirror / KNOMAD_REMITTANCES, sheet_name="FINAL BRM 2021 ", header=None)
    corner = next(i for i, text in enumerate(sheet[0]) if "(across)" in str(text))
    assert "receiving country (across)" in " ".join(str(sheet.iat[corner, 0]).split()).lower()
    columns = [str(name).strip() for name in sheet.iloc[corner]]
    rows = [str(name).strip() for name in sheet[0]]
    cell = sheet.iat[rows.index("United States"), columns.index("Mexico")]
    row = one("remittances_bilateral_usd", origin="MEX", destination="USA", year=2021)
    assert row["value"] == pytest.approx(cell * 1e6, rel=1e-12) and row["status"] == "modelled"
