"""Modelled flows recomputed from Abel & Cohen's published both-sexes CSV (one column per estimation method)."""

from __future__ import annotations

import pandas as pd
import pytest

pytestmark = pytest.mark.mirror

ABEL_COHEN = "abel_cohen_flows/abel_cohen_flows_total_by_method.csv"
HEADLINE = "da_pb_closed"  # the authors' recommended method, the catalogue's headline category
METHOD_COUNT = 6


@pytest.fixture(scope="module")
def flows(raw_csv) -> pd.DataFrame:
    """Long table: year0, orig, dest, method, value; a missing or zero estimate is no row (no flow in that method)."""
    wide = raw_csv(ABEL_COHEN)
    methods = [column for column in wide.columns if column.startswith("flow_")]
    assert len(methods) == METHOD_COUNT
    long = wide.melt(id_vars=["year0", "orig", "dest"], value_vars=methods, var_name="method", value_name="value")
    long["method"] = long["method"].str.removeprefix("flow_")
    return long[long.value.notna() & (long.value != 0)]


def area_range(values: pd.Series) -> tuple[float, float]:
    """Range across methods for a country; a method without an estimate counts as 0 (the publisher's convention)."""
    if len(values) < METHOD_COUNT:
        return min(values.min(), 0), max(values.max(), 0)
    return values.min(), values.max()


def net_by_method(flows: pd.DataFrame, areas: frozenset[str] | set[str]) -> pd.DataFrame:
    """Immigration minus emigration per area and method, over the flows touching the areas."""
    arrivals = flows[flows.dest.isin(areas)].groupby(["dest", "method"]).value.sum().rename_axis(["area", "method"])
    departures = flows[flows.orig.isin(areas)].groupby(["orig", "method"]).value.sum().rename_axis(["area", "method"])
    return arrivals.sub(departures, fill_value=0).rename("value").reset_index()


@pytest.mark.independent("corridor_flow")
def test_corridor_flow_by_method_with_the_range(one, flows):
    rows = flows[(flows.orig == "MEX") & (flows.dest == "USA") & (flows.year0 == 2015)]
    corridor = rows.groupby("method").value.sum()
    row = one("corridor_flow", origin="MEX", destination="USA", year=2015, category=HEADLINE)
    assert row["value"] == corridor[HEADLINE] and row["period"] == "2015-2020" and row["status"] == "modelled"
    lower = corridor.min() if len(corridor) == METHOD_COUNT else 0
    assert (row["lower"], row["upper"]) == (lower, corridor.max())


@pytest.mark.independent("immigration_flow", "net_flow")
def test_immigration_and_net_flow_of_a_country(one, flows):
    period = flows[flows.year0 == 2015]
    arrivals = period[period.dest == "USA"].groupby("method").value.sum()
    row = one("immigration_flow", area="USA", year=2015, category=HEADLINE)
    assert row["value"] == arrivals[HEADLINE]
    assert (row["lower"], row["upper"]) == area_range(arrivals)
    net = net_by_method(period, {"MEX"}).set_index("method").value
    row = one("net_flow", area="MEX", year=2015, category=HEADLINE)
    assert row["value"] == net[HEADLINE] < 0
    assert (row["lower"], row["upper"]) == area_range(net)


@pytest.mark.independent_group("emigration_flow", "immigration_flow", "net_flow")
def test_flows_of_a_region_add_the_members(one, members, flows):
    """A group's flows include moves between members, except in net flow where they cancel; range across methods."""
    region = members("UNI_CENTRAL_AMERICA")
    period = flows[flows.year0 == 2015]
    departures = period[period.orig.isin(region)].groupby("method").value.sum()
    arrivals = period[period.dest.isin(region)].groupby("method").value.sum()
    net = net_by_method(period, region).groupby("method").value.sum()
    assert period[period.orig.isin(region) & period.dest.isin(region)].value.sum() > 0  # moves inside the region exist
    for indicator, expected in (("emigration_flow", departures), ("immigration_flow", arrivals), ("net_flow", net)):
        row = one(indicator, area="UNI_CENTRAL_AMERICA", year=2015, category=HEADLINE)
        assert row["value"] == pytest.approx(expected[HEADLINE], rel=1e-12), indicator
        assert row["lower"] == pytest.approx(expected.min(), rel=1e-12), indicator
        assert row["upper"] == pytest.approx(expected.max(), rel=1e-12), indicator
