"""Check a claim: read a sentence for areas, a measure, a year and a number, then show the data that bear on it."""

from __future__ import annotations

import re
from typing import Any, cast

from observatory.api.queries.catalogue import (
    Series,
    area_label,
    areas,
    cite,
    find_series,
    indicator_has_values,
    members,
    memberships,
)
from observatory.api.queries.corridors import stock_series
from observatory.api.queries.series import collapsed
from observatory.api.release_cache import ReleaseHandle

SCHEMES = {
    "continent": "continents",
    "un_region": "UN regions",
    "sdg_region": "SDG regions",
    "wb_income": "World Bank income groups",
}
GROUP_WORDS = {
    "CONT_AFRICA": ["Africa", "African"],
    "CONT_EUROPE": ["Europe", "European"],
    "CONT_ASIA": ["Asia", "Asian"],
    "CONT_LATIN_AMERICA_AND_THE_CARIBBEAN": [
        "Latin America",
        "Latin American",
        "South America",
        "South American",
        "Caribbean",
    ],
    "CONT_NORTHERN_AMERICA": ["North America", "Northern America", "North American"],
    "CONT_OCEANIA": ["Oceania", "Oceanian"],
    "EU27": ["European Union", "the EU", "EU"],
    "WLD": ["the world", "worldwide"],
    "SDG_SUB_SAHARAN_AFRICA": ["Sub-Saharan Africa", "sub-Saharan Africa", "sub-Saharan African"],
    "WBI_HIGH_INCOME": ["rich countries", "high-income countries"],
    "WBI_LOW_INCOME": ["poor countries", "low-income countries"],
}
# (words that select it, corridor series ids in order of preference, area series ids in order of preference)
MEASURE_RULES: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (("asylum",), ("unhcr_asylum_applications",), ("asylum_applications", "eurostat_asylum_applicants")),
    (("refugee",), ("unhcr_refugees",), ("refugees_hosted", "refugees_undesa")),
    (("remittance", "money sent"), (), ("remittances_received_usd", "remittances_received")),
    (("displaced", "idp"), (), ("idps_conflict", "unhcr_idmc_idps")),
    (
        ("migrant", "immigrant", "emigrant", "born", "foreigner", "diaspora", "live abroad", "go to", "move"),
        ("corridor_stock", "migrant_stock"),
        ("migrant_stock", "migrant_stock_total"),
    ),
)
NUMBER = re.compile(
    r"(?<![\w.])(\d+(?:[.,]\d+)*)\s*(million|billion|thousand|per ?cent|percent|%|m\b|bn\b|k\b)?", re.IGNORECASE
)
SCALE = {"million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "thousand": 1e3, "k": 1e3}


def _surfaces(handle: ReleaseHandle) -> dict[str, str]:
    """Words or phrases naming an area -> area code (country names, short names, demonyms, continent words)."""

    def build() -> dict[str, str]:
        table: dict[str, str] = {}
        try:
            from observatory.evidence.gazetteer import gazetteer

            for surface, (iso3, confidence, _rule) in gazetteer().items():
                if confidence >= 0.7 and len(surface) > 2:
                    table[surface] = iso3
        except Exception:  # the evidence vocabulary is optional here
            pass
        for code, area in areas(handle).items():
            if area["kind"] == "country":
                table[area["name"]] = code
                if area.get("short_name"):
                    table[area["short_name"]] = code
        for code, words in GROUP_WORDS.items():
            if code in areas(handle):
                for word in words:
                    table[word] = code
        return table

    return handle.memo(("claim_surfaces",), build)


def find_areas(handle: ReleaseHandle, text: str) -> list[tuple[int, str, str]]:
    """(position, surface, code) of every area named in the text, longest names first, without overlaps."""
    table = _surfaces(handle)
    found: list[tuple[int, str, str]] = []
    taken: list[tuple[int, int]] = []
    for surface in sorted(table, key=len, reverse=True):
        flags = 0 if surface.isupper() else re.IGNORECASE
        for match in re.finditer(rf"(?<![\w-]){re.escape(surface)}(?:s|es)?(?![\w-])", text, flags):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            taken.append((match.start(), match.end()))
            found.append((match.start(), surface, table[surface]))
    return sorted(found)


def _first_available(handle: ReleaseHandle, ids: tuple[str, ...]) -> str | None:
    """The first series id that exists and has values (indicators) or exists (measures)."""
    for series_id in ids:
        series = find_series(handle, series_id)
        if series is not None and (series.kind == "measure" or indicator_has_values(handle, series_id)):
            return series_id
    return None


def parse_claim(handle: ReleaseHandle, text: str) -> dict[str, Any]:
    (
        """Suggested measure, origin, destination or area, year and claimed number for a sentence; the person """
        """confirms """
        """them."""
    )
    lowered = text.lower()
    mentions = find_areas(handle, text)
    codes = list(dict.fromkeys(code for _, _, code in mentions))
    origin = destination = area = None
    for position, _surface, code in mentions:
        before = text[max(0, position - 12) : position].lower()
        if re.search(r"\b(from|of|born in)\s+$", before) and origin is None:
            origin = code
        elif re.search(r"\b(to|in|into|towards|reach)\s+(the\s+)?$", before) and destination is None and code != origin:
            destination = code
    rest = [c for c in codes if c not in (origin, destination)]
    if origin is None and rest:
        origin = rest.pop(0)
    if destination is None and rest:
        destination = rest.pop(0)
    corridor_ids: tuple[str, ...] = ("corridor_stock", "migrant_stock")
    area_ids: tuple[str, ...] = ("migrant_stock", "migrant_stock_total")
    for words, corridor_rule, area_rule in MEASURE_RULES:
        if any(word in lowered for word in words):
            corridor_ids, area_ids = corridor_rule, area_rule
            break
    single = destination is None and (
        not corridor_ids or re.search(r"\b(host|hosts|hosted|live in|living in|receive|received)\b", lowered)
    )
    if single and origin is not None:
        area, origin = origin, None
    measure = _first_available(handle, area_ids if area else corridor_ids) or _first_available(
        handle, corridor_ids or area_ids
    )
    years = [int(y) for y in re.findall(r"\b(19[5-9]\d|20[0-4]\d)\b", text)]
    number = None
    for match in NUMBER.finditer(text):
        raw, unit = match.group(1), (match.group(2) or "").lower().replace(" ", "")
        if not unit and re.fullmatch(r"(19|20)\d\d", raw):
            continue
        value = float(raw.replace(",", ""))
        number = {
            "text": match.group(0).strip(),
            "value": value * SCALE.get(unit, 1.0),
            "percent": unit in ("%", "percent", "percent"),
        }
        break
    if number is None and re.search(r"\b(most|majority|more than half)\b", lowered):
        number = {"text": "most", "value": 50.0, "percent": True}
    return {
        "text": text,
        "measure": measure,
        "origin": origin,
        "destination": destination,
        "area": area,
        "year": years[0] if years else None,
        "number": number,
        "mentions": [{"surface": s, "code": c, "name": area_label(handle, c)} for _, s, c in mentions],
    }


def expand(handle: ReleaseHandle, code: str) -> list[str]:
    """A country as itself; a group as its member countries."""
    area = areas(handle).get(code)
    if area is None or area["kind"] != "group":
        return [code]
    known = areas(handle)
    return [c for c in members(handle, code) if known.get(c, {}).get("kind") == "country"]


def claim_series(handle: ReleaseHandle) -> list[Series]:
    """Series a claim can be checked against: corridor and area measures and indicators with values."""

    def build() -> list[Series]:
        ids = [
            "corridor_stock",
            "migrant_stock",
            "unhcr_refugees",
            "unhcr_asylum_seekers",
            "unhcr_asylum_applications",
            "corridor_flow",
            "migration_flow",
            "migrant_stock_total",
            "migrant_share_published",
            "refugees_hosted",
            "refugees_undesa",
            "remittances_received_usd",
            "remittances_received",
            "net_migration",
            "net_migration_wdi",
            "unhcr_idmc_idps",
            "idps_conflict",
            "sdg_10_c_1",
        ]
        return [
            s
            for s in (find_series(handle, i) for i in ids)
            if s is not None and (s.kind == "measure" or indicator_has_values(handle, s.id))
        ]

    return handle.memo(("claim_series",), build)


def check_claim(
    handle: ReleaseHandle,
    series: Series,
    *,
    origin: str | None = None,
    destination: str | None = None,
    area: str | None = None,
    year: int | None = None,
    scheme: str = "continent",
) -> dict[str, Any]:
    """The data bearing on a claim: a distribution across groups for corridor measures, the values for area measures."""
    key = ("check_claim", series.kind, series.id, origin, destination, area, year, scheme)
    if series.level == "corridor":
        return handle.memo(key, lambda: _corridor_distribution(handle, series, origin, destination, year, scheme))
    return handle.memo(key, lambda: _area_values(handle, series, area or origin or destination, year))


def _corridor_distribution(
    handle: ReleaseHandle, series: Series, origin: str | None, destination: str | None, year: int | None, scheme: str
) -> dict[str, Any]:
    (
        """How the people from the origin(s) are spread over groups of destinations (or, given only a destination, """
        """where they come from)."""
    )
    known = areas(handle)
    by_destination = origin is not None
    anchor = origin if by_destination else destination
    if anchor is None:
        return {"kind": "corridor", "error": "choose an origin (or a destination)"}
    anchors = expand(handle, anchor)
    filters: dict[str, Any] = {"origin": anchors} if by_destination else {"destination": anchors}
    rows = [r for r in collapsed(handle, series, **filters) if r["value"] is not None]
    partner_col = "destination" if by_destination else "origin"
    rows = [r for r in rows if known.get(r[partner_col], {}).get("kind") != "group"]
    years = sorted({r["year"] for r in rows})
    chosen = year if year in years else (years[-1] if years else None)
    rows = [r for r in rows if r["year"] == chosen]
    by_partner: dict[str, float] = {}
    sources: set[str] = set()
    for row in rows:
        by_partner[row[partner_col]] = by_partner.get(row[partner_col], 0.0) + row["value"]
        sources.update(row["sources"] or [])
    total = sum(by_partner.values())
    member_of = memberships(handle)
    grouped: dict[str, float] = {}
    for code, value in by_partner.items():
        group = member_of.get(code, {}).get(scheme, "UNK")
        grouped[group] = grouped.get(group, 0.0) + value
    distribution = sorted(
        (
            {
                "code": g,
                "name": area_label(handle, g) if g != "UNK" else "Other or unknown",
                "value": v,
                "share": v / total if total else None,
            }
            for g, v in grouped.items()
        ),
        key=lambda r: -cast(float, r["value"]),
    )
    partners = sorted(
        (
            {"code": c, "name": area_label(handle, c), "value": v, "share": v / total if total else None}
            for c, v in by_partner.items()
        ),
        key=lambda r: -cast(float, r["value"]),
    )[:15]
    focus = destination if by_destination else None
    focus_share = None
    if focus:
        focus_members = set(expand(handle, focus))
        focus_value = sum(v for c, v in by_partner.items() if c in focus_members)
        focus_share = {
            "code": focus,
            "name": area_label(handle, focus),
            "value": focus_value,
            "share": focus_value / total if total else None,
        }
    return {
        "kind": "corridor",
        "series": _series_meta(series),
        "direction": "destinations" if by_destination else "origins",
        "anchor": {"code": anchor, "name": area_label(handle, anchor), "countries": len(anchors)},
        "focus": focus_share,
        "year": chosen,
        "years": years,
        "scheme": scheme,
        "scheme_label": SCHEMES.get(scheme, scheme),
        "total": total,
        "distribution": distribution,
        "top_partners": partners,
        "statement": _statement(handle, series, anchor, by_destination, chosen, total, distribution, focus_share),
        "sources": cite(handle, sources),
    }


def _statement(
    handle: ReleaseHandle,
    series: Series,
    anchor: str,
    by_destination: bool,
    year: int | None,
    total: float,
    distribution: list[dict],
    focus: dict | None,
) -> str:
    """One plain sentence summarising the distribution, with no verdict."""
    if not distribution or year is None:
        return f"The release has no {series.title.lower()} values for {area_label(handle, anchor)}."
    top = distribution[0]
    where = "destination" if by_destination else "origin"
    people = (
        f"people from {area_label(handle, anchor)} counted in other countries"
        if by_destination
        else f"people counted in {area_label(handle, anchor)} who came from other countries"
    )
    text = (
        f"In {year}, {series.title} ({series.unit}): {total:,.0f} {people}. "
        f"The largest {where} group is {top['name']} ({top['share']:.0%})."
    )
    if focus is not None and focus["share"] is not None:
        text += f" {focus['name']} accounted for {focus['share']:.0%} ({focus['value']:,.0f})."
    return text


def _area_values(handle: ReleaseHandle, series: Series, area: str | None, year: int | None) -> dict[str, Any]:
    """The value of an area measure for one area (and its series), to hold a claimed number against."""
    if area is None:
        return {"kind": "area", "error": "choose an area"}
    rows = [r for r in collapsed(handle, series, area=area) if r["value"] is not None]
    years = [r["year"] for r in rows]
    chosen = year if year in years else (years[-1] if years else None)
    value_row = next((r for r in rows if r["year"] == chosen), None)
    value = value_row["value"] if value_row else None
    sources = {s for r in rows for s in (r["sources"] or [])}
    statement = (
        f"In {chosen}, {series.title.lower()} for {area_label(handle, area)} was {value:,.6g} ({series.unit})."
        if value is not None
        else f"The release has no {series.title.lower()} value for {area_label(handle, area)}."
    )
    return {
        "kind": "area",
        "series": _series_meta(series),
        "area": {"code": area, "name": area_label(handle, area)},
        "year": chosen,
        "years": years,
        "value": value,
        "history": [{"year": r["year"], "value": r["value"]} for r in rows],
        "statement": statement,
        "sources": cite(handle, sources),
    }


def _series_meta(series: Series) -> dict[str, Any]:
    """What a series is, for display."""
    return {
        "id": series.id,
        "kind": series.kind,
        "title": series.title,
        "unit": series.unit,
        "definition": series.definition,
        "level": series.level,
    }


def stock_default(handle: ReleaseHandle) -> str | None:
    """The default corridor series for claims."""
    series = stock_series(handle)
    return series.id if series else None
