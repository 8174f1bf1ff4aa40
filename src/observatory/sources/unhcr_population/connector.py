(
    """UNHCR population table: one row per year × origin (coo_iso) × asylum country (coa_iso), one column per """
    """population type."""
)

from __future__ import annotations

from observatory.sources.context import ParseContext
from observatory.sources.unhcr_tables import corridor_measures

# source column -> measure id (declared in source.yml)
MEASURES = {
    "refugees": "unhcr_refugees",
    "asylum_seekers": "unhcr_asylum_seekers",
    "returned_refugees": "unhcr_returned_refugees",
    "idps": "unhcr_idps",
    "returned_idps": "unhcr_returned_idps",
    "stateless": "unhcr_stateless",
    "ooc": "unhcr_ooc",
    "oip": "unhcr_oip",
    "hst": "unhcr_host_community",
}


def parse(ctx: ParseContext):
    """One relation per population type; empty cells (not collected) give no row, zeros are kept."""
    return corridor_measures(ctx, "population.csv", MEASURES)
