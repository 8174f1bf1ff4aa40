"""WDI late-2024 vintage from the gdidata long table (geo, var, t, v): one measure per variable, none left out."""

from __future__ import annotations

from observatory.sources.context import ParseContext

# Each gdidata variable and the measure it is; every variable in the file must be listed here.
VARIABLES = {
    "remin": "remittances_received",
    "remout": "remittances_paid",
    "gdp": "gdp_current_usd",
    "income": "gdp_per_capita_ppp_2021",
    "pop": "population_total",
    "nmig": "net_migration_wdi",
    "birth": "crude_birth_rate",
    "depend": "dependency_ratio",
    "fdiin": "fdi_inflow",
    "fdiout": "fdi_outflow",
    "inf": "inflation",
    "unem": "unemployment_rate",
    "polstb": "political_stability",
}


def parse(ctx: ParseContext):
    """Every row becomes one observation; an unknown variable or a missing value stops the build."""
    raw = ctx.read_csv("wdi.csv", columns={"geo": "VARCHAR", "var": "VARCHAR", "t": "INTEGER", "v": "DOUBLE"})
    listed = ", ".join(f"'{variable}'" for variable in VARIABLES)
    ctx.require(raw, f"var IN ({listed})", "var", "a variable documented in gdidata R/wdi.R")
    ctx.require(raw, "v IS NOT NULL", "v", "a number (the long table lists only published values)")
    cases = " ".join(f"WHEN '{variable}' THEN '{measure}'" for variable, measure in VARIABLES.items())
    return [raw.select(f"CASE var {cases} END AS measure_id, geo AS area, t AS year, v AS value, _file, _row")]
