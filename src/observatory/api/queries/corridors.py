(
    """Corridor profiles (origin -> destination) and corridor rankings, from the corridor stock and every corridor """
    """measure."""
)

from __future__ import annotations

import json
from typing import Any, cast

from observatory.api.queries.catalogue import (
    Series,
    area_label,
    cite,
    find_series,
    indicator_has_values,
    indicators,
    measures,
)
from observatory.api.queries.series import collapsed
from observatory.api.release_cache import ReleaseHandle

STOCK_INDICATOR = "corridor_stock"
STOCK_MEASURE = "migrant_stock"
# The declared share indicators (percent) behind the profile's share fields (fractions): every surface shows their
# values, whose denominators the catalogue defines (the destination's immigrants include those of unknown origin).
SHARE_INDICATORS = {
    "share_of_origin_emigrants": "corridor_share_of_origin_emigrants",
    "share_of_destination_immigrants": "corridor_share_of_destination_immigrants",
}


def stock_series(handle: ReleaseHandle) -> Series | None:
    """The corridor stock: the computed indicator when the release has it, else the UN DESA measure."""
    if indicator_has_values(handle, STOCK_INDICATOR):
        return find_series(handle, STOCK_INDICATOR)
    return find_series(handle, STOCK_MEASURE)


def _stock_rows(handle: ReleaseHandle, sex: str = "total") -> list[dict]:
    """Every corridor stock value (collapsed), cached per release."""
    series = stock_series(handle)
    return handle.memo(("corridor_stock_rows", sex), lambda: collapsed(handle, series, sex=sex) if series else [])


def _stock_index(handle: ReleaseHandle) -> dict[str, Any]:
    """Corridor stock totals by (origin, destination, year), and per-origin and per-destination sums by year."""

    def build() -> dict[str, Any]:
        pairs: dict[tuple[str, str, int], float] = {}
        out_sum: dict[tuple[str, int], float] = {}
        in_sum: dict[tuple[str, int], float] = {}
        for row in _stock_rows(handle):
            if row["value"] is None or row["origin"] is None or row["destination"] is None:
                continue
            key = (row["origin"], row["destination"], row["year"])
            pairs[key] = row["value"]
            out_sum[(row["origin"], row["year"])] = out_sum.get((row["origin"], row["year"]), 0.0) + row["value"]
            in_sum[(row["destination"], row["year"])] = (
                in_sum.get((row["destination"], row["year"]), 0.0) + row["value"]
            )
        years = sorted({k[2] for k in pairs})
        return {"pairs": pairs, "out": out_sum, "in": in_sum, "years": years}

    return handle.memo(("corridor_stock_index",), build)


def stock_years(handle: ReleaseHandle) -> list[int]:
    """Years with corridor stock values."""
    return _stock_index(handle)["years"]


def pair_stock(handle: ReleaseHandle, origins: list[str], destination: str, year: int) -> float:
    """Stock from any of the origins to one destination in a year (0 if none)."""
    pairs = _stock_index(handle)["pairs"]
    return sum(pairs.get((o, destination, year), 0.0) for o in origins)


def top_partners(
    handle: ReleaseHandle, code: str, direction: str, year: int | None = None, limit: int = 10
) -> dict[str, Any]:
    """Largest destinations of a country's emigrants (direction 'out') or origins of its immigrants ('in')."""

    def compute() -> dict[str, Any]:
        index = _stock_index(handle)
        chosen = year if year is not None else (index["years"][-1] if index["years"] else None)
        position = 0 if direction == "out" else 1
        rows = [(k[1 - position], v) for k, v in index["pairs"].items() if k[position] == code and k[2] == chosen]
        total = sum(v for _, v in rows)
        rows.sort(key=lambda kv: -kv[1])
        series = stock_series(handle)
        declared = _declared_partner_shares(handle, code, direction, chosen)
        return {
            "year": chosen,
            "total": total,
            "series": series.id if series else None,
            "rows": [
                {
                    "code": c,
                    "name": area_label(handle, c),
                    "value": v,
                    "share": declared.get(c) if declared is not None else (v / total if total else None),
                }
                for c, v in rows[:limit]
            ],
        }

    return handle.memo(("top_partners", code, direction, year, limit), compute)


