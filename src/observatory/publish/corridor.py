(
    """Corridor profile (origin → destination): stocks, flows, refugees and asylum, organised as causes, costs and """
    """benefits."""
)

from __future__ import annotations

from typing import cast

from observatory.i18n.languages import route
from observatory.indicators.spec import measure_category_labels
from observatory.publish import charts
from observatory.publish.annex import evidence_section, gaps_section, sources_section
from observatory.publish.data import PublishError, ReleaseData
from observatory.publish.document import Document, FigureTable, Notice, Section, Table, Text
from observatory.publish.language import N_, sentence, text
from observatory.publish.palette import one_colour_key
from observatory.publish.profile import FLOW_METHOD, sex_label
from observatory.publish.routes import deaths_blocks, region_of

DRIVER_INDICATORS = [
    ("gdp_per_capita_ppp", N_("Income per head (GDP per capita, PPP)")),
    ("population", N_("Population")),
    ("human_development_index", N_("Human Development Index")),
    ("fragility_index", N_("Fragile States Index (0–120, higher = more fragile)")),
    ("brain_drain_index", N_("Human flight and brain drain (FSI E3, 0–10)")),
    ("idps_conflict", N_("Internally displaced by conflict and violence")),
    ("idps_disaster", N_("Internal displacements by disasters")),
]
DRIVER_OBSERVATIONS = [
    ("dependency_ratio", N_("Age dependency ratio (age structure)")),
    ("unemployment_rate", N_("Unemployment rate")),
    ("political_stability", N_("Political stability (WGI)")),
]
# The coded categories shown (new applications, first-instance decisions) are named from the catalogue's declaration,
# so the publication says what the code means in the same words as the portal and the API.
ASYLUM_MEASURES = (
    ("unhcr_refugees", "", N_("Refugees")),
    ("unhcr_asylum_seekers", "", N_("Asylum-seekers with pending claims")),
    ("unhcr_asylum_applications", "N", N_("Asylum applications: %(category)s")),
    ("unhcr_asylum_decisions_recognized", "FI", N_("Recognised as refugees: %(category)s")),
)

# The catalogue's labels of those categories, marked for the catalogues (tests/publish/test_publication_languages.py
# holds them equal to the catalogue's declaration).
CATEGORY_MESSAGES = (N_("new applications"), N_("first-instance decisions"))


def asylum_label(data: ReleaseData, measure: str, category: str, label: str) -> str:
    """An asylum measure's label in the publication's language; a coded category named as the catalogue declares it
    (English: the catalogue's words; other languages: the portal's translation of them, else the English)."""
    if not category:
        return data._(label)
    declared = measure_category_labels(measure).get(category, f"category {category}")
    return text(data._(label), category=data._(declared))


def overview(data: ReleaseData, origin: str, destination: str) -> Section:
    """Key figures of the corridor."""
    _ = data._
    key = {"origin": origin, "destination": destination}
    figures = [
        data.latest("corridor_stock", _("Migrants in the corridor (stock)"), **key),
        data.latest("corridor_stock", _("Women in the corridor"), sex="female", **key),
        data.latest("corridor_share_of_origin_emigrants", _("Share of the origin's emigrants"), **key),
        data.latest("corridor_share_of_destination_immigrants", _("Share of the destination's immigrants"), **key),
        data.latest(
            "corridor_flow",
            text(_("Migration flow, 5 years (method %(method)s; range across methods)"), method=FLOW_METHOD),
            category=FLOW_METHOD,
            **key,
        ),
        data.latest("sdg_10_c_1", _("Cost of sending US$ 200 home (SDG 10.c.1)"), **key),
    ]
    figures += [
        data.observation_latest(measure, asylum_label(data, measure, category, label), category=category, **key)
        for measure, category, label in ASYLUM_MEASURES[:2]
    ]
    caption = text(
        _("%(origin)s → %(destination)s at a glance"), origin=data.name(origin), destination=data.name(destination)
    )
    return Section("at-a-glance", _("At a glance"), [FigureTable(caption, figures)])


