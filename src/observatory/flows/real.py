"""Bilateral flow estimates for every country pair, 1990-2020, from UN DESA bilateral stocks, births and deaths."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from observatory.flows.demographic import demographic_accounting_flows, sum_od

__all__ = ["estimate_real_flows", "estimate_flows_from_mirror", "read_mirror_inputs", "UNKNOWN_ORIGIN"]

log = logging.getLogger(__name__)

UNKNOWN_ORIGIN = "XXX"
YEARS = (1990, 1995, 2000, 2005, 2010, 2015, 2020)


def _stock_table(stocks: pd.DataFrame, year: int, areas: list[str], unknown_origin: str) -> tuple[np.ndarray, float]:
    (
        """Foreign-born stock matrix [pob, por] for one year, with unknown origins reallocated; returns (table, """
        """reallocated)."""
    )
    pos = pd.Index(areas)
    s = stocks[(stocks["year"] == year) & stocks["dest"].isin(pos) & (stocks["orig"] != stocks["dest"])]
    known = s["orig"].isin(pos)
    table = np.zeros((len(areas), len(areas)))
    k = s[known]
    np.add.at(table, (pos.get_indexer(k["orig"]), pos.get_indexer(k["dest"])), k["stock"].to_numpy(float))
    # Unknown origins ('XXX') and origins outside the modelled areas are one pool per destination.
    u = s[~known]
    unknown = np.zeros(len(areas))
    np.add.at(unknown, pos.get_indexer(u["dest"]), u["stock"].to_numpy(float))
    col = table.sum(axis=0)
    # Default shares: the destination's own known origin mix; where it has none, each origin's
    # worldwide emigrant stock (leaving out the destination itself).
    emigrants = table.sum(axis=1)
    fallback = np.repeat(emigrants[:, None], len(areas), axis=1)
    np.fill_diagonal(fallback, 0.0)
    shares = np.where(col[None, :] > 0, table, fallback)
    tot = shares.sum(axis=0)
    alloc = np.divide(shares, tot[None, :], out=np.zeros_like(shares), where=tot[None, :] > 0) * unknown[None, :]
    return table + alloc, float(unknown[tot > 0].sum())


def _period_mean(frame: pd.DataFrame, value: str, y0: int, areas: list[str]) -> pd.Series:
    """Mean of an annual series over the five years y0 .. y0+4, per area."""
    sel = frame[(frame["year"] >= y0) & (frame["year"] < y0 + 5)]
    return sel.groupby("area")[value].mean().reindex(areas)


def estimate_real_flows(
    stocks: pd.DataFrame,
    population: pd.DataFrame,
    birth_rate: pd.DataFrame,
    *,
    deaths: pd.DataFrame | None = None,
    net_migration: pd.DataFrame | None = None,
    years: tuple[int, ...] = YEARS,
    unknown_origin: str = UNKNOWN_ORIGIN,
    **options,
) -> tuple[pd.DataFrame, dict]:
    """(flows, params): orig, dest, year0, year1, flow for every area pair and period (inputs: docs/flows.md)."""
    # stocks: orig, dest, year, stock; population: area, year, population (persons); birth_rate: area,
    # year, cbr (per 1000). deaths (area, year0, deaths) or net_migration (area, year, net_migration)
    # replace the stock-implied death estimate; extra options go to demographic_accounting_flows.
    if population.duplicated(["area", "year"]).any():
        raise ValueError("population has more than one row for some (area, year)")
    pop = population.pivot(index="area", columns="year", values="population")
    missing_years = [y for y in years if y not in pop.columns]
    if missing_years:
        raise ValueError(f"population is missing years {missing_years}")
    seen = (set(stocks["dest"]) | set(stocks["orig"])) - {unknown_origin}
    complete = pop[list(years)].notna().all(axis=1) & (pop[list(years)] > 0).all(axis=1)
    areas = sorted(a for a in seen if a in complete.index and complete[a])
    no_population = sorted(seen - set(areas))
    cbr = birth_rate.rename(columns={"cbr": "value"})
    params: dict = {
        "method": "demographic accounting (migest ffs_demo 2.0.5 semantics)",
        "options": {
            "stayer_assumption": True,
            "match_global": "before-demo-adjust",
            "match_birthplace_tot_method": "rescale",
            "birth_method": "native",
            "birth_non_negative": True,
            "death_method": "proportion",
            **options,
        },
        "areas": areas,
        "areas_without_population": no_population,
        "unknown_origin": (
            f"'{unknown_origin}' and origins without population data are pooled per destination and "
            "shared over its known foreign origins (or, if it has none, over every origin's "
            "worldwide emigrant stock)"
        ),
        "native_born": "population of the destination minus all its foreign-born (known and unknown origin)",
        "births": "mean crude birth rate of years y0..y0+4 x mean(P(y0), P(y1)) x 5 / 1000",
        "deaths": (
            "given"
            if deaths is not None
            else "P(y0) + births - P(y1) + net migration, net migration "
            + (
                "summed from the annual series"
                if net_migration is not None
                else "implied by the stock tables (change in foreign-born minus change in emigrants)"
            )
            + "; negative values set to 0"
        ),
        "periods": [],
    }
    rows = []
    for y0, y1 in zip(years[:-1], years[1:], strict=True):
        s0, realloc0 = _stock_table(stocks, y0, areas, unknown_origin)
        s1, realloc1 = _stock_table(stocks, y1, areas, unknown_origin)
        p0, p1 = pop.loc[areas, y0].to_numpy(float), pop.loc[areas, y1].to_numpy(float)
        fb0, fb1 = s0.sum(axis=0), s1.sum(axis=0)
        np.fill_diagonal(s0, p0 - fb0)
        np.fill_diagonal(s1, p1 - fb1)
        rate = _period_mean(cbr, "value", y0, areas)
        imputed = rate.index[rate.isna()].tolist()
        # Areas without a birth rate take the population-weighted mean rate of the others.
        known = rate.notna().to_numpy()
        mean_rate = float(np.average(rate.to_numpy()[known], weights=(p0 + p1)[known]))
        rate = rate.fillna(mean_rate).to_numpy(float)
        births = rate * (p0 + p1) / 2 * 5 / 1000
        if deaths is not None:
            d = deaths[deaths["year0"] == y0].set_index("area")["deaths"].reindex(areas)
            if d.isna().any():
                raise ValueError(f"deaths missing for {d.index[d.isna()].tolist()} in {y0}")
            dth = d.to_numpy(float)
        else:
            if net_migration is not None:
                nm = net_migration[(net_migration["year"] >= y0) & (net_migration["year"] < y0 + 5)]
                nmig = nm.groupby("area")["net_migration"].sum().reindex(areas)
                # Where the series has no value, fall back on the stock-implied figure below.
                stock_nm = (fb1 - fb0) - ((s1.sum(axis=1) - np.diag(s1)) - (s0.sum(axis=1) - np.diag(s0)))
                nmig = np.where(nmig.isna(), stock_nm, nmig.to_numpy(float))
            else:
                nmig = (fb1 - fb0) - ((s1.sum(axis=1) - np.diag(s1)) - (s0.sum(axis=1) - np.diag(s0)))
            dth = p0 + births - p1 + nmig
        negative = int((dth < 0).sum())
        dth = np.maximum(dth, 0.0)
        res = demographic_accounting_flows(s0, s1, births, dth, labels=areas, **options)
        od = sum_od(res.flow)
        oi, di = np.nonzero(~np.eye(len(areas), dtype=bool))
        rows.append(
            pd.DataFrame(
                {
                    "orig": np.asarray(areas)[oi],
                    "dest": np.asarray(areas)[di],
                    "year0": y0,
                    "year1": y1,
                    "flow": od[oi, di],
                }
            )
        )
        params["periods"].append(
            {
                "year0": y0,
                "year1": y1,
                "births": float(births.sum()),
                "deaths": float(dth.sum()),
                "deaths_set_to_zero": negative,
                "birth_rate_imputed": imputed,
                "imputed_birth_rate": mean_rate,
                "unknown_origin_reallocated": [realloc0, realloc1],
                "messages": res.messages,
                "total_flow": float(od.sum()),
            }
        )
        log.info("flows %s-%s: %.0f migrant transitions", y0, y1, od.sum())
    return pd.concat(rows, ignore_index=True), params


def read_mirror_inputs(mirror: Path) -> dict[str, pd.DataFrame]:
    (
        """Tidy inputs from the raw mirror files: UN DESA IMS 2020 stocks, IMS populations, WDI birth rate and net """
        """migration."""
    )
    raw = pd.read_csv(mirror / "undesa_ims_2020_bilateral" / "ims2020_bilateral_stock_by_sex.csv")
    # Both sexes = Male + Female (the file lists the sexes separately).
    stocks = raw.groupby(["orig", "dest", "year"], as_index=False)["stock"].sum()
    pop = pd.read_csv(mirror / "guyabel_stepladder" / "pop_totals_2020.csv")
    # M49 codes >= 900 are regions (one carries a stray alpha3); the Channel Islands (830) have no
    # ISO code in the file but are 'CHI' in the stock table.
    pop = pop[pop["country_code"] < 900].copy()
    pop.loc[pop["country_code"] == 830, "alpha3"] = "CHI"
    pop = pop.dropna(subset=["alpha3"])
    population = pd.DataFrame({"area": pop["alpha3"], "year": pop["year"], "population": pop["pop"] * 1000.0})
    ind = pd.read_csv(mirror / "iom_gdi_gdiviz" / "indicators.csv")
    birth = ind[ind["var"] == "birth"].rename(columns={"iso": "area", "t": "year", "v": "cbr"})[["area", "year", "cbr"]]
    nmig = ind[ind["var"] == "nmig"].rename(columns={"iso": "area", "t": "year", "v": "net_migration"})
    return {
        "stocks": stocks,
        "population": population,
        "birth_rate": birth,
        "net_migration": nmig[["area", "year", "net_migration"]],
    }


def estimate_flows_from_mirror(mirror: Path, *, use_net_migration: bool = True, **options) -> tuple[pd.DataFrame, dict]:
    """estimate_real_flows on the mirror's raw files (WDI net migration used for deaths unless told otherwise)."""
    inputs = read_mirror_inputs(Path(mirror))
    nm = inputs.pop("net_migration")
    return estimate_real_flows(**inputs, net_migration=nm if use_net_migration else None, **options)
