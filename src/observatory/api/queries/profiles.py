"""Country summaries assembled from indicator values, with raw measures standing in where an indicator has no value."""

from __future__ import annotations

from typing import Any

from observatory.api.queries.catalogue import area_label, areas, cite, find_series, indicators, memberships
from observatory.api.queries.corridors import top_partners
from observatory.api.queries.series import area_series
from observatory.api.release_cache import ReleaseHandle

# (indicator id, measure used when the indicator has no value for the country)
KEY_FIGURES: tuple[tuple[str, str | None], ...] = (
    ("migrant_stock", "migrant_stock_total"),
    ("migrant_share_of_population", "migrant_share_published"),
    ("migrant_stock_female_share", "migrant_female_share_published"),
    ("emigrant_stock", "emigrant_stock_compiled"),
    ("refugees_hosted", "refugees_undesa"),
    ("refugees_by_origin", None),
    ("asylum_seekers_hosted", None),
    ("idps_conflict", "unhcr_idmc_idps"),
    ("remittances_received_usd", "remittances_received"),
    ("remittances_paid_usd", "remittances_paid"),
    ("net_migration", "net_migration_wdi"),
    ("sdg_10_c_1", None),
)

# Figures whose world value is not a fact about the world: every migrant who arrives somewhere left somewhere else,
# so world net migration is zero by construction and its sum over areas is only a rounding and coverage residue.
NOT_GLOBAL: frozenset[str] = frozenset({"net_migration"})
WORLD = "WLD"


def latest(handle: ReleaseHandle, series_id: str, area: str) -> dict[str, Any] | None:
    """The latest non-null collapsed value of a series for an area, with the series' metadata."""
    series = find_series(handle, series_id)
    if series is None or series.level != "area":
        return None
    values = [r for r in area_series(handle, series, area) if r["value"] is not None]
    if not values:
        return None
    # A partly covered year (deaths recorded to 30 April) is listed in the series but is not the headline.
    row = next((r for r in reversed(values) if r.get("partial_until") is None), values[-1])
    return {
        "id": series.id,
        "kind": series.kind,
        "title": series.title,
        "unit": series.unit,
        "year": row["year"],
        "period": row["period"],
        "value": row["value"],
        "status": row["status"],
        "sources": row["sources"] or [],
        "note": series.note,
        "series": [{"year": v["year"], "value": v["value"], "partial_until": v.get("partial_until")} for v in values],
    }


def key_figures(
    handle: ReleaseHandle, area: str, chosen: tuple[tuple[str, str | None], ...] = KEY_FIGURES
) -> list[dict[str, Any]]:
    """The headline numbers of a country: indicator values, or the named raw measures when an indicator is missing."""
    out = []
    for indicator_id, fallback in chosen:
        figure = latest(handle, indicator_id, area)
        if figure is None and fallback:
            figure = latest(handle, fallback, area)
            if figure is not None:
                figure["stands_in_for"] = indicator_id
        if figure is not None:
            out.append(figure)
    return out


def global_key_figures(handle: ReleaseHandle) -> list[dict[str, Any]]:
    """The world's headline numbers: only figures whose world total means something."""
    chosen = tuple((indicator, fallback) for indicator, fallback in KEY_FIGURES if indicator not in NOT_GLOBAL)
    return key_figures(handle, WORLD, chosen)


def all_indicator_values(handle: ReleaseHandle, area: str) -> list[dict[str, Any]]:
    """The latest value of every area-level indicator for the area."""
    out = []
    for indicator_id, ind in indicators(handle).items():
        if ind["level"] != "area" or not ind["n_values"]:
            continue
        figure = latest(handle, indicator_id, area)
        if figure is not None:
            figure.pop("series")
            out.append(figure)
    return out


def country_summary(handle: ReleaseHandle, code: str) -> dict[str, Any]:
    """A country profile built from this release: identity, groups, key figures, indicators, main corridors, sources."""

    def compute() -> dict[str, Any]:
        area = areas(handle)[code]
        groups = [
            {"scheme": scheme, "code": group, "name": area_label(handle, group)}
            for scheme, group in memberships(handle).get(code, {}).items()
        ]
        figures = key_figures(handle, code)
        values = all_indicator_values(handle, code)
        emigrants = top_partners(handle, code, "out")
        immigrants = top_partners(handle, code, "in")
        used = {s for item in figures + values for s in item["sources"]}
        stock = find_series(handle, emigrants["series"]) if emigrants["series"] else None
        if stock is not None and (emigrants["rows"] or immigrants["rows"]):
            used.update([stock.dataset_id] if stock.dataset_id else indicator_sources(handle, stock.id))
        return {
            "area": {k: area[k] for k in ("code", "m49", "iso2", "name", "short_name", "kind", "note")},
            "groups": groups,
            "key_figures": figures,
            "indicators": values,
            "top_destinations_of_emigrants": emigrants,
            "top_origins_of_immigrants": immigrants,
            "sources": cite(handle, used),
            "built_by": "observatory.api (summary from indicator values)",
        }

    return handle.memo(("country_summary", code), compute)


def indicator_sources(handle: ReleaseHandle, indicator_id: str) -> list[str]:
    """Datasets an indicator's values come from."""
    return handle.memo(
        ("indicator_sources", indicator_id),
        lambda: [
            r["s"]
            for r in handle.rows(
                "SELECT DISTINCT unnest(sources) AS s FROM indicator_value WHERE indicator = ? ORDER BY 1",
                [indicator_id],
            )
        ],
    )
