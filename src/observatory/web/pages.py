(
    """Portal pages: home, countries, indicators, frameworks and sources; mount_portal adds every page, the static """
    """files and the map geometry."""
)

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from observatory.api.deps import AppSettings, Release, check_area
from observatory.api.problems import ApiProblem, bad_request, not_found
from observatory.api.queries.catalogue import (
    Series,
    areas,
    cite,
    countries,
    datasets,
    find_series,
    groups,
    indicator_has_values,
    indicators,
    measures,
    memberships,
)
from observatory.api.queries.corridors import top_partners
from observatory.api.queries.external import evidence_for
from observatory.api.queries.profiles import country_summary, global_key_figures
from observatory.api.queries.series import collapsed, latest_year, map_values
from observatory.api.routers.frameworks import FRAMEWORKS, framework_coverage
from observatory.geo.lookup import AreaDirectory, AreaLookupError
from observatory.i18n.declarations import objective_text
from observatory.i18n.glossary import framework_title
from observatory.i18n.languages import route
from observatory.i18n.messages import gettext_for
from observatory.web.charts import GEO_FILE, bar_chart, line_chart, world_map
from observatory.web.compare import (
    SCALE_TITLES,
    VIEWS,
    compare_chart,
    country_comparison,
    parse_compare,
    scaled_countries,
    scaled_unit,
    scales_for,
    view_href,
    year_steps,
)
from observatory.web.knowledge_pages import country_policies_context
from observatory.web.knowledge_pages import router as knowledge_router
from observatory.web.publication_pages import country_publication_context
from observatory.web.templating import (
    N_,
    geometry_file,
    gettext_of,
    indicator_title,
    indicator_unit,
    language_of,
    place_name,
    render,
    warm_up,
)

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).parent / "static"
MAP_FALLBACK_MEASURES = (
    "migrant_stock_total",
    "migrant_share_published",
    "refugees_undesa",
    "emigrant_stock_compiled",
    "remittances_received",
    "net_migration_wdi",
    "unhcr_idmc_idps",
    "hdi",
)


