"""UNHCR durable solutions: one row per year × origin × asylum country, one column per solution."""

from __future__ import annotations

from observatory.sources.context import ParseContext
from observatory.sources.unhcr_tables import corridor_measures

MEASURES = {
    "returned_refugees": "unhcr_solutions_returned_refugees",
    "resettlement": "unhcr_resettlement",
    "naturalisation": "unhcr_naturalisation",
    "returned_idps": "unhcr_solutions_returned_idps",
}


def parse(ctx: ParseContext):
    """One relation per solution type; empty cells (not collected) give no row."""
    return corridor_measures(ctx, "solutions.csv", MEASURES)
