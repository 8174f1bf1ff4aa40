"""Abel (2018) inter-regional flows between his ten world regions."""

from __future__ import annotations

from observatory.sources.context import ParseContext


def parse(ctx: ParseContext):
    raw = ctx.read_csv(
        "imr_reg_flow.csv", columns={"year0": "INTEGER", "orig_reg": "VARCHAR", "dest_reg": "VARCHAR", "flow": "DOUBLE"}
    )
    return [
        raw.select(
            "'regional_migration_flow' AS measure_id, orig_reg AS origin, dest_reg AS destination, year0 AS year, "
            "year0 || '-' || (year0 + 10) AS period, flow AS value, _file, _row"
        )
    ]
