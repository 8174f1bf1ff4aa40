"""Portal pages to explore: corridor explorer, check a claim, evidence search."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, Query, Request

from observatory.api.deps import AppSettings, Release, check_area
from observatory.api.localise import localised_measures
from observatory.api.problems import bad_request
from observatory.api.queries.catalogue import countries, find_series, groups
from observatory.api.queries.claims import SCHEMES, answer_claim, check_claim, claim_series, parse_claim
from observatory.api.queries.corridors import corridor_profile, stock_years, top_partners
from observatory.api.queries.external import evidence_for, search_evidence
from observatory.i18n.languages import route
from observatory.i18n.messages import gettext_for, ngettext_for
from observatory.web.charts import bar_chart, line_chart
from observatory.web.publication_pages import corridor_publication_context
from observatory.web.templating import (
    N_,
    indicator_title,
    indicator_unit,
    language_of,
    localised_path,
    place_name,
    render,
)

router = APIRouter(include_in_schema=False)
Code = Annotated[str | None, Query(max_length=64)]
CLAIM_GROUP_SCHEMES = ("world", "continent", "sdg_region", "un_region", "wb_income", "eu")


@router.get("/corridors")
def corridor_explorer(
    request: Request, handle: Release, settings: AppSettings, origin: Code = None, destination: Code = None
):
    (
        """Choose an origin and a destination; see the corridor's stock by sex, shares, flows, refugees, costs and """
        """evidence."""
    )
    origin, destination = (
        check_area(handle, origin or None, "origin"),
        check_area(handle, destination or None, "destination"),
    )
    lang = language_of(request)
    _ = gettext_for(lang)
    profile, charts, ranking, evidence, published = None, [], None, [], {}
    if origin and destination and origin != destination:
        profile = corridor_profile(handle, origin, destination)
        profile = {**profile, "measures": localised_measures(handle, profile["measures"], lang)}
        names = {"origin": place_name(handle, origin, lang), "destination": place_name(handle, destination, lang)}
        sexes = {"female": _("female"), "male": _("male")}
        points = [
            {"year": r["year"], "value": r[sex], "sex": sexes[sex]}
            for r in profile["stock"]
            for sex in ("female", "male")
            if r[sex] is not None
        ]
        if points:
            charts.append(
                line_chart(
                    _("Migrants born in %(origin)s living in %(destination)s, by sex") % names,
                    points,
                    _("Migrants"),
                    "sex",
                    lang=lang,
                )
            )
        of_origin, of_destination = _("share of the origin's emigrants"), _("share of the destination's immigrants")
        shares = [
            {"year": r["year"], "value": r["share_of_origin_emigrants"], "series": of_origin}
            for r in profile["stock"]
            if r["share_of_origin_emigrants"] is not None
        ]
        shares += [
            {"year": r["year"], "value": r["share_of_destination_immigrants"], "series": of_destination}
            for r in profile["stock"]
            if r["share_of_destination_immigrants"] is not None
        ]
        if shares:
            chart = line_chart(_("Weight of the corridor"), shares, _("Share"), "series", lang=lang)
            chart.spec["encoding"]["y"]["axis"] = {"format": ".0%"}
            charts.append(chart)
        evidence = evidence_for(settings, corridor=(origin, destination), limit=6)
        published = _first_paint_publications(settings, handle, origin, destination, lang)
    elif origin or destination:
        code, direction = (origin, "out") if origin else (destination, "in")
        ranking = top_partners(handle, cast(str, code), direction, limit=15)
        bars = [
            {
                "name": place_name(handle, r["code"], lang, r["name"]),
                "value": r["value"],
                "url": f"/corridors?origin={code if direction == 'out' else r['code']}"
                f"&destination={r['code'] if direction == 'out' else code}",
            }
            for r in ranking["rows"]
        ]
        if bars:
            title = (
                _("Largest destinations of emigrants from %(area)s, %(year)s")
                if direction == "out"
                else _("Largest origins of immigrants in %(area)s, %(year)s")
            ) % {"area": place_name(handle, code, lang), "year": ranking["year"]}
            charts.append(bar_chart(title, bars, _("Migrants"), href=True, lang=lang))
        ranking["direction"] = direction
    return render(
        request,
        handle,
        "corridors.html",
        title=_("Corridor explorer")
        if not profile
        else route((place_name(handle, origin, lang), place_name(handle, destination, lang)), lang),
        countries=countries(handle),
        origin=origin,
        destination=destination,
        profile=profile,
        charts=charts,
        ranking=ranking,
        evidence=evidence,
        years=stock_years(handle),
        sources=[*profile["sources"], *published["profile_sources"]]
        if profile
        else _stock_sources(handle)
        if ranking
        else [],
        **published,
    )


