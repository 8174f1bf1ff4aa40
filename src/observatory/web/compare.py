"""Compare several areas on one chart: the reader's list of areas (in the URL), years to move through, and views
scaled per inhabitant or as a share of the world total."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from observatory.api.deps import check_area
from observatory.api.problems import bad_request
from observatory.api.queries.catalogue import Series, find_series
from observatory.api.queries.series import area_series, map_values
from observatory.i18n.messages import gettext_for
from observatory.web.charts import MAX_SERIES, Chart, line_chart
from observatory.web.templating import N_, indicator_title, indicator_unit, place_name

# The series a per-inhabitant view divides by, and which units can be divided (a count of people or money).
PER_CAPITA_DENOMINATOR = "population"
PER_CAPITA_UNITS = {
    "persons": (1000.0, N_("per 1,000 inhabitants")),
    "current USD": (1.0, N_("current USD per inhabitant")),
}
SCALE_TITLES = {
    "value": N_("As published"),
    "share": N_("Share of the world total"),
    "per_capita": N_("Per inhabitant"),
}
VIEWS = {"chart": N_("Chart"), "map": N_("Map"), "table": N_("Table"), "sources": N_("Sources")}


def parse_compare(handle, text: str | None, add: str | None = None) -> list[str]:
    """Area codes from 'A,B,C' (plus one added), known to the release, without repeats, at most MAX_SERIES."""
    codes: list[str] = []
    for part in [*(text or "").split(","), add or ""]:
        code = check_area(handle, part.strip() or None, "compare")
        if code and code not in codes:
            codes.append(code)
    if len(codes) > MAX_SERIES:
        raise bad_request(f"compare at most {MAX_SERIES} areas at once")
    return codes


def per_capita_factor(series: Series) -> tuple[float, str] | None:
    """(multiplier, wording) of the per-inhabitant view, or None when the unit is not a count of people or money."""
    if series.id == PER_CAPITA_DENOMINATOR or series.value_kind not in ("stock", "flow", "count"):
        return None
    for unit, factor in PER_CAPITA_UNITS.items():
        if series.unit == unit or series.unit.startswith(unit + " "):
            return factor
    return None


def scales_for(handle, series: Series, lang: str = "en") -> dict[str, str]:
    """The views of the values this series supports: as published, share of the world, per inhabitant."""
    _ = gettext_for(lang)
    published, world_share, per_inhabitant = (SCALE_TITLES[key] for key in ("value", "share", "per_capita"))
    scales = {"value": _(published)}
    if series.level != "area":
        return scales
    data = map_values(handle, series)
    world = next((g["value"] for g in data["groups"] if g["code"] == "WLD"), None)
    if world and world > 0 and all(c["value"] >= 0 for c in data["countries"]):  # a share of a net sum means nothing
        scales["share"] = _(world_share)
    factor = per_capita_factor(series)
    if factor and find_series(handle, PER_CAPITA_DENOMINATOR) is not None:
        wording = factor[1]
        scales["per_capita"] = f"{_(per_inhabitant)} ({_(wording)})"
    return scales


def scaled_unit(series: Series, scale: str, lang: str = "en") -> str:
    """The unit of the values a view shows."""
    _ = gettext_for(lang)
    if scale == "share":
        return _("percent of the world total")
    factor = per_capita_factor(series)
    if scale == "per_capita" and factor:
        base = next(u for u in PER_CAPITA_UNITS if series.unit == u or series.unit.startswith(u + " "))
        rest = series.unit[len(base) :]  # "persons per year" -> "per 1,000 inhabitants per year"
        return _(factor[1]) + ((" " + _("per year")) if rest.strip() == "per year" else rest)
    return indicator_unit(series, lang)


def _divisors(handle, series: Series, scale: str, code: str) -> dict[int, float]:
    """year -> what a value of this area is divided by in this view (world total, or population / multiplier)."""
    if scale == "share":
        return {r["year"]: r["value"] / 100 for r in area_series(handle, series, "WLD") if r["value"]}
    factor = per_capita_factor(series)
    population = find_series(handle, PER_CAPITA_DENOMINATOR)
    if scale == "per_capita" and factor and population is not None:
        return {r["year"]: r["value"] / factor[0] for r in area_series(handle, population, code) if r["value"]}
    return {}


def scaled_series(handle, series: Series, scale: str, code: str) -> list[dict[str, Any]]:
    """{year, value} of one area in this view; years without a divisor are left out, never guessed."""
    points = [r for r in area_series(handle, series, code) if r["value"] is not None]
    if scale == "value":
        return [{"year": r["year"], "value": r["value"]} for r in points]
    divisors = _divisors(handle, series, scale, "WLD" if scale == "share" else code)
    return [{"year": r["year"], "value": r["value"] / divisors[r["year"]]} for r in points if r["year"] in divisors]


def scaled_countries(handle, series: Series, scale: str, year: int | None) -> dict[str, Any]:
    """map_values of the year with each country's value in this view (countries without a divisor are left out)."""
    data = map_values(handle, series, year)
    if scale == "value":
        return data
    chosen = data["year"]
    if scale == "share":
        world = next((g["value"] for g in data["groups"] if g["code"] == "WLD"), None)
        divisor = {c["code"]: world / 100 for c in data["countries"]} if world else {}
        sources = data["sources"]
    else:
        population = find_series(handle, PER_CAPITA_DENOMINATOR)
        factor = per_capita_factor(series)
        people = map_values(handle, population, chosen) if population and factor else {"countries": [], "sources": []}
        divisor = {c["code"]: c["value"] / factor[0] for c in people["countries"] if c["value"] and factor}
        sources = sorted({*data["sources"], *people["sources"]}) if divisor else data["sources"]
    countries = sorted(
        ({**c, "value": c["value"] / divisor[c["code"]]} for c in data["countries"] if c["code"] in divisor),
        key=lambda c: -c["value"],
    )
    return {**data, "countries": countries, "groups": [], "sources": sources}


