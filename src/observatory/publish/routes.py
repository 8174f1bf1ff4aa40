"""Deaths and disappearances on migration routes (SDG 10.7.3) recorded in a region, by route and year."""

from __future__ import annotations

from typing import Any

from observatory.i18n.declarations import term
from observatory.publish.data import ReleaseData
from observatory.publish.document import Notice, Table
from observatory.publish.language import text

INDICATOR = "sdg_10_7_3"
YEARS_SHOWN = 4
ROUTES_SHOWN = 8


def region_of(data: ReleaseData, code: str) -> dict | None:
    """The country's UN subregion (or SDG region): the region whose recorded route deaths are shown."""
    groups = data.area(code)["groups"]
    return groups.get("un_subregion") or groups.get("sdg_region")


def deaths_blocks(data: ReleaseData, regions: list[dict], what: str) -> list:
    """Dead and missing by route and year in each region (indicator values of the region), or a gap notice."""
    _ = data._
    blocks: list = []
    all_routes = _("All routes")
    for region in regions:
        name = data.name(region["code"])
        rows = data.indicator_rows(INDICATOR, area=region["code"])
        present = [r for r in rows if r["value"] is not None]
        if not present:
            blocks.append(
                Notice(
                    text(
                        _(
                            "No deaths or disappearances of migrants recorded in %(region)s in this release (IOM "
                            "Missing Migrants counts only the incidents it could verify; no record is not no death)."
                        ),
                        region=name,
                    )
                )
            )
            continue
        last = max(r["year"] for r in present)
        years = list(range(last - YEARS_SHOWN + 1, last + 1))
        routes: dict[str, dict[int, dict]] = {}
        row: dict | None
        for row in present:
            routes.setdefault(row["category"], {})[row["year"]] = row
        order = sorted(
            routes,
            key=lambda route: (
                route != "",
                -sum(r["value"] for r in routes[route].values() if r["year"] in years),
                route,
            ),
        )
        table_rows = []
        for route in order[: ROUTES_SHOWN + 1]:
            cells: list[Any] = [route or all_routes]
            for year in years:
                row = routes[route].get(year)
                cells.append(
                    data.figure_of(INDICATOR, row, f"{route or all_routes}, {year}")
                    if row
                    else data.missing(
                        INDICATOR,
                        f"{route or all_routes}, {year}",
                        area=region["code"],
                        category=route,
                        year=year,
                        reason=_("no death recorded on this route in this region and year"),
                    )
                )
            table_rows.append(cells)
        # A year covered only in part (incidents recorded to 30 April) says so in its column heading.
        cut_off = {r["year"]: data.figure_of(INDICATOR, r, None).when for r in present if r.get("partial_until")}
        blocks.append(
            Table(
                text(_("Migrants recorded dead or missing in %(region)s, by route (%(what)s)"), region=name, what=what),
                [_("Route"), *[cut_off.get(y, str(y)) for y in years]],
                table_rows,
                note=text(
                    _(
                        "SDG 10.7.3, a minimum: only recorded deaths and disappearances (IOM Missing Migrants "
                        "Project). The route is where the incident happened, not the migrants' origin; “%(no_data)s” "
                        "means none recorded."
                    ),
                    no_data=term("no_data", data.lang),
                ),
            )
        )
    return blocks
