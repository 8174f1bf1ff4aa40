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
from observatory.api.queries.claim_reading import people_number, read_claim, share_text
from observatory.api.queries.corridors import stock_series
from observatory.api.queries.series import collapsed
from observatory.api.release_cache import ReleaseHandle
from observatory.i18n.phrases import N_, Amount, Joined, Phrase, Place, SeriesTitle, Share

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
    "WBI_HIGH_INCOME": [
        f"{rich} {kind}"
        for rich in ("rich", "richer", "richest", "wealthy", "wealthier", "high-income", "high income")
        for kind in ("countries", "nations", "economies", "states", "world")
    ],
    "WBI_LOW_INCOME": [
        f"{poor} {kind}"
        for poor in ("poor", "poorer", "poorest", "low-income", "low income")
        for kind in ("countries", "nations", "economies", "states")
    ],
}
# Country words the gazetteer leaves out (too short or ambiguous there) but claims use all the time.
COUNTRY_WORDS = {"US": "USA", "UK": "GBR", "America": "USA", "American": "USA", "Indian": "IND", "Britain": "GBR"}
VERDICTS = (
    "supported by the data",
    "partly supported by the data",
    "not supported by the data",
    "the data cannot say",
    "cannot read this claim",
)


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
        for word, code in COUNTRY_WORDS.items():
            table.setdefault(word, code)
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
        for match in re.finditer(rf"(?<![\w-]){re.escape(surface)}(?:s|es)?(?![\w$-])", text, flags):
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
    """Measure, who moves where (origin and destination), year, claimed number and the question a sentence asks."""
    # "in the world" means everywhere, which is what no origin or destination already means
    mentions = [m for m in find_areas(handle, text) if m[2] != "WLD"]
    reading = read_claim(handle, text, mentions, _first_available)
    reading["mentions"] = [{"surface": s, "code": c, "name": area_label(handle, c)} for _, s, c in mentions]
    return reading


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
        return {"kind": "corridor", "error": Phrase(N_("choose an origin (or a destination)"))}
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
                "name": _place(handle, g) if g != "UNK" else Phrase(N_("Other or unknown")),
                "value": v,
                "share": v / total if total else None,
            }
            for g, v in grouped.items()
        ),
        key=lambda r: -cast(float, r["value"]),
    )
    partners = sorted(
        (
            {"code": c, "name": _place(handle, c), "value": v, "share": v / total if total else None}
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
            "name": _place(handle, focus),
            "value": focus_value,
            "share": focus_value / total if total else None,
        }
    return {
        "kind": "corridor",
        "series": _series_meta(series),
        "direction": "destinations" if by_destination else "origins",
        "anchor": {"code": anchor, "name": _place(handle, anchor), "countries": len(anchors)},
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
) -> Phrase:
    """One plain sentence summarising the distribution, with no verdict."""
    place = _place(handle, anchor)
    if not distribution or year is None:
        return Phrase(N_("The release has no %(title)s values for %(place)s."), title=_title(series, True), place=place)
    top = distribution[0]
    parts = {
        "year": year,
        "title": _title(series, True),
        "unit": SeriesTitle(series.unit, series.id, series.kind, "unit"),
        "people": _amount(total, series.unit),
        "place": place,
        "group": top["name"],
        "share": _share(top["share"]),
    }
    text = Phrase(
        N_(
            "In %(year)s, %(title)s (%(unit)s): %(people)s people from %(place)s counted in other countries. "
            "The largest destination group is %(group)s (%(share)s)."
        )
        if by_destination
        else N_(
            "In %(year)s, %(title)s (%(unit)s): %(people)s people counted in %(place)s who came from other "
            "countries. The largest origin group is %(group)s (%(share)s)."
        ),
        **parts,
    )
    if focus is not None and focus["share"] is not None:
        return Phrase(
            N_("%(summary)s %(focus)s accounted for %(share)s (%(people)s)."),
            summary=text,
            focus=focus["name"],
            share=_share(focus["share"]),
            people=_amount(focus["value"], series.unit),
        )
    return text


def _area_values(handle: ReleaseHandle, series: Series, area: str | None, year: int | None) -> dict[str, Any]:
    """The value of an area measure for one area (and its series), to hold a claimed number against."""
    if area is None:
        return {"kind": "area", "error": Phrase(N_("choose an area"))}
    rows = [r for r in collapsed(handle, series, area=area) if r["value"] is not None]
    years = [r["year"] for r in rows]
    chosen = year if year in years else (years[-1] if years else None)
    value_row = next((r for r in rows if r["year"] == chosen), None)
    value = value_row["value"] if value_row else None
    sources = {s for r in rows for s in (r["sources"] or [])}
    statement = (
        Phrase(
            N_("In %(year)s, %(title)s for %(place)s was %(value)s."),
            year=chosen,
            title=_title(series, True),
            place=_place(handle, area),
            value=_amount(value, series.unit),
        )
        if value is not None
        else Phrase(
            N_("The release has no %(title)s value for %(place)s."),
            title=_title(series, True),
            place=_place(handle, area),
        )
    )
    return {
        "kind": "area",
        "series": _series_meta(series),
        "area": {"code": area, "name": _place(handle, area)},
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


def _kind(handle: ReleaseHandle, code: str | None) -> str | None:
    """'country', 'group' or None for an area code."""
    return areas(handle).get(code or "", {}).get("kind")


def _corridor_rows(handle: ReleaseHandle, series: Series, origin: str | None, destination: str | None) -> list[dict]:
    """Complete-year rows between two countries or groups (None: anywhere), never a group as a partner."""

    def build() -> list[dict]:
        filters: dict[str, Any] = {}
        if origin:
            filters["origin"] = expand(handle, origin)
        if destination:
            filters["destination"] = expand(handle, destination)
        rows = collapsed(handle, series, **filters)
        return [
            r
            for r in rows
            if r["value"] is not None
            and r["partial_until"] is None
            and _kind(handle, r["destination"]) == "country"
            and _kind(handle, r["origin"]) != "group"
        ]

    return handle.memo(("claim_corridor_rows", series.id, origin, destination), build)


def _by_year(rows: list[dict], partner: str | None = None) -> dict[int, dict[str, float]]:
    """Year -> partner (or '' for all) -> summed value."""
    table: dict[int, dict[str, float]] = {}
    for row in rows:
        key = row[partner] if partner else ""
        year = table.setdefault(row["year"], {})
        year[key] = year.get(key, 0.0) + row["value"]
    return table


def _area_rows(handle: ReleaseHandle, series: Series, code: str | None) -> dict[int, float]:
    """Year -> value of an area measure for a country, or summed over a group's (or the world's) countries."""

    def build() -> dict[int, float]:
        wanted = set(expand(handle, code)) if code else None
        table: dict[int, float] = {}
        for row in collapsed(handle, series):
            if row["value"] is None or row["partial_until"] is not None or _kind(handle, row["area"]) != "country":
                continue
            if wanted is None or row["area"] in wanted:
                table[row["year"]] = table.get(row["year"], 0.0) + row["value"]
        return table

    if code and _kind(handle, code) == "country":
        rows = collapsed(handle, series, area=code)
        return {r["year"]: r["value"] for r in rows if r["value"] is not None and r["partial_until"] is None}
    return handle.memo(("claim_area_rows", series.id, code), build)


def _pick_year(wanted: int | None, *tables: dict[int, Any]) -> int | None:
    """The claim's year if every table has it, else the latest year they share."""
    common = set.intersection(*(set(t) for t in tables)) if tables else set()
    if wanted in common:
        return wanted
    return max(common) if common else None


def _grade(gap: float, close: float, near: float) -> str:
    """A verdict from how far the data are from what the claim says (0 or less: as claimed)."""
    return VERDICTS[0] if gap <= close else VERDICTS[1] if gap <= near else VERDICTS[2]


def _against_number(value: float, number: dict[str, Any], close: float, near: float) -> str:
    """Verdict of a value against a claimed number: about, above or below it, relative gaps for amounts."""
    target = number["value"]
    scale = 1.0 if number["percent"] else max(abs(target), 1e-9)
    if number["comparison"] == "above":
        return _grade((target - value) / scale, 0.0, close)
    if number["comparison"] == "below":
        return _grade((value - target) / scale, 0.0, close)
    return _grade(abs(value - target) / scale, close, near)


def answer_claim(handle: ReleaseHandle, text: str) -> dict[str, Any]:
    """A claim read, the figures that answer its question, and a plain verdict (or why it cannot be read)."""
    reading = parse_claim(handle, text)
    series = find_series(handle, reading["measure"]) if reading["measure"] else None
    if not reading["understood"] or series is None:
        return {
            **reading,
            "verdict": VERDICTS[4],
            "answer": None,
            "figures": [],
            "statement": Phrase(
                N_("Cannot read this claim: %(problems)s"),
                problems=Joined([Phrase(p) for p in reading["problems"]] or [Phrase(N_("no data for this measure"))]),
            ),
            "sources": [],
        }
    if series.level == "corridor":
        body = _answer_corridor(handle, series, reading)
    else:
        body = _answer_area(handle, series, reading)
    return {**reading, **body}


def _figure(label: Phrase, value: float | None, unit: str, year: int | None) -> dict[str, Any]:
    """One figure behind a verdict, with its text for people."""
    text = _share(value) if unit == "share" else _amount(value, unit)
    return {"label": label, "value": value, "unit": unit, "year": year, "text": text}


def _no_data(label: Phrase) -> dict[str, Any]:
    """The answer when the release holds nothing for the question."""
    statement = Phrase(N_("No data for %(label)s."), label=label)
    return {"verdict": VERDICTS[3], "answer": None, "figures": [], "statement": statement, "sources": []}


def _place(handle: ReleaseHandle, code: str) -> Place:
    """An area's declared name, said in the reader's language where it is shown."""
    return Place(area_label(handle, code), code, areas(handle).get(code))


def _title(series: Series, in_sentence: bool = False) -> SeriesTitle:
    """A series' title, said in the reader's language (inside a sentence: first letter lower-cased)."""
    return SeriesTitle(series.title, series.id, series.kind, "title", in_sentence)


def _amount(value: float | None, unit: str) -> Amount:
    """A value as people read it (2.50 million, US$ 1.20 billion), in the reader's language where it is shown."""
    return Amount(people_number(value, unit), value, unit)


def _share(value: float | None) -> Share:
    """A share as a percentage, in the reader's language where it is shown."""
    return Share(share_text(value), value)


def _answer_corridor(handle: ReleaseHandle, series: Series, reading: dict[str, Any]) -> dict[str, Any]:
    """Answer a claim about people between places from a corridor measure."""
    origin, destination, question = reading["origin"], reading["destination"], reading["question"]
    name = {code: _place(handle, code) if code else Phrase(N_("anywhere")) for code in (origin, destination)}
    pair_rows = _corridor_rows(handle, series, origin, destination)
    pair = {y: v[""] for y, v in _by_year(pair_rows).items()}
    origin_total = {y: v[""] for y, v in _by_year(_corridor_rows(handle, series, origin, None)).items()}
    destination_total = {y: v[""] for y, v in _by_year(_corridor_rows(handle, series, None, destination)).items()}
    year = _pick_year(reading["year"], pair, origin_total, destination_total)
    between = N_("%(title)s from %(origin)s in %(destination)s")
    label = Phrase(between, title=_title(series, True), origin=name[origin], destination=name[destination])
    if year is None:
        return _no_data(label)
    sources = {s for r in pair_rows if r["year"] == year for s in (r["sources"] or [])}
    value = pair[year]
    of_origin = value / origin_total[year] if origin_total[year] else None
    of_destination = value / destination_total[year] if destination_total[year] else None
    figures = [
        _figure(Phrase(between, title=_title(series), origin=name[origin], destination=name[destination]), value,
                series.unit, year),
        _figure(Phrase(N_("Share of all from %(origin)s"), origin=name[origin]), of_origin, "share", year),
        _figure(Phrase(N_("Share of all in %(destination)s"), destination=name[destination]), of_destination, "share",
                year),
    ]  # fmt: skip
    answer: float | None = value
    verdict = VERDICTS[3] if reading["loaded"] else (VERDICTS[0] if value > 0 else VERDICTS[2])
    number = reading["number"]
    if question == "share":
        answer = of_destination if reading["denominator"] == "destination" else of_origin
        scope = reading.get("scope")
        if scope and reading["denominator"] == "origin":
            # "most asylum seekers in the EU": the share is of those in the scope, not of everyone
            within = {y: v[""] for y, v in _by_year(_corridor_rows(handle, series, origin, scope)).items()}
            answer = value / within[year] if within.get(year) else None
            scoped = Phrase(
                N_("Share of all from %(origin)s in %(scope)s"), origin=name[origin], scope=_place(handle, scope)
            )
            figures.append(_figure(scoped, answer, "share", year))
        if answer is None:
            return _no_data(label)
        if number is not None:
            verdict = _against_number(answer, number, 0.03, 0.08)
        elif reading["majority"]:
            verdict = _grade(0.5 - answer, 0.0, 0.1)
        else:
            verdict = _grade(answer - 0.25, 0.0, 0.25)
    elif question == "amount" and number is not None:
        verdict = _against_number(value, number, 0.1, 0.25)
    elif question == "rank":
        by_source = bool(
            re.search(r"\b(source|origin|group|sends?|sending|come from|comes from)\b", reading["text"], re.I)
        )
        partner, anchor, code = ("origin", destination, origin) if by_source else ("destination", origin, destination)
        ranking = _by_year(_corridor_rows(handle, series, *((None, anchor) if by_source else (anchor, None))), partner)
        allowed = set(expand(handle, reading["scope"])) if reading.get("scope") else None
        ordered = sorted(
            ((c, v) for c, v in ranking.get(year, {}).items() if allowed is None or c in allowed), key=lambda kv: -kv[1]
        )
        place = next((i + 1 for i, (c, _) in enumerate(ordered) if c == code), None)
        if place is None or _kind(handle, code) != "country":
            verdict = VERDICTS[3]
        else:
            verdict = VERDICTS[0] if place == 1 else VERDICTS[1] if place <= 3 else VERDICTS[2]
            answer = float(place)
            top, top_value = ordered[0]
            figures.append(_figure(Phrase(N_("Rank of %(place)s"), place=name[code]), float(place), "", year))
            figures.append(_figure(Phrase(N_("Largest: %(place)s"), place=_place(handle, top)), top_value, series.unit,
                                   year))  # fmt: skip
    elif question == "trend":
        verdict, extra = _trend(pair, year, reading["direction"], series.unit)
        figures.extend(extra)
    headline = figures[0]["text"]
    statement = Phrase(N_("In %(year)s, %(label)s: %(headline)s."), year=year, label=label, headline=headline)
    if figures[1]["value"] is not None:
        statement = Phrase(
            N_("In %(year)s, %(label)s: %(headline)s (%(share)s of all from %(origin)s)."),
            year=year, label=label, headline=headline, share=figures[1]["text"], origin=name[origin],
        )  # fmt: skip
    elif figures[2]["value"] is not None:
        statement = Phrase(
            N_("In %(year)s, %(label)s: %(headline)s (%(share)s of all in %(destination)s)."),
            year=year, label=label, headline=headline, share=figures[2]["text"], destination=name[destination],
        )  # fmt: skip
    if question == "share" and answer is not None:
        statement = Phrase(
            N_("In %(year)s, %(share)s of %(title)s in %(destination)s came from %(origin)s (%(headline)s).")
            if reading["denominator"] == "destination"
            else N_("In %(year)s, %(share)s of %(title)s from %(origin)s were in %(destination)s (%(headline)s)."),
            year=year, share=_share(answer), title=_title(series, True), origin=name[origin],
            destination=name[destination], headline=headline,
        )  # fmt: skip
    return {
        "verdict": verdict,
        "answer": answer,
        "year": year,
        "figures": figures,
        "statement": statement,
        "sources": cite(handle, sources),
    }


def _trend(values: dict[int, float], year: int, direction: str, unit: str) -> tuple[str, list[dict[str, Any]]]:
    """Verdict on a rising (or falling) claim: the chosen year against about ten years before."""
    earlier_years = [y for y in values if year - 12 <= y < year]
    if not earlier_years:
        return VERDICTS[3], []
    start = min(earlier_years)
    change = values[year] / values[start] - 1 if values[start] else 0.0
    if direction == "falling":
        change = -change
    verdict = VERDICTS[0] if change > 0.05 else VERDICTS[1] if change > -0.05 else VERDICTS[2]
    return verdict, [_figure(Phrase(N_("In %(year)s"), year=start), values[start], unit, start)]


def _answer_area(handle: ReleaseHandle, series: Series, reading: dict[str, Any]) -> dict[str, Any]:
    """Answer a claim about a country's (or group's) own total from an area measure."""
    code = reading["area"] or reading["destination"] or reading["origin"]
    values = _area_rows(handle, series, code)
    world = _area_rows(handle, series, None)
    year = _pick_year(reading["year"], values, world) if code else _pick_year(reading["year"], world)
    name = _place(handle, code) if code else Phrase(N_("the world"))
    label = Phrase(N_("%(title)s, %(place)s"), title=_title(series, True), place=name)
    if year is None:
        return _no_data(label)
    value = values[year] if code else world[year]
    sources = {s for r in collapsed(handle, series, area=code) if r["year"] == year for s in (r["sources"] or [])}
    share = value / world[year] if world[year] and code else None
    figures = [_figure(Phrase(N_("%(title)s, %(place)s"), title=_title(series), place=name), value, series.unit, year)]
    of_world = Phrase(N_("Share of the world (countries)"))
    if share is not None and _kind(handle, code) == "group":
        figures.append(_figure(of_world, share, "share", year))
    answer: float | None = value
    verdict = VERDICTS[3] if reading["loaded"] else VERDICTS[0] if value > 0 else VERDICTS[2]
    number, question = reading["number"], reading["question"]
    if question == "share" and share is not None:
        answer = share
        figures.append(_figure(of_world, share, "share", year))
        verdict = _against_number(share, number, 0.03, 0.08) if number else _grade(0.5 - share, 0.0, 0.1)
    elif question == "amount" and number is not None:
        verdict = _against_number(value, number, 0.1, 0.25)
    elif question == "rank" and code and _kind(handle, code) == "country":
        allowed = set(expand(handle, reading["scope"])) if reading.get("scope") else None
        ranking = sorted(
            (
                (r["area"], r["value"])
                for r in collapsed(handle, series)
                if r["year"] == year
                and r["value"] is not None
                and _kind(handle, r["area"]) == "country"
                and (allowed is None or r["area"] in allowed)
            ),
            key=lambda kv: -kv[1],
        )
        place = next((i + 1 for i, (c, _) in enumerate(ranking) if c == code), None)
        verdict = (
            VERDICTS[3] if place is None else VERDICTS[0] if place == 1 else VERDICTS[1] if place <= 3 else VERDICTS[2]
        )
        answer = float(place) if place else None
        if place:
            figures.append(_figure(Phrase(N_("Rank of %(place)s"), place=name), float(place), "", year))
            largest = Phrase(N_("Largest: %(place)s"), place=_place(handle, ranking[0][0]))
            figures.append(_figure(largest, ranking[0][1], series.unit, year))
    elif question == "trend":
        verdict, extra = _trend(values if code else world, year, reading["direction"], series.unit)
        figures.extend(extra)
    return {
        "verdict": verdict,
        "answer": answer,
        "year": year,
        "figures": figures,
        "statement": Phrase(
            N_("In %(year)s, %(label)s: %(headline)s."), year=year, label=label, headline=figures[0]["text"]
        ),
        "sources": cite(handle, sources),
    }