def stock_section(data: ReleaseData, origin: str, destination: str) -> Section:
    """Stock over time by sex and its change per period."""
    _ = data._
    key = {"origin": origin, "destination": destination}
    series = data.series("corridor_stock", sex=None, **key)
    blocks: list = []
    if series:
        blocks.append(
            charts.time_series(
                series,
                text(
                    _("Migrants born in %(origin)s living in %(destination)s, by sex"),
                    origin=data.name(origin),
                    destination=data.name(destination),
                ),
                series_of=sex_label(data),
                y_title=_("persons"),
                cache=data.chart_cache,
            )
        )
        changes = {f.year: f for f in data.series("corridor_stock_change", **key)}
        shares_o = {f.year: f for f in data.series("corridor_share_of_origin_emigrants", **key)}
        shares_d = {f.year: f for f in data.series("corridor_share_of_destination_immigrants", **key)}
        rows = [
            [
                f.when,
                f,
                changes.get(f.year)
                or data.missing("corridor_stock_change", reason=_("first year of the series"), year=f.year, **key),
                shares_o.get(f.year) or data.missing("corridor_share_of_origin_emigrants", year=f.year, **key),
                shares_d.get(f.year) or data.missing("corridor_share_of_destination_immigrants", year=f.year, **key),
            ]
            for f in series
            if f.sex == "total"
        ]
        blocks.append(
            Table(
                _("Corridor stock, change over the previous five years and shares"),
                [
                    _("Year"),
                    _("Migrants"),
                    _("Change"),
                    _("Share of origin's emigrants"),
                    _("Share of destination's immigrants"),
                ],
                rows,
            )
        )
    else:
        blocks.append(Notice(_("No bilateral migrant stock for this corridor in this release.")))
    return Section("stock", _("Migrants in the corridor"), blocks, level=3)


def flow_section(data: ReleaseData, origin: str, destination: str) -> Section:
    """Flow estimates per period with the range across methods."""
    _ = data._
    key = {"origin": origin, "destination": destination}
    flows = data.series("corridor_flow", _("Flow"), category=FLOW_METHOD, **key)
    if not flows:
        return Section(
            "flows", _("Flow estimates"), [Notice(_("No flow estimate for this corridor in this release."))], level=3
        )
    reverse = data.series(
        "corridor_flow", _("Return direction"), origin=destination, destination=origin, category=FLOW_METHOD
    )
    blocks = [
        charts.time_series(
            flows + reverse,
            _("Estimated migration flows in both directions (band: range across methods)"),
            series_of=lambda f: route((data.name(f.origin), data.name(f.destination)), data.lang),
            y_title=_("persons per period"),
            cache=data.chart_cache,
        ),
        Table(
            _("Flow estimates per period"),
            [_("Period"), route((data.name(origin), data.name(destination)), data.lang)],
            [[f.when, f] for f in flows],
            note=text(
                _("Value: %(method)s estimate (Abel & Cohen 2022); range: lowest and highest estimate across methods."),
                method=FLOW_METHOD,
            ),
        ),
    ]
    return Section("flows", _("Flow estimates"), blocks, level=3)


def asylum_section(data: ReleaseData, origin: str, destination: str) -> Section:
    """Refugees and asylum along the corridor (UNHCR observations)."""
    _ = data._
    key = {"origin": origin, "destination": destination}
    series = []
    for measure, category, label in ASYLUM_MEASURES:
        named = asylum_label(data, measure, category, label)
        series += [
            f for f in data.observation_series(measure, named, category=category, **key) if cast(int, f.year) >= 2000
        ]
    if not series:
        return Section(
            "asylum",
            _("Refugees and asylum along the corridor"),
            [Notice(_("UNHCR reports no refugees, asylum-seekers or asylum applications for this corridor."))],
            level=3,
        )
    latest = [
        data.observation_latest(measure, asylum_label(data, measure, category, label), category=category, **key)
        for measure, category, label in ASYLUM_MEASURES
    ]
    return Section(
        "asylum",
        _("Refugees and asylum along the corridor"),
        [
            FigureTable(_("Refugees and asylum, latest year"), latest),
            charts.time_series(
                series,
                _("Refugees, asylum-seekers and asylum decisions along the corridor"),
                y_title=_("persons"),
                cache=data.chart_cache,
            ),
        ],
        level=3,
    )


