"""WDI covariates from the gdiviz long table, one measure per variable, checked against its dictionary."""

from __future__ import annotations

from observatory.sources.context import ParseContext
from observatory.sources.errors import SourceError

VARIABLES = {
    "remin": "remittances_received",
    "remout": "remittances_paid",
    "pop": "population_wdi",
    "income": "gdp_per_capita_ppp",
    "nmig": "net_migration_wdi",
    "birth": "crude_birth_rate",
    "depend": "dependency_ratio",
    "fdiin": "fdi_inflow",
    "fdiout": "fdi_outflow",
    "inf": "inflation",
    "unem": "unemployment_rate",
    "polstb": "political_stability",
    "grieve": "group_grievance",
}


def parse(ctx: ParseContext):
    dictionary = ctx.read_csv("gdidata.csv", columns={"table": "VARCHAR", "var": "VARCHAR", "unit": "VARCHAR"})
    described = {row[0] for row in dictionary.filter("\"table\" = 'indicators'").select("var").fetchall()}
    if described != set(VARIABLES):
        raise SourceError(
            ctx.label("gdidata.csv"),
            f"dictionary variables {sorted(described)} differ from the declared {sorted(VARIABLES)}",
            field="var",
        )
    raw = ctx.read_csv("indicators.csv", columns={"iso": "VARCHAR", "var": "VARCHAR", "t": "INTEGER", "v": "DOUBLE"})
    ctx.require(
        raw, "var IN (" + ", ".join(f"'{v}'" for v in VARIABLES) + ")", "var", "a variable listed in gdidata.csv"
    )
    cases = " ".join(f"WHEN '{v}' THEN '{m}'" for v, m in VARIABLES.items())
    return [
        raw.filter("v IS NOT NULL").select(
            f"CASE var {cases} END AS measure_id, iso AS area, t AS year, v AS value, _file, _row"
        )
    ]