SECTIONS_KEY = "corridor_profile_sections"  # publication_pages' memo key of a corridor's profile sections


class _SectionsLater:
    """A release handle that answers 'not made' (None, no datasets) for the corridor's profile sections instead of
    making them, and passes everything else to the real handle."""

    def __init__(self, handle):
        self._handle = handle

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)

    def memo(self, key: Any, compute: Any) -> Any:
        if isinstance(key, tuple) and key and key[0] == SECTIONS_KEY:
            return None, []
        return self._handle.memo(key, compute)


def _first_paint_publications(settings, handle, origin: str, destination: str, lang: str) -> dict[str, Any]:
    """The corridor page's publications and findings; its profile sections (about a second of SQL and Altair when not
    made yet) only when already made, else an address portal.js loads them from after first paint."""
    if handle.peek((SECTIONS_KEY, origin, destination, lang)) is not None:
        return corridor_publication_context(settings, handle, origin, destination, lang)
    published = corridor_publication_context(settings, _SectionsLater(handle), origin, destination, lang)
    return {
        **published,
        "sections_url": localised_path(f"/corridors/sections?origin={origin}&destination={destination}", lang),
        "sections_link": f"/corridors/{origin}/{destination}/profile.html",
    }


@router.get("/corridors/sections")
def corridor_sections(request: Request, handle: Release, settings: AppSettings, origin: Code, destination: Code):
    """The corridor profile's refugees, causes, costs and benefits sections alone (an HTML fragment the corridor page
    loads after its first paint), with the datasets they cite."""
    start, end = check_area(handle, origin, "origin"), check_area(handle, destination, "destination")
    if not start or not end or start == end:
        raise bad_request("a corridor needs two different areas: origin and destination")
    lang = language_of(request)
    published = corridor_publication_context(settings, handle, start, end, lang)
    return render(
        request,
        handle,
        "_corridor_profile_sections.html",
        title="",
        profile_sections=published["profile_sections"],
        fragment_sources=published["profile_sources"],
        sources=published["profile_sources"],
    )


def _stock_sources(handle) -> set[str]:
    """The dataset behind the corridor stock."""
    from observatory.api.queries.corridors import stock_series

    series = stock_series(handle)
    return {series.dataset_id} if series and series.dataset_id else set()


@router.get("/claims")
def claim_check(
    request: Request,
    handle: Release,
    claim: Annotated[str | None, Query(max_length=300)] = None,
    measure: Annotated[str | None, Query(max_length=80)] = None,
    origin: Code = None,
    destination: Code = None,
    area: Code = None,
    year_text: Annotated[
        str | None,
        Query(alias="year", max_length=4, pattern=r"^(\d{4})?$", description="A year, or empty for the latest."),
    ] = None,
    scheme: Annotated[str, Query(max_length=30)] = "continent",
):
    """Type a claim, confirm the measure, areas and year read from it, and see the data that bear on it."""
    year = int(year_text) if year_text else None
    lang = language_of(request)
    _ = gettext_for(lang)
    if scheme not in SCHEMES:
        raise bad_request(f"scheme must be one of {', '.join(SCHEMES)}")
    origin, destination, area = (
        check_area(handle, origin or None, "origin"),
        check_area(handle, destination or None, "destination"),
        check_area(handle, area or None),
    )
    parsed = parse_claim(handle, claim) if claim and len(claim.strip()) >= 3 else None
    answered = answer_claim(handle, claim) if parsed and claim else None
    choice: dict[str, Any] = {
        "measure": measure,
        "origin": origin,
        "destination": destination,
        "area": area,
        "year": year,
    }
    if parsed and not measure:
        choice = {k: parsed.get(k) for k in choice}
    result, chart = None, None
    series = find_series(handle, choice["measure"]) if choice["measure"] else None
    if series is not None:
        if (
            series.level == "corridor"
            and (choice["origin"] or choice["destination"])
            or series.level == "area"
            and (choice["area"] or choice["origin"] or choice["destination"])
        ):
            result = check_claim(
                handle,
                series,
                origin=choice["origin"],
                destination=choice["destination"],
                area=choice["area"],
                year=choice["year"],
                scheme=scheme,
            )
            if result.get("distribution"):
                share_title = SHARE_TITLES[(scheme, result["direction"])]
                chart = bar_chart(
                    _(share_title) % {"year": result["year"]},
                    [
                        {"name": place_name(handle, d.get("code"), lang, d["name"]), "value": d["share"]}
                        for d in result["distribution"]
                    ],
                    _("Share"),
                    percent=True,
                    lang=lang,
                )
            elif result.get("history"):
                where = place_name(handle, result["area"].get("code"), lang, result["area"]["name"])
                chart = line_chart(
                    f"{indicator_title(series, lang)}: {where}",
                    result["history"],
                    indicator_unit(series, lang),
                    lang=lang,
                )
    claim_groups = sorted(
        (g for g in groups(handle) if g["scheme"] in CLAIM_GROUP_SCHEMES),
        key=lambda g: (CLAIM_GROUP_SCHEMES.index(g["scheme"]), g["name"]),
    )
    # The form says which end is grouped: the destinations of an origin, or the origins of a destination alone.
    grouped_end = result["direction"] if result and result.get("direction") else _grouped_end(choice)
    grouped_label = GROUPED_LABELS[grouped_end]
    return render(
        request,
        handle,
        "claims.html",
        title=_("Check a claim"),
        grouped_label=_(grouped_label),
        distribution_caption=_distribution_caption(handle, result, lang) if result and result.get("anchor") else "",
        claim=claim or "",
        parsed=parsed,
        answered=answered,
        choice=choice,
        series_options=claim_series(handle),
        countries=countries(handle),
        groups=claim_groups,
        schemes=SCHEMES,
        scheme=scheme,
        grouped_end=grouped_end,
        result=result,
        chart=chart,
        sources=result["sources"] if result else [],
    )


