"""UNHCR forced displacement flows: one row per year × origin × asylum country, one column per flow type."""

from __future__ import annotations

from observatory.sources.context import ParseContext
from observatory.sources.unhcr_tables import corridor_measures

MEASURES = {
    "refugees": "unhcr_flow_refugees",
    "asylum_seekers": "unhcr_flow_asylum_seekers",
    "refugee_like": "unhcr_flow_refugee_like",
    "oip": "unhcr_flow_oip",
}


def parse(ctx: ParseContext):
    """One relation per flow type; empty cells (not collected) give no row."""
    return corridor_measures(ctx, "flows.csv", MEASURES)