def corridor_profile(handle: ReleaseHandle, origin: str, destination: str) -> dict[str, Any]:
    (
        """Everything the release knows about one corridor: stock by year and sex, shares, and every other corridor """
        """measure."""
    )

    def compute() -> dict[str, Any]:
        index = _stock_index(handle)
        stock = stock_series(handle)
        by_sex, stock_sources = _stock_by_sex(handle, stock, origin, destination)
        declared, share_sources = _declared_shares(handle, origin, destination)
        stock_rows = []
        for year in sorted(by_sex.get("total", {})):
            total = by_sex["total"][year]
            out_total, in_total = index["out"].get((origin, year)), index["in"].get((destination, year))
            computed = {
                "share_of_origin_emigrants": (total / out_total) if total is not None and out_total else None,
                "share_of_destination_immigrants": (total / in_total) if total is not None and in_total else None,
            }
            stock_rows.append(
                {
                    "year": year,
                    "total": total,
                    "female": by_sex["female"].get(year),
                    "male": by_sex["male"].get(year),
                    **{
                        field: declared[field].get(year) if field in declared else computed[field]
                        for field in SHARE_INDICATORS
                    },
                }
            )
        sources: set[str] = set(cast(Any, stock).dataset_id and [cast(Any, stock).dataset_id] or [])
        sources.update(share_sources)
        sources.update(stock_sources)
        other = other_measures(handle, origin, destination)
        for item in other:
            sources.update(item["sources"])
        return {
            "origin": {"code": origin, "name": area_label(handle, origin)},
            "destination": {"code": destination, "name": area_label(handle, destination)},
            "stock_series": stock.id if stock else None,
            "stock_unit": stock.unit if stock else None,
            "stock": stock_rows,
            "measures": other,
            "sources": cite(handle, sources),
        }

    return handle.memo(("corridor_profile", origin, destination), compute)


def _stock_by_sex(
    handle: ReleaseHandle, stock: Series | None, origin: str, destination: str
) -> tuple[dict[str, dict[int, float | None]], set[str]]:
    """A corridor's stock by sex and year, and the datasets of its total rows (from the digest once it is built)."""
    if stock is None:
        return {}, set()
    digest = getattr(handle, "digest", None)
    if digest is not None:
        kept = digest.corridor_stock.get((origin, destination), {})
        return (
            {sex: dict(kept.get(sex, {})) for sex in ("total", "female", "male")},
            set(digest.corridor_stock_sources.get((origin, destination), ())),
        )
    by_sex: dict[str, dict[int, float | None]] = {}
    sources: set[str] = set()
    for sex in ("total", "female", "male"):
        rows = collapsed(handle, stock, sex=sex, origin=origin, destination=destination)
        by_sex[sex] = {r["year"]: r["value"] for r in rows}
        if sex == "total":
            sources.update(s for r in rows for s in (r["sources"] or []))
    return by_sex, sources


def _declared_shares(handle: ReleaseHandle, origin: str, destination: str) -> tuple[dict[str, dict], set[str]]:
    """The share indicators' values of a corridor as fractions by field and year, and their sources."""
    shares: dict[str, dict[int, float | None]] = {}
    sources: set[str] = set()
    digest = getattr(handle, "digest", None)
    for field, indicator in SHARE_INDICATORS.items():
        series = find_series(handle, indicator) if indicator_has_values(handle, indicator) else None
        if series is None:  # a release without the indicator (a partial build): computed from the stock instead
            continue
        if digest is not None and field in digest.corridor_shares:
            shares[field] = dict(digest.corridor_shares[field].get((origin, destination), {}))
            sources.update(digest.corridor_share_sources.get((origin, destination), ()))
            continue
        rows = collapsed(handle, series, origin=origin, destination=destination)
        shares[field] = {r["year"]: None if r["value"] is None else r["value"] / 100 for r in rows}
        sources.update(s for r in rows for s in (r["sources"] or []))
    return shares, sources


def _declared_partner_shares(
    handle: ReleaseHandle, code: str, direction: str, year: int | None
) -> dict[str, float | None] | None:
    """Each partner's declared share (fraction) of the country's emigrants ('out') or immigrants ('in') in a year."""
    field = "share_of_origin_emigrants" if direction == "out" else "share_of_destination_immigrants"
    indicator = SHARE_INDICATORS[field]
    series = find_series(handle, indicator) if indicator_has_values(handle, indicator) else None
    if series is None:
        return None
    digest = getattr(handle, "digest", None)
    if digest is not None and year is not None and year == digest.partner_year and field in digest.corridor_shares:
        return dict(digest.partner_shares.get((direction, code, year), {}))
    place, partner = ("origin", "destination") if direction == "out" else ("destination", "origin")
    places: dict[str, Any] = {place: code}
    rows = collapsed(handle, series, year_from=year, year_to=year, **places)
    return {r[partner]: None if r["value"] is None else r["value"] / 100 for r in rows}