def drivers_section(data: ReleaseData, origin: str, destination: str) -> Section:
    """Causes: drivers at both ends side by side."""
    _ = data._
    rows = []
    for indicator, label in DRIVER_INDICATORS:
        named = _(label)
        rows.append(
            [named, data.latest(indicator, named, area=origin), data.latest(indicator, named, area=destination)]
        )
    for measure, label in DRIVER_OBSERVATIONS:
        named = _(label)
        rows.append(
            [
                named,
                data.observation_latest(measure, named, area=origin),
                data.observation_latest(measure, named, area=destination),
            ]
        )
    blocks = [
        Text(
            [
                _(
                    "Migration along a corridor follows differences in income, safety and demography. The table "
                    "sets the two ends side by side (latest year available for each; years may differ)."
                )
            ]
        ),
        Table(_("Drivers at origin and destination"), [_("Driver"), data.name(origin), data.name(destination)], rows),
    ]
    return Section("causes", _("Causes: drivers at both ends"), blocks)


def costs_section(data: ReleaseData, origin: str, destination: str) -> Section:
    """Costs: remittance prices and deaths on routes linking the two regions."""
    _ = data._
    key = {"origin": origin, "destination": destination}
    blocks: list = []
    cost = data.series("sdg_10_c_1", _("Average cost"), period="", **key)
    if cost:
        blocks.append(
            charts.time_series(
                cost,
                text(
                    _("Cost of sending US$ 200 from %(destination)s to %(origin)s (SDG 10.c.1)"),
                    destination=data.name(destination),
                    origin=data.name(origin),
                ),
                y_title=_("percent of amount sent"),
                height=140,
                cache=data.chart_cache,
            )
        )
        blocks.append(
            Text(
                sentence(
                    _("Latest yearly average: %(cost)s (%(year)s); SDG target 10.c: below 3 %% by 2030."),
                    cost=cost[-1],
                    year=cost[-1].when,
                )
            )
        )
    else:
        blocks.append(
            Notice(
                _("This corridor is not covered by the World Bank's Remittance Prices Worldwide (no SDG 10.c.1 value).")
            )
        )
    blocks += nationals_blocks(data, origin, destination)
    regions = [r for r in (region_of(data, origin), region_of(data, destination)) if r]
    unique = list({r["code"]: r for r in regions}.values())
    blocks += deaths_blocks(data, unique, _("regions of origin and destination"))
    return Section("costs", _("Costs: remittance prices, irregular crossings and deaths on the way"), blocks)


def nationals_blocks(data: ReleaseData, origin: str, destination: str) -> list:
    """Nationals of the origin recorded dead or missing (any route) and detected crossing irregularly, by series."""
    _ = data._
    name = data.name(origin)
    blocks: list = []
    deaths = data.series(
        "sdg_10_7_3_nationality",
        text(_("Nationals of %(country)s recorded dead or missing"), country=name),
        area=origin,
        category="",
    )
    if deaths:
        blocks.append(
            Table(
                text(
                    _("Nationals of %(country)s recorded dead or missing on migration routes (all routes, SDG 10.7.3)"),
                    country=name,
                ),
                [_("Year"), _("Dead or missing")],
                [[f.when, f] for f in deaths[-6:]],
                note=_(
                    "A minimum: only recorded deaths; people whose nationality is unknown or who were recorded "
                    "with several nationalities are not counted here (IOM Missing Migrants Project)."
                ),
            )
        )
    crossings = data.series("irregular_border_crossings", area=origin, period="")
    if crossings:
        by_series: dict[str, list] = {}
        for figure in crossings:  # Frontex by route would repeat its total: its all-routes series stands for it
            if figure.category.endswith("all routes") or not figure.category.startswith("Frontex"):
                by_series.setdefault(figure.category, []).append(figure)
        years = sorted({cast(int, f.year) for f in crossings})[-4:]
        rows = [
            [
                series,
                *[
                    next(
                        (f for f in figures if f.year == year),
                        data.missing(
                            "irregular_border_crossings",
                            area=origin,
                            category=series,
                            year=year,
                            reason=_("not recorded"),
                        ),
                    )
                    for year in years
                ],
            ]
            for series, figures in sorted(by_series.items())
        ]
        blocks.append(
            Table(
                text(
                    _("Nationals of %(country)s recorded crossing borders irregularly, by recording series"),
                    country=name,
                ),
                [_("Series"), *[next((f.when for f in crossings if f.year == year), str(year)) for year in years]],
                rows,
                note=_(
                    "Each series has its own definition (detections, encounters, transits: events, not people); "
                    "they are never added together."
                ),
            )
        )
    if not blocks:
        blocks.append(
            Notice(
                text(
                    _("No deaths or irregular crossings of nationals of %(country)s are recorded in this release."),
                    country=name,
                )
            )
        )
    return blocks