def compare_chart(
    handle, series: Series, codes: list[str], scale: str, year: int | None = None, lang: str = "en"
) -> Chart | None:
    """One line per chosen area over the years, in the chosen view; None when no area has values."""
    points = [
        {"year": p["year"], "value": p["value"], "area": place_name(handle, code, lang)}
        for code in codes
        for p in scaled_series(handle, series, scale, code)
    ]
    if not points:
        return None
    names = ", ".join(place_name(handle, c, lang) for c in codes)
    title = f"{scaled_title(series, scale, lang)}: {names}"
    order = [place_name(handle, code, lang) for code in codes]
    unit = scaled_unit(series, scale, lang)
    return line_chart(title, points, unit, "area", highlight_year=year, series_order=order, lang=lang)


def scaled_title(series: Series, scale: str, lang: str = "en") -> str:
    """The series' title with the view it is shown in: 'International migrant stock — per inhabitant'."""
    title = indicator_title(series, lang)
    return title if scale == "value" else f"{title} — {gettext_for(lang)(SCALE_TITLES[scale]).lower()}"


def view_href(request, **changes: Any) -> str:
    """This page's address with some query parameters changed (None removes one); never a download or an add."""
    params = {k: v for k, v in request.query_params.items() if k not in ("download", "add")}
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params, safe=",")
    return request.url.path + (f"?{query}" if query else "")


def year_steps(years: list[int], year: int | None) -> tuple[int | None, int | None]:
    """The years with values just before and just after the shown one."""
    if year is None or not years:
        return None, None
    earlier = [y for y in years if y < year]
    later = [y for y in years if y > year]
    return (earlier[-1] if earlier else None), (later[0] if later else None)


def country_comparison(
    handle,
    code: str,
    summary: dict[str, Any],
    compare: str | None,
    add: str | None,
    indicator: str | None,
    lang: str = "en",
) -> dict[str, Any]:
    """A country page's compare block: the country and the reader's areas on one chart of a chosen indicator."""
    others = [c for c in parse_compare(handle, compare, add) if c != code]
    if len(others) >= MAX_SERIES:
        raise bad_request(f"compare at most {MAX_SERIES - 1} other areas with this country")
    choices = [f for f in summary["indicators"] if (s := find_series(handle, f["id"])) and s.level == "area"]
    ids = [f["id"] for f in choices]
    chosen = indicator or ("migrant_stock" if "migrant_stock" in ids else (ids[0] if ids else None))
    if indicator is not None and indicator not in ids:
        raise bad_request("indicator: choose one this country has values for (see the list on the page)")
    series = find_series(handle, chosen) if chosen else None
    chart = compare_chart(handle, series, [code, *others], "value", lang=lang) if series else None
    return {
        "compare_chart": chart,
        "compare_series": series,
        "compare_choices": choices,
        "compare_others": others,
        "compare_names": [(c, place_name(handle, c, lang)) for c in others],
    }