# Chart titles of a claim's distribution, one message per grouping and direction (a word order per language).
SHARE_TITLES = {
    ("continent", "destinations"): N_("Share by continent of destination, %(year)s"),
    ("continent", "origins"): N_("Share by continent of origin, %(year)s"),
    ("un_region", "destinations"): N_("Share by UN region of destination, %(year)s"),
    ("un_region", "origins"): N_("Share by UN region of origin, %(year)s"),
    ("sdg_region", "destinations"): N_("Share by SDG region of destination, %(year)s"),
    ("sdg_region", "origins"): N_("Share by SDG region of origin, %(year)s"),
    ("wb_income", "destinations"): N_("Share by World Bank income group of destination, %(year)s"),
    ("wb_income", "origins"): N_("Share by World Bank income group of origin, %(year)s"),
}
GROUPED_LABELS = {
    "destinations": N_("Group destinations by"),
    "origins": N_("Group origins by"),
    "partner countries": N_("Group partner countries by"),
}


def _distribution_caption(handle, result: dict[str, Any], lang: str) -> str:
    """'Migrant stock from Africa (54 countries), 2020, by continents' in `lang`."""
    _ = gettext_for(lang)
    anchor = result["anchor"]
    ngettext = ngettext_for(lang)
    count = ngettext("%(count)s country", "%(count)s countries", anchor["countries"]) % {"count": anchor["countries"]}
    words = (
        _("%(title)s from %(anchor)s (%(countries)s), %(year)s, by %(scheme)s")
        if result["direction"] == "destinations"
        else _("%(title)s into %(anchor)s (%(countries)s), %(year)s, by %(scheme)s")
    )
    scheme = result["scheme_label"]
    return words % {
        "title": indicator_title(result["series"], lang),
        "anchor": place_name(handle, anchor["code"], lang, anchor["name"]),
        "countries": count,
        "year": result["year"],
        "scheme": _(scheme),
    }


def _grouped_end(choice: dict[str, Any]) -> str:
    """Which end of a corridor claim the grouping applies to before the data are shown (as check_claim decides)."""
    if choice.get("destination") and not choice.get("origin"):
        return "origins"
    return "destinations" if choice.get("origin") else "partner countries"


@router.get("/evidence")
def evidence_page(
    request: Request,
    handle: Release,
    settings: AppSettings,
    q: Annotated[str | None, Query(max_length=300)] = None,
    area: Code = None,
):
    """Search the evidence library (research and testimonies next to the numbers)."""
    area = check_area(handle, area or None)
    found = search_evidence(settings, q, 20, area=area) if q and q.strip() else None
    return render(
        request,
        handle,
        "evidence.html",
        title=gettext_for(language_of(request))("Evidence library"),
        q=q or "",
        area=area,
        found=found,
        countries=countries(handle),
    )
