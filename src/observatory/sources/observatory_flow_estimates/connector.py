"""Flows re-estimated from the stock tables already loaded in this build (observatory.flows, migest ffs_demo)."""

from __future__ import annotations

import json

from observatory.flows.real import estimate_real_flows
from observatory.sources.context import ParseContext

INPUTS = {
    # The 2020 revision's stocks with the 2020 revision's population denominators: one edition throughout.
    "stocks": "SELECT origin AS orig, destination AS dest, year, SUM(value) AS stock FROM (SELECT * FROM observation "
    "UNION ALL "
    "SELECT * FROM observation_alternative) WHERE measure_id = 'migrant_stock' AND dataset_id = "
    "'undesa_ims_2020_bilateral' "
    "GROUP BY origin, destination, year",
    "population": "SELECT area, year, value AS population FROM observation WHERE measure_id = 'population_ims'",
    # Birth rates and net migration of the WDI vintage built on WPP 2022, like the IMS 2020 revision's populations.
    "birth_rate": "SELECT area, year, value AS cbr FROM (SELECT * FROM observation UNION ALL SELECT * FROM "
    "observation_alternative) "
    "WHERE measure_id = 'crude_birth_rate' AND dataset_id = 'wdi_indicators'",
    "net_migration": "SELECT area, year, value AS net_migration FROM (SELECT * FROM observation UNION ALL SELECT * "
    "FROM observation_alternative) "
    "WHERE measure_id = 'net_migration_wdi' AND dataset_id = 'wdi_indicators'",
}


def parse(ctx: ParseContext):
    """One ffs_demo estimate per five-year period 1990–2020; nothing when an input dataset is not in the build."""
    present = {row[0] for row in ctx.con.execute("SELECT id FROM measure").fetchall()}
    present |= {f"{row[0]}@{row[1]}" for row in ctx.con.execute("SELECT id, dataset_id FROM measure").fetchall()}
    needed = {
        "migrant_stock@undesa_ims_2020_bilateral",
        "population_ims",
        "crude_birth_rate@wdi_indicators",
        "net_migration_wdi@wdi_indicators",
    }
    if not needed <= present:
        ctx.note("inputs_missing", f"not estimated: this build lacks {sorted(needed - present)}", severity="warning")
        return []
    inputs = {name: ctx.con.execute(sql).df() for name, sql in INPUTS.items()}
    flows, params = estimate_real_flows(
        inputs["stocks"], inputs["population"], inputs["birth_rate"], net_migration=inputs["net_migration"]
    )
    shown = {key: (f"{len(value)} areas" if key == "areas" else value) for key, value in params.items()}
    ctx.note("method_parameters", "ffs_demo parameters: " + json.dumps(shown, default=str, sort_keys=True))
    flows = flows[flows["flow"] > 0]
    frame = flows.assign(
        measure_id="migration_flow_reestimated",
        origin=flows["orig"],
        destination=flows["dest"],
        year=flows["year0"],
        period=flows["year0"].astype(str) + "-" + flows["year1"].astype(str),
        category="ffs_demo",
        value=flows["flow"],
    )[["measure_id", "origin", "destination", "year", "period", "category", "value"]]
    return [ctx.relation_from_frame(frame, "flows_reestimated")]