# What an error page says in the reader's language (the API layer's detail stays English, marked as such).
PROBLEM_TITLES = {
    400: N_("Invalid parameter"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    413: N_("Request too large"),
    422: N_("Invalid request"),
    500: N_("Internal error"),
    503: N_("Service unavailable"),
}
PROBLEM_HELP = {
    400: N_("A parameter of this address makes no sense for this page; the details below say which."),
    404: N_("This page or the code in its address does not exist in this data release."),
    405: N_("This address does not accept this kind of request."),
    413: N_("The request is larger than the observatory accepts."),
    422: N_("A parameter of this address is not valid; the details below say which."),
    500: N_("The server failed; please report the address of this page."),
    503: N_("The observatory is busy or has no data release yet; please try again in a minute."),
}


def warm_portal(handle) -> None:
    """What a release's first pages would otherwise load while their readers wait: templates and texts in every
    language, and the publications' corridor sections module (Altair takes about a second to import)."""
    warm_up(handle)
    area_directory(handle)
    import observatory.publish.corridor  # noqa: F401  (imported for its import time only)


def map_choices(handle) -> list[Series]:
    """Area-level series offered on the home map: indicators with values, else well-known measures."""

    def build() -> list[Series]:
        chosen = [
            find_series(handle, i)
            for i, ind in indicators(handle).items()
            if ind["level"] == "area" and ind["n_values"]
        ]
        chosen += [find_series(handle, m) for m in MAP_FALLBACK_MEASURES if m in measures(handle)]
        return [s for s in chosen if s is not None]

    return handle.memo(("map_choices",), build)


def default_series(handle, preferred: str, fallback: str) -> str:
    """The preferred indicator when it has values, else the fallback measure."""
    return preferred if indicator_has_values(handle, preferred) else fallback


@router.get("/")
def home(
    request: Request,
    handle: Release,
    indicator: Annotated[str | None, Query(max_length=80)] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
):
    """World map of a chosen indicator and the key global figures."""
    choices = map_choices(handle)
    series_id = indicator or default_series(handle, "migrant_stock", "migrant_stock_total")
    series = next((s for s in choices if s.id == series_id), None)
    if series is None:
        raise not_found("indicator", series_id, "choose one from the list on the home page")
    data = map_values(handle, series)
    year_note = unavailable_year_note(year, data, language_of(request))
    if year is not None and year in data["years"]:
        data = map_values(handle, series, year)
    lang = language_of(request)
    title = indicator_title(series, lang)
    rows = [{**c, "name": place_name(handle, c["code"], lang, c["name"])} for c in data["countries"]]
    chart = world_map(f"{title}, {data['year']}", rows, legend_title(series, lang), lang=lang)
    figures = global_key_figures(handle)
    used = set(data["sources"]) | {s for f in figures for s in f["sources"]}
    return render(
        request,
        handle,
        "home.html",
        title=gettext_of(request)("Migration statistics with their sources"),
        series=series,
        choices=choices,
        data=data,
        chart=chart,
        figures=figures,
        year_note=year_note,
        sources=used,
    )


def legend_title(series: Series, lang: str = "en") -> str:
    """A map legend says what is coloured and in which unit."""
    return f"{indicator_title(series, lang)} ({indicator_unit(series, lang)})"


def unavailable_year_note(year: int | None, data: dict[str, Any], lang: str = "en") -> str | None:
    """Why the page shows another year than the one asked for (None when the asked year is shown)."""
    if year is None or year in data["years"]:
        return None
    return year_note_text(year, data["year"], data["years"], lang)


def year_note_text(year: int, shown: int | None, years: list[int], lang: str) -> str:
    """'No values for 1950 in this series (years with values: 1990–2024); showing 2024 instead.' in `lang`."""
    _ = gettext_for(lang)
    if years:
        return _(
            "No values for %(year)s in this series (years with values: %(first)s–%(last)s); showing %(shown)s instead."
        ) % {"year": year, "first": years[0], "last": years[-1], "shown": shown}
    return _("No values for %(year)s in this series; showing %(shown)s instead.") % {"year": year, "shown": shown}


def area_directory(handle) -> AreaDirectory:
    """The release's codes, names and aliases, for resolving what a person typed."""
    return handle.memo(
        ("area_directory",),
        lambda: AreaDirectory(
            handle.rows("SELECT code, name, short_name, kind, iso2 FROM area ORDER BY code"),
            handle.rows("SELECT alias, code, scheme FROM area_alias ORDER BY scheme, alias, code"),
        ),
    )


def resolve_country(handle, text: str) -> str:
    """The area code a person's name or code denotes; 404 naming the closest codes (never echoing the input)."""
    directory = area_directory(handle)
    try:
        return directory.resolve(text, "country")
    except AreaLookupError as error:
        candidates = error.candidates or directory.suggestions(text)
        hint = (
            f"did you mean {candidates[0].label()}?"
            if len(candidates) == 1
            else f"did you mean one of {', '.join(c.label() for c in candidates)}?"
            if candidates
            else "see /countries for the list"
        )
        raise ApiProblem(404, "Unknown country", f"no country with that code or name in this release; {hint}") from None


@router.get("/countries")
def country_list(request: Request, handle: Release):
    """Every country and territory, by continent."""
    by_continent: dict[str, list[dict]] = {}
    member_of = memberships(handle)
    for area in countries(handle):
        continent = member_of.get(area["code"], {}).get("continent")
        by_continent.setdefault(continent or "", []).append(area)
    lang = language_of(request)
    _ = gettext_for(lang)
    named = [
        (
            place_name(handle, continent, lang) if continent else _("Other"),
            sorted(
                ({**a, "label": place_name(handle, a["code"], lang, a["short_name"] or a["name"])} for a in members),
                key=lambda a: a["label"] if lang != "en" else "",  # English keeps the release's order
            ),
        )
        for continent, members in by_continent.items()
    ]
    return render(request, handle, "countries.html", title=_("Countries and territories"), by_continent=sorted(named))


@router.get("/countries/{code}")
def country_page(
    request: Request,
    code: str,
    handle: Release,
    settings: AppSettings,
    compare: Annotated[str | None, Query(max_length=200, description="Area codes, comma-separated")] = None,
    add: Annotated[str | None, Query(max_length=64)] = None,
    indicator: Annotated[str | None, Query(max_length=80)] = None,
):
    """A country profile: key figures, comparison with other areas, map of where its emigrants live, charts,
    downloads, evidence, sources."""
    resolved = resolve_country(handle, code)
    if resolved != code:
        # A name ("nepal") or lower-case code: one address per country, so links and bookmarks agree.
        query = request.url.query
        return RedirectResponse(f"/countries/{resolved}" + (f"?{query}" if query else ""), status_code=307)
    summary = country_summary(handle, code)
    comparison = country_comparison(handle, code, summary, compare, add, indicator, language_of(request))
    if add:  # the added area joins the list in the URL, so the comparison can be shared
        others = ",".join(comparison["compare_others"])
        return RedirectResponse(view_href(request, compare=others) + "#compare-heading", status_code=303)
    area = areas(handle)[code]
    lang = language_of(request)
    _ = gettext_for(lang)
    name = place_name(handle, code, lang)
    charts = []
    stock = next((f for f in summary["key_figures"] if f["id"] in ("migrant_stock", "migrant_stock_total")), None)
    if stock and len(stock["series"]) > 1:
        charts.append(
            line_chart(
                _("International migrants living in %(area)s") % {"area": name},
                stock["series"],
                indicator_unit(stock, lang),
                lang=lang,
            )
        )
    emigrants = top_partners(handle, code, "out", limit=300)
    immigrants = summary["top_origins_of_immigrants"]
    if immigrants["rows"]:
        charts.append(
            bar_chart(
                _("Largest origins of immigrants in %(area)s, %(year)s") % {"area": name, "year": immigrants["year"]},
                [
                    {
                        "name": place_name(handle, r["code"], lang, r["name"]),
                        "value": r["value"],
                        "url": f"/corridors?origin={r['code']}&destination={code}",
                    }
                    for r in immigrants["rows"]
                ],
                _("Migrants"),
                href=True,
                lang=lang,
            )
        )
    if emigrants["rows"]:
        charts.append(
            bar_chart(
                _("Largest destinations of emigrants from %(area)s, %(year)s")
                % {"area": name, "year": emigrants["year"]},
                [
                    {
                        "name": place_name(handle, r["code"], lang, r["name"]),
                        "value": r["value"],
                        "url": f"/corridors?origin={code}&destination={r['code']}",
                    }
                    for r in emigrants["rows"][:10]
                ],
                _("Emigrants"),
                href=True,
                lang=lang,
            )
        )
    known = areas(handle)
    map_rows = [
        {
            "code": r["code"],
            "name": place_name(handle, r["code"], lang, r["name"]),
            "value": r["value"],
            "m49": f"{known[r['code']]['m49']:03d}" if known.get(r["code"], {}).get("m49") else None,
        }
        for r in emigrants["rows"]
    ]
    emigrant_map = (
        world_map(
            _("Where emigrants from %(area)s live, %(year)s") % {"area": name, "year": emigrants["year"]},
            map_rows,
            _("Emigrants"),
            highlight=f"{area['m49']:03d}" if area["m49"] else None,
            lang=lang,
        )
        if map_rows
        else None
    )
    evidence = evidence_for(settings, area=code, limit=8)
    return render(
        request,
        handle,
        "country.html",
        title=_("%(name)s: migration profile") % {"name": place_name(handle, code, lang, area["name"])},
        area=area,
        summary=summary,
        charts=charts,
        emigrant_map=emigrant_map,
        evidence=evidence,
        sources=summary["sources"],
        **comparison,
        compare_areas=[*groups(handle, "world"), *groups(handle, "continent"), *countries(handle)],
        **country_publication_context(settings, handle, code),
        knowledge=country_policies_context(settings, handle, code),
    )


@router.get("/indicators")
def indicator_list(request: Request, handle: Release):
    """The indicator catalogue and the raw measures."""
    by_level: dict[str, list[Any]] = {"area": [], "corridor": []}
    for ind in indicators(handle).values():
        by_level[ind["level"]].append(ind)
    return render(
        request,
        handle,
        "indicators.html",
        title=gettext_of(request)("Indicators and statistics"),
        by_level=by_level,
        measures=list(measures(handle).values()),
        datasets=datasets(handle),
    )


@router.get("/indicators/{series_id}")
def indicator_page(
    request: Request,
    series_id: str,
    handle: Release,
    settings: AppSettings,
    area: Annotated[str | None, Query(max_length=64)] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    compare: Annotated[str | None, Query(max_length=200, description="Area codes, comma-separated")] = None,
    add: Annotated[str | None, Query(max_length=64)] = None,
    view: Annotated[str | None, Query(max_length=10)] = None,
    scale: Annotated[str, Query(max_length=12)] = "value",
):
    """An indicator (or measure): definition, framework tags, compared areas, map, table, sources, related evidence."""
    series = find_series(handle, series_id)
    if series is None:
        raise not_found("indicator or measure", series_id, "see /indicators")
    area = check_area(handle, area)
    lang = language_of(request)
    if series.level == "area":
        compared = parse_compare(handle, compare, add)
        if add:  # one address per view: the added area joins the list in the URL, so the page can be shared
            return RedirectResponse(view_href(request, compare=",".join(compared)), status_code=303)
        page = _area_indicator_views(handle, series, compared, area, year, view, scale, lang)
    else:
        page = _corridor_indicator_view(handle, series, year, lang)
    info = indicators(handle).get(series.id) if series.kind == "indicator" else measures(handle).get(series.id)
    evidence = evidence_for(settings, indicator=series.id, limit=8) if series.kind == "indicator" else []
    used = page.pop("used")
    if series.kind == "measure":
        used.add(series.dataset_id)
    return render(
        request,
        handle,
        "indicator.html",
        title=indicator_title(series, lang),
        series=series,
        info=info,
        evidence=evidence,
        focus_area=area,
        sources=used,
        cited_here=cite(handle, used),
        **page,
    )


def _area_indicator_views(
    handle,
    series: Series,
    compared: list[str],
    area: str | None,
    year: int | None,
    view: str | None,
    scale: str,
    lang: str = "en",
) -> dict[str, Any]:
    """The compare chart, map, table or sources of an area-level series in the chosen scale and year, in `lang`."""
    _ = gettext_for(lang)
    scales = scales_for(handle, series, lang)
    if scale not in scales:
        raise bad_request(f"scale must be one of {', '.join(scales)}")
    view = view or ("chart" if compared else "map")
    if view not in VIEWS:
        raise bad_request(f"view must be one of {', '.join(VIEWS)}")
    raw = map_values(handle, series)
    year_note = unavailable_year_note(year, raw, lang)
    data = scaled_countries(handle, series, scale, year if year in raw["years"] else None)
    unit = scaled_unit(series, scale, lang)
    if not compared:
        default = area or ("WLD" if any(g["code"] == "WLD" for g in raw["groups"]) else None)
        default = default or (raw["countries"][0]["code"] if raw["countries"] else None)
        compared_shown = [default] if default else []
    else:
        compared_shown = compared
    charts: list = []
    map_chart = table_chart = None
    title = indicator_title(series, lang)
    title_year = f"{title}{'' if scale == 'value' else ' — ' + _(SCALE_TITLES[scale]).lower()}, {data['year']}"
    if view == "chart":
        line = compare_chart(handle, series, compared_shown, scale, data["year"], lang)
        if line:
            charts.append(line)
        if data["countries"]:
            top = [
                {
                    "name": place_name(handle, r["code"], lang, r["name"]),
                    "value": r["value"],
                    "url": f"/countries/{r['code']}",
                }
                for r in data["countries"][:20]
            ]
            highest = _("Highest values, %(year)s") % {"year": data["year"]}
            charts.append(bar_chart(highest, top, unit, href=True, lang=lang))
    elif view == "map" and data["countries"]:
        named = [{**r, "name": place_name(handle, r["code"], lang, r["name"])} for r in data["countries"]]
        map_chart = world_map(title_year, named, f"{title} ({unit})", lang=lang)
    elif view == "table" and data["countries"]:
        rows = [
            {
                "name": place_name(handle, r["code"], lang, r["name"]),
                "value": r["value"],
                "url": f"/countries/{r['code']}",
            }
            for r in data["countries"]
        ]
        table_chart = bar_chart(title_year, rows, unit, href=True, lang=lang)
    earlier, later = year_steps(raw["years"], data["year"])
    return {
        "data": data,
        "charts": charts,
        "map_chart": map_chart,
        "table_chart": table_chart,
        "ranking": data["countries"],
        "year_note": year_note,
        "compared": compared,
        "compared_names": [(c, place_name(handle, c, lang)) for c in compared],
        "view": view,
        "views": VIEWS,
        "scale": scale,
        "scales": scales,
        "shown_unit": unit,
        "earlier": earlier,
        "later": later,
        "used": set(data["sources"]),
    }


def _corridor_indicator_view(handle, series: Series, year: int | None, lang: str = "en") -> dict[str, Any]:
    """The largest corridors of a corridor-level series in a year, named in `lang`."""
    _ = gettext_for(lang)
    rows = handle.memo(("corridor_ranking", series.id), lambda: collapsed(handle, series))
    available = sorted({r["year"] for r in rows if r["value"] is not None})
    chosen = year if year in available else latest_year(rows)
    year_note = year_note_text(year, chosen, available, lang) if year is not None and year not in available else None
    known = areas(handle)
    top = sorted(
        (
            r
            for r in rows
            if r["year"] == chosen
            and r["value"] is not None
            and known.get(r["destination"], {}).get("kind") != "group"
            and known.get(r["origin"], {}).get("kind") != "group"
        ),
        key=lambda r: -r["value"],
    )[:20]
    used: set[str] = set()
    for r in top:
        used.update(r["sources"] or [])
    ranking_rows = [
        {
            "name": route((place_name(handle, r["origin"], lang), place_name(handle, r["destination"], lang)), lang),
            "value": r["value"],
            "url": f"/corridors?origin={r['origin']}&destination={r['destination']}",
        }
        for r in top
    ]
    largest = _("Largest corridors, %(year)s") % {"year": chosen}
    charts = [bar_chart(largest, ranking_rows, series.unit, href=True, lang=lang)] if ranking_rows else []
    return {
        "data": None,
        "charts": charts,
        "map_chart": None,
        "ranking": ranking_rows,
        "year_note": year_note,
        "used": used,
    }


@router.get("/frameworks")
def framework_list(request: Request, handle: Release):
    """GCM, GCR and SDG: coverage by objective."""
    lang = language_of(request)
    summaries = [
        {**framework_coverage(handle, f)["summary"], "framework": f, "title": framework_title(f, FRAMEWORKS[f], lang)}
        for f in FRAMEWORKS
    ]
    return render(
        request, handle, "frameworks.html", title=gettext_of(request)("Monitoring frameworks"), summaries=summaries
    )


def translated_coverage(coverage: dict[str, Any], lang: str) -> dict[str, Any]:
    """A framework's coverage with its title and objectives' names and texts in `lang` (the declarations')."""
    if lang == "en":
        return coverage
    objectives = []
    for objective in coverage["objectives"]:
        try:
            short_name, text = objective_text(coverage["framework"], objective["code"], lang)
        except KeyError:  # an objective the declarations lack keeps its English texts
            short_name, text = objective["short_name"], objective["text"]
        objectives.append({**objective, "short_name": short_name, "text": text})
    title = framework_title(coverage["framework"], FRAMEWORKS[coverage["framework"]], lang)
    return {**coverage, "title": title, "objectives": objectives}


@router.get("/frameworks/{framework}")
def framework_page(request: Request, framework: str, handle: Release):
    """Objectives of one framework with their indicators, data coverage and gaps."""
    framework = framework.upper()
    if framework not in FRAMEWORKS:
        raise not_found("framework", framework, "GCM, GCR or SDG")
    coverage = translated_coverage(framework_coverage(handle, framework), language_of(request))
    used = {s for o in coverage["objectives"] for i in o["indicators"] for s in _indicator_sources(handle, i["id"])}
    return render(request, handle, "framework.html", title=coverage["title"], coverage=coverage, sources=used)


def _indicator_sources(handle, indicator_id: str) -> list[str]:
    """Datasets behind an indicator."""
    from observatory.api.queries.profiles import indicator_sources

    return indicator_sources(handle, indicator_id)


@router.get("/sources")
def sources_page(request: Request, handle: Release):
    """Every dataset in the release with publisher, version, licence, citation and checksums."""
    files = handle.memo(
        ("all_dataset_files",),
        lambda: handle.rows("SELECT dataset_id, path, sha256, bytes FROM dataset_file ORDER BY dataset_id, path"),
    )
    by_dataset: dict[str, list[dict]] = {}
    for f in files:
        by_dataset.setdefault(f["dataset_id"], []).append(f)
    return render(
        request,
        handle,
        "sources.html",
        title=gettext_of(request)("Sources and provenance"),
        datasets=list(datasets(handle).values()),
        files=by_dataset,
        sources=cite(handle, list(datasets(handle))),
    )


def mount_portal(app: FastAPI) -> None:
    """Add the pages, the explorer pages, the static files and the map geometry route to the app."""
    from observatory.web.explore import router as explore_router
    from observatory.web.publication_pages import router as publication_router

    @app.get("/geo/countries-110m.json", include_in_schema=False)
    def world_geometry(settings: AppSettings):
        """World country boundaries (Natural Earth via world-atlas), read from the mirror at run time."""
        path = geometry_file(settings)
        if path is None:
            raise not_found("map geometry", str(GEO_FILE), "set OBSERVATORY_MIRROR to a mirror holding geo/world-atlas")
        return FileResponse(path, media_type="application/json", headers={"Cache-Control": "public, max-age=86400"})

    def html_problem(request: Request, status: int, title: str, detail: str):
        """An error page in the portal's layout; in another language than English, the status said in that language
        and the API layer's own words kept below (marked English)."""
        handle = getattr(request.state, "release", None)
        lang = language_of(request)
        if lang != "en":
            _ = gettext_for(lang)
            title_message, help_message = PROBLEM_TITLES.get(status, PROBLEM_TITLES[500]), PROBLEM_HELP.get(status, "")
            heading, explained = _(title_message), _(help_message) if help_message else ""
            return render(
                request,
                handle,
                "error.html",
                title=heading,
                heading=heading,
                detail=explained,
                technical=detail,
                status_code=status,
            )
        return render(request, handle, "error.html", title=title, heading=title, detail=detail, status_code=status)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs(request: Request):
        """Swagger UI from the vendored bundle in /static (no CDN), so the documentation works offline."""
        title = gettext_of(request)("API documentation")
        return render(request, None, "api_docs.html", title=title, openapi_url=app.openapi_url)

    app.state.html_problem = html_problem
    app.include_router(publication_router)  # before the explorer: its /reports is the catalogue's
    app.include_router(router)
    app.include_router(explore_router)
    app.include_router(knowledge_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