def benefits_section(data: ReleaseData, origin: str, destination: str) -> Section:
    """Benefits: remittances paid by the destination and received by the origin."""
    _ = data._
    o, d = data.name(origin), data.name(destination)
    figures = [
        data.latest("remittances_received_usd", text(_("Remittances received by %(country)s"), country=o), area=origin),
        data.latest("sdg_17_3_2", text(_("Remittances received by %(country)s, share of GDP"), country=o), area=origin),
        data.latest(
            "remittances_per_emigrant_usd",
            text(_("Remittances received by %(country)s per emigrant"), country=o),
            area=origin,
        ),
        data.latest(
            "remittances_paid_usd",
            text(_("Remittances paid by %(country)s (all destinations)"), country=d),
            area=destination,
        ),
    ]
    series = data.series(
        "remittances_received_usd", text(_("Received by %(country)s"), country=o), area=origin
    ) + data.series("remittances_paid_usd", text(_("Paid by %(country)s"), country=d), area=destination)
    bilateral = data.latest(
        "remittances_bilateral_usd",
        text(_("Sent home by migrants from %(origin)s in %(destination)s"), origin=o, destination=d),
        origin=origin,
        destination=destination,
    )
    blocks: list = [FigureTable(_("Remittances in the corridor and at both ends"), [bilateral, *figures])]
    if len(series) > 1:
        blocks.append(
            charts.time_series(
                series,
                _("Personal remittances at both ends of the corridor"),
                y_title=_("current US$"),
                cache=data.chart_cache,
            )
        )
    blocks.append(
        Text(
            [
                _(
                    "The corridor's remittances are a model estimate (KNOMAD/World Bank bilateral remittance matrix, "
                    "from migrant stocks and incomes at both ends), not a recorded flow; the other figures are "
                    "country totals recorded in balance-of-payments statistics."
                )
            ],
            style="small",
        )
    )
    return Section("benefits", _("Benefits: remittances"), blocks)


@one_colour_key
def corridor_profile(data: ReleaseData, origin: str, destination: str) -> Document:
    """The corridor profile of origin → destination (keyed by the direction of migration)."""
    origin, destination = origin.upper(), destination.upper()
    if origin == destination:
        raise PublishError("a corridor needs two different areas")
    data.area(origin), data.area(destination)  # PublishError for an unknown code
    o, d = data.name(origin), data.name(destination)
    _ = data._
    document = Document(
        kind="corridor-profile",
        title=text(_("Corridor: %(origin)s → %(destination)s"), origin=o, destination=d),
        subtitle=_("Causes, costs and benefits of migration along one corridor"),
        release_id=data.release_id,
        meta={
            "origin": origin,
            "destination": destination,
            "origin_name": o,
            "destination_name": d,
            "language": data.lang,
        },
    )
    document.sections = [
        overview(data, origin, destination),
        Section("corridor", _("The corridor"), []),
        stock_section(data, origin, destination),
        flow_section(data, origin, destination),
        asylum_section(data, origin, destination),
        drivers_section(data, origin, destination),
        costs_section(data, origin, destination),
        benefits_section(data, origin, destination),
        evidence_section(data, corridor=(origin, destination)),
    ]
    document.sections.append(gaps_section(document, data))
    document.sections.append(sources_section(document, data))
    return document
