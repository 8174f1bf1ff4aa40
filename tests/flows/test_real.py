"""Real estimates: a tiny hand-made system, and the full UN DESA 1990-2020 run against Abel & Cohen."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from observatory.flows.real import estimate_flows_from_mirror, estimate_real_flows


def tiny_inputs():
    """Three areas, two dates; C's migrants include 10 of unknown origin ('XXX')."""
    rows = [
        ("A", "B", 1990, 50.0),
        ("B", "A", 1990, 20.0),
        ("A", "C", 1990, 30.0),
        ("XXX", "C", 1990, 10.0),
        ("A", "B", 1995, 70.0),
        ("B", "A", 1995, 15.0),
        ("A", "C", 1995, 35.0),
        ("XXX", "C", 1995, 10.0),
        ("B", "C", 1995, 5.0),
    ]
    stocks = pd.DataFrame(rows, columns=["orig", "dest", "year", "stock"])
    population = pd.DataFrame(
        {"area": list("ABC") * 2, "year": [1990] * 3 + [1995] * 3, "population": [1000.0, 800, 600, 1040, 830, 610]}
    )
    cbr = pd.DataFrame({"area": list("AB"), "year": [1990, 1990], "cbr": [20.0, 10.0]})
    return stocks, population, cbr


def test_tiny_system_is_tidy_and_documented():
    stocks, population, cbr = tiny_inputs()
    flows, params = estimate_real_flows(stocks, population, cbr, years=(1990, 1995))
    assert list(flows.columns) == ["orig", "dest", "year0", "year1", "flow"]
    assert len(flows) == 6 and (flows["flow"] >= 0).all()
    assert set(flows["year0"]) == {1990} and set(flows["year1"]) == {1995}
    period = params["periods"][0]
    # C has no birth rate: it takes the population-weighted mean of A and B.
    assert period["birth_rate_imputed"] == ["C"]
    assert period["imputed_birth_rate"] == pytest.approx((20 * 2040 + 10 * 1630) / 3670)
    expected_births = 20 * 1020 * 5 / 1000 + 10 * 815 * 5 / 1000 + period["imputed_birth_rate"] * 605 * 5 / 1000
    assert period["births"] == pytest.approx(expected_births)
    # All of C's unknown-origin stock went to its only known origin, A.
    assert period["unknown_origin_reallocated"] == [10.0, 10.0]
    assert "XXX" not in set(flows["orig"]) | set(flows["dest"])


def test_duplicate_population_rows_are_refused():
    stocks, population, cbr = tiny_inputs()
    with pytest.raises(ValueError, match="more than one row"):
        estimate_real_flows(stocks, pd.concat([population, population.head(1)]), cbr, years=(1990, 1995))


@pytest.mark.mirror
@pytest.mark.slow
def test_un_desa_1990_2020_against_abel_cohen(mirror):
    flows, params = estimate_flows_from_mirror(mirror)
    assert len(params["areas"]) == 232 and len(params["periods"]) == 6
    assert (flows["flow"] >= 0).all()
    ac = pd.read_csv(mirror / "abel_cohen_flows" / "abel_cohen_flows_total_by_method.csv")
    ours = flows.groupby("year0")["flow"].sum()
    theirs = ac.groupby("year0")["flow_da_min_closed"].sum()
    # Same method family (closed demographic accounting, minimum migration): totals within 10 %.
    assert np.all(np.abs(ours / theirs - 1) < 0.10)
    merged = flows.merge(ac, on=["year0", "orig", "dest"], how="outer").fillna({"flow": 0, "flow_da_min_closed": 0})
    assert np.corrcoef(merged["flow"], merged["flow_da_min_closed"])[0, 1] > 0.9