def category_labels(handle: ReleaseHandle, series_id: str) -> dict[str, str]:
    """What the category codes of an indicator or measure mean, as the release's catalogue declares them."""

    def build() -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for row in indicators(handle).values():
            if not row.get("category_labels"):
                continue
            labels = json.loads(row["category_labels"])
            for measure_id in row.get("category_measures") or []:
                out.setdefault(measure_id, labels)
            out[row["id"]] = labels
        return out

    return handle.memo(("category_labels",), build).get(series_id, {})


def _by_measure_and_category(handle: ReleaseHandle, origin: str, destination: str) -> dict[str, dict[str, list]]:
    """Every corridor measure but the stock: yearly values per category (last period of the year; published total
    else women + men), in one scan of the observations."""
    rows = handle.rows(
        """WITH chosen AS (
               SELECT measure_id, category, year, period, sex, value, dataset_id FROM observation
               WHERE origin = ? AND destination = ? AND measure_id <> ? AND age = 'total' AND value IS NOT NULL
               QUALIFY period = max(period) OVER (PARTITION BY measure_id, category, year))
           SELECT measure_id, category, year, any_value(period) AS period,
                  CASE WHEN bool_or(sex = 'total') THEN sum(value) FILTER (WHERE sex = 'total')
                       ELSE sum(value) FILTER (WHERE sex IN ('female', 'male')) END AS value,
                  list_sort(list_distinct(list(dataset_id))) AS sources
           FROM chosen GROUP BY measure_id, category, year ORDER BY measure_id, category, year""",
        [origin, destination, STOCK_MEASURE],
    )
    out: dict[str, dict[str, list[dict]]] = {}
    for row in rows:
        if row["value"] is not None:
            out.setdefault(row.pop("measure_id"), {}).setdefault(row["category"], []).append(row)
    return out


def headline_category(present: list[str], labels: dict[str, str]) -> str:
    """The category one headline number shows: the all-categories value, else the first declared code with values."""
    if "" in present:
        return ""
    declared = [code for code in labels if code in present]
    # Without a declaration no code is preferred over another; the order is only stable, and the code is shown.
    return declared[0] if declared else sorted(present)[0]


def category_label(category: str, labels: dict[str, str]) -> str | None:
    """The meaning of a category code, or a plain statement that the release does not declare it."""
    if category in labels:
        return labels[category]
    return None if category == "" else f"category {category} (meaning not declared)"


def other_measures(handle: ReleaseHandle, origin: str, destination: str) -> list[dict[str, Any]]:
    """Every corridor measure other than the stock: the headline category's series and every category on its own."""
    known = measures(handle)
    out = []
    for measure_id, by_category in sorted(_by_measure_and_category(handle, origin, destination).items()):
        if not any(v["value"] for values in by_category.values() for v in values):
            continue
        labels = category_labels(handle, measure_id)
        chosen = headline_category(list(by_category), labels)
        order = {code: position for position, code in enumerate(labels)}
        values = by_category[chosen]
        latest = values[-1]
        categories = [
            {
                "category": code,
                "label": category_label(code, labels),
                "latest_year": rows[-1]["year"],
                "latest_period": rows[-1]["period"],
                "latest_value": rows[-1]["value"],
                "series": [{"year": v["year"], "period": v["period"], "value": v["value"]} for v in rows],
            }
            for code, rows in sorted(by_category.items(), key=lambda item: (order.get(item[0], len(order)), item[0]))
        ]
        out.append(
            {
                "measure": measure_id,
                "label": known[measure_id]["label"],
                "unit": known[measure_id]["unit"],
                "kind": known[measure_id]["kind"],
                "latest_year": latest["year"],
                "latest_period": latest["period"],
                "latest_value": latest["value"],
                "category": chosen,
                "category_label": category_label(chosen, labels),
                # Each kind on its own: codes of different kinds (new applications, appeals) are never added up.
                "categories": categories if len(categories) > 1 else [],
                "series": [{"year": v["year"], "period": v["period"], "value": v["value"]} for v in values],
                "sources": sorted({s for v in values for s in (v["sources"] or [])}),
            }
        )
    return out
