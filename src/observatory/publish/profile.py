"""Country Migration Profile, following the structure of IOM's Migration Profiles, from one release."""

from __future__ import annotations

from typing import cast

from observatory.i18n.languages import direction
from observatory.publish import charts
from observatory.publish.annex import evidence_section, gaps_section, sources_section
from observatory.publish.data import ReleaseData
from observatory.publish.document import Chart, Document, FigureTable, Notice, Section, Table, Text
from observatory.publish.figures import Figure
from observatory.publish.language import N_, sentence, status_label, text
from observatory.publish.palette import one_colour_key
from observatory.publish.routes import deaths_blocks, region_of

AT_A_GLANCE = [
    ("migrant_stock", N_("International migrants (immigrants)")),
    ("migrant_share_of_population", N_("Immigrants, share of population")),
    ("migrant_stock_female_share", N_("Women among immigrants")),
    ("emigrant_stock", N_("Emigrants living abroad")),
    ("emigrant_share", N_("Emigrants, share of population")),
    ("net_migration", N_("Net migration")),
    ("refugees_hosted", N_("Refugees hosted")),
    ("refugees_by_origin", N_("Refugees from the country")),
    ("asylum_seekers_hosted", N_("Asylum-seekers hosted")),
    ("idps_conflict", N_("Internally displaced (conflict)")),
    ("idps_disaster", N_("Internal displacements (disasters)")),
    ("remittances_received_usd", N_("Remittances received")),
    ("sdg_17_3_2", N_("Remittances received, share of GDP")),
]

CONTEXT_INDICATORS = [
    ("population", N_("Population")),
    ("gdp_per_capita_ppp", N_("GDP per head (PPP, constant 2017 int. $)")),
    ("human_development_index", N_("Human Development Index")),
]
CONTEXT_OBSERVATIONS = [
    ("gdp_current_usd", N_("GDP (current US$)")),
    ("dependency_ratio", N_("Age dependency ratio (dependants per 100 working-age persons)")),
    ("crude_birth_rate", N_("Crude birth rate (per 1,000)")),
    ("unemployment_rate", N_("Unemployment rate")),
    ("political_stability", N_("Political stability (WGI)")),
]


FLOW_METHOD = "da_pb_closed"  # Abel & Cohen's recommended estimate; lower/upper give the range across methods
CONTEXT_ONLY = {"population", "gdp_per_capita_ppp", "human_development_index"}


def _when(figure: Figure) -> str:
    return f" ({figure.when})" if not figure.missing and figure.when else ""


SEX_NAMES = {"total": N_("total"), "female": N_("women"), "male": N_("men")}


def sex_label(data: ReleaseData):
    """The series label of a figure's sex (total, women, men) in the publication's language."""
    return lambda figure: data._(SEX_NAMES[figure.sex]) if figure.sex in SEX_NAMES else figure.sex


def context_section(data: ReleaseData, code: str) -> Section:
    """Development and demographic context: observations of WDI, UNDP and WPP with their datasets."""
    _ = data._
    name = data.name(code)
    groups = data.area(code)["groups"]
    where = ", ".join(data.name(g["code"]) for scheme, g in groups.items() if scheme in {"un_subregion", "wb_income"})
    belongs = (
        text(_("%(country)s belongs to %(groups)s."), country=name, groups=where)
        if where
        else text(_("%(country)s belongs to no listed region or income group."), country=name)
    )
    blocks: list = [Text([belongs])]
    figures = [data.latest(indicator, _(label), area=code) for indicator, label in CONTEXT_INDICATORS]
    figures += [data.observation_latest(measure, _(label), area=code) for measure, label in CONTEXT_OBSERVATIONS]
    blocks.append(FigureTable(_("Development and demographic context"), figures))
    ages = data.population_by_age(code)
    if ages:
        caption = text(
            _("Population of %(country)s by age and sex, %(year)s (WPP 2022)"), country=name, year=ages[0].year
        )
        blocks.append(charts.pyramid(ages, caption, cache=data.chart_cache))
    else:
        blocks.append(Notice(text(_("No population by age for %(country)s in this release."), country=name)))
    gdp = data.series("gdp_per_capita_ppp", _("GDP per head (PPP)"), area=code)
    if len(gdp) > 1:
        blocks.append(
            charts.time_series(
                gdp,
                text(_("GDP per head (PPP) of %(country)s"), country=name),
                y_title=_("constant 2017 int. $"),
                height=140,
                width=200,
                wide=False,
                cache=data.chart_cache,
            )
        )
    return Section("context", _("Development and demographic context"), blocks)


def revision_blocks(data: ReleaseData, indicator: str, code: str, what: str) -> list:
    """A table of the years an earlier edition put more than 2 % higher or lower than the latest one."""
    changes = data.revision_changes(indicator, code)
    if not changes:
        return []
    _ = data._
    rows = [
        [
            latest.when,
            latest,
            earlier.label.removeprefix("revision "),
            earlier,
            _change(latest, earlier, data.lang),
        ]
        for latest, earlier in changes
    ]
    return [
        Table(
            text(_("%(what)s: years the latest edition revised by more than 2 %%"), what=what),
            [_("Year"), _("Latest edition"), _("Earlier edition"), _("Its value"), _("Change")],
            rows,
            note=_(
                "Each UN DESA revision re-estimates earlier years; the latest is shown everywhere else, "
                "earlier editions are kept for comparison (revision= in the API, --revision in the CLI)."
            ),
        )
    ]


def _change(latest: Figure, earlier: Figure, lang: str) -> str:
    """The relative change from an earlier edition's value to the latest, signed, as a percentage in `lang`."""
    from babel.numbers import format_percent

    change = (cast(float, latest.value) - cast(float, earlier.value)) / cast(float, earlier.value)
    if lang == "en":
        return f"{change:+.1%}"
    text = format_percent(change, format="+#,##0.0%;-#,##0.0%", locale=lang)
    # isolated left to right in a right-to-left document, so the sign stays before the digits
    return f"\u2066{text}\u2069" if direction(lang) == "rtl" else text


def immigrants_section(data: ReleaseData, code: str) -> Section:
    """Immigrants: number, share, sex, top origins, change over time."""
    _ = data._
    name = data.name(code)
    stock = data.latest("migrant_stock", _("International migrants"), area=code)
    share = data.latest("migrant_share_of_population", _("Share of population"), area=code)
    female = data.latest("migrant_stock_female_share", _("Women among immigrants"), area=code)
    blocks: list = [
        Text(
            sentence(
                _(
                    "International migrants living in %(country)s: %(stock)s%(stock_year)s; share of the population: "
                    "%(share)s%(share_year)s; women among them: %(women)s%(women_year)s."
                ),
                country=name,
                stock=stock,
                stock_year=_when(stock),
                share=share,
                share_year=_when(share),
                women=female,
                women_year=_when(female),
            )
        )
    ]
    by_sex = data.series("migrant_stock", area=code, sex=None)
    if by_sex:
        blocks.append(
            charts.time_series(
                by_sex,
                text(_("International migrants in %(country)s by sex"), country=name),
                series_of=sex_label(data),
                y_title=_("persons"),
                cache=data.chart_cache,
            )
        )
        totals = [f for f in by_sex if f.sex == "total"]
        if totals:
            blocks.append(
                Table(
                    text(_("International migrants in %(country)s over time"), country=name),
                    [_("Year"), _("Migrants"), _("Share of population")],
                    [[f.when, f, data.latest("migrant_share_of_population", area=code, year=f.year)] for f in totals],
                )
            )
    blocks += revision_blocks(
        data, "migrant_stock", code, text(_("International migrants in %(country)s"), country=name)
    )
    origins = data.ranked("corridor_stock", by="destination", code=code, limit=10)
    if origins:
        rows = [
            [
                f.label,
                f,
                data.latest("corridor_share_of_destination_immigrants", origin=f.origin, destination=code, year=f.year),
            ]
            for f in origins
        ]
        blocks.append(
            Table(
                text(
                    _("Top countries of origin of immigrants in %(country)s, %(year)s"),
                    country=name,
                    year=origins[0].when,
                ),
                [_("Country of origin"), _("Migrants"), _("Share of immigrants")],
                rows,
            )
        )
    else:
        blocks.append(
            Notice(
                text(
                    _("No bilateral migrant stock into %(country)s in this release: countries of origin are unknown."),
                    country=name,
                )
            )
        )
    return Section("immigrants", _("Immigrants"), blocks, level=3)


def emigrants_section(data: ReleaseData, code: str) -> Section:
    """Emigrants: number, share, top destinations."""
    _ = data._
    name = data.name(code)
    stock = data.latest("emigrant_stock", _("Emigrants"), area=code)
    share = data.latest("emigrant_share", _("Emigrants, share of population"), area=code)
    blocks: list = [
        Text(
            sentence(
                _(
                    "People born in %(country)s living abroad: %(stock)s%(stock_year)s; as a share of the "
                    "population: %(share)s%(share_year)s."
                ),
                country=name,
                stock=stock,
                stock_year=_when(stock),
                share=share,
                share_year=_when(share),
            )
        )
    ]
    series = data.series("emigrant_stock", area=code, sex=None)
    emigrants_from = text(_("Emigrants from %(country)s"), country=name)
    if len(series) > 1:
        blocks.append(
            charts.time_series(
                series,
                text(_("Emigrants from %(country)s by sex"), country=name),
                series_of=sex_label(data),
                y_title=_("persons"),
                cache=data.chart_cache,
            )
        )
    blocks += revision_blocks(data, "emigrant_stock", code, emigrants_from)
    destinations = data.ranked("corridor_stock", by="origin", code=code, limit=10)
    if destinations:
        rows = [
            [
                f.label,
                f,
                data.latest("corridor_share_of_origin_emigrants", origin=code, destination=f.destination, year=f.year),
            ]
            for f in destinations
        ]
        blocks.append(
            Table(
                text(
                    _("Top countries of destination of emigrants from %(country)s, %(year)s"),
                    country=name,
                    year=destinations[0].when,
                ),
                [_("Country of destination"), _("Emigrants"), _("Share of emigrants")],
                rows,
            )
        )
    else:
        blocks.append(
            Notice(
                text(
                    _("No bilateral migrant stock from %(country)s in this release: destinations are unknown."),
                    country=name,
                )
            )
        )
    return Section("emigrants", _("Emigrants"), blocks, level=3)


def refugees_section(data: ReleaseData, code: str) -> Section:
    """Refugees and asylum: hosted, by origin, applications and recognition."""
    _ = data._
    name = data.name(code)
    figures = [
        data.latest("refugees_hosted", _("Refugees hosted"), area=code),
        data.latest("refugees_per_1000_inhabitants", _("Refugees per 1,000 inhabitants"), area=code),
        data.latest("asylum_seekers_hosted", _("Asylum-seekers hosted"), area=code),
        data.latest("asylum_applications", _("Asylum applications lodged"), area=code),
        data.latest("asylum_recognition_rate", _("Asylum recognition rate"), area=code),
        data.latest("refugees_by_origin", text(_("Refugees from %(country)s abroad"), country=name), area=code),
        data.latest("sdg_10_7_4", _("Refugees from the country per 100,000 population (SDG 10.7.4)"), area=code),
    ]
    blocks: list = [FigureTable(text(_("Refugees and asylum in %(country)s"), country=name), figures)]
    hosted = data.series("refugees_hosted", _("Refugees hosted"), area=code)
    abroad = data.series("refugees_by_origin", text(_("Refugees from %(country)s"), country=name), area=code)
    if len(hosted) + len(abroad) > 1:
        blocks.append(
            charts.time_series(
                hosted + abroad,
                text(_("Refugees hosted in %(country)s and refugees from %(country)s"), country=name),
                y_title=_("persons"),
                cache=data.chart_cache,
            )
        )
    origins = data.observation_ranked("unhcr_refugees", by="destination", code=code, limit=8)
    if origins:
        blocks.append(
            Table(
                text(
                    _("Main countries of origin of refugees in %(country)s, %(year)s"),
                    country=name,
                    year=origins[0].when,
                ),
                [_("Country of origin"), _("Refugees")],
                [[f.label, f] for f in origins],
                note=_("UNHCR mandate refugees (observations, no indicator)."),
            )
        )
    return Section("refugees", _("Refugees and asylum"), blocks, level=3)


def displacement_section(data: ReleaseData, code: str) -> Section:
    """Internal displacement by conflict and disasters."""
    _ = data._
    name = data.name(code)
    conflict = data.latest("idps_conflict", _("Internally displaced by conflict and violence"), area=code)
    disaster = data.latest("idps_disaster", _("Internal displacements by disasters"), area=code)
    blocks: list = [
        Text(
            sentence(
                _(
                    "Internally displaced people in %(country)s because of conflict and violence: "
                    "%(conflict)s%(conflict_year)s; displacements by disasters: %(disasters)s%(disasters_year)s."
                ),
                country=name,
                conflict=conflict,
                conflict_year=_when(conflict),
                disasters=disaster,
                disasters_year=_when(disaster),
            )
        )
    ]
    series = data.series("idps_conflict", _("Conflict and violence"), area=code) + data.series(
        "idps_disaster", _("Disasters"), area=code
    )
    if len(series) > 1:
        blocks.append(
            charts.time_series(
                series,
                text(_("Internal displacement in %(country)s"), country=name),
                y_title=_("persons"),
                cache=data.chart_cache,
            )
        )
    return Section("displacement", _("Internal displacement"), blocks, level=3)


def flows_section(data: ReleaseData, code: str) -> Section:
    """Migration flows with the range across estimation methods."""
    _ = data._
    name = data.name(code)
    emigration = data.series("emigration_flow", _("Emigration"), area=code, category=FLOW_METHOD)
    immigration = data.series("immigration_flow", _("Immigration"), area=code, category=FLOW_METHOD)
    net = data.latest("net_flow", _("Net flow (estimated)"), area=code, category=FLOW_METHOD)
    wdi = data.latest("net_migration", _("Net migration (UN WPP 2024)"), area=code)
    blocks: list = [
        Text(
            sentence(
                _(
                    "Estimated net migration flow: %(flow)s%(flow_year)s; net migration estimated by the UN "
                    "(World Population Prospects 2024): %(un)s%(un_year)s."
                ),
                flow=net,
                flow_year=_when(net),
                un=wdi,
                un_year=_when(wdi),
            )
        )
    ]
    if emigration or immigration:
        blocks.append(
            charts.time_series(
                emigration + immigration,
                text(_("Estimated migration flows of %(country)s, 5-year periods"), country=name),
                y_title=_("persons per period"),
                cache=data.chart_cache,
            )
        )
        blocks.append(
            Table(
                text(
                    _("Estimated migration flows of %(country)s (method %(method)s, range across methods)"),
                    country=name,
                    method=FLOW_METHOD,
                ),
                [_("Period"), _("Emigration"), _("Immigration")],
                [
                    [
                        e.when,
                        e,
                        next(
                            (i for i in immigration if i.period == e.period),
                            data.missing("immigration_flow", area=code, period=e.period),
                        ),
                    ]
                    for e in emigration
                ],
            )
        )
        blocks.append(
            Text(
                [
                    text(
                        _(
                            "Flows are not counted: they are estimated from changes in migrant stocks (Abel & Cohen "
                            "2022), and methods disagree. Values are the %(method)s estimate recommended by the "
                            "authors; the band and the range show the lowest and highest estimate across methods."
                        ),
                        method=FLOW_METHOD,
                    )
                ],
                style="small",
            )
        )
    else:
        blocks.append(Notice(text(_("No flow estimates for %(country)s in this release."), country=name)))
    return Section("flows", _("Migration flows"), blocks, level=3)


def impact_section(data: ReleaseData, code: str) -> Section:
    """Remittances: received, paid, share of GDP, per emigrant, and the cost of sending money home."""
    _ = data._
    name = data.name(code)
    figures = [
        data.latest("remittances_received_usd", _("Remittances received"), area=code),
        data.latest("sdg_17_3_2", _("Remittances received, share of GDP (SDG 17.3.2)"), area=code),
        data.latest("remittances_per_emigrant_usd", _("Remittances received per emigrant"), area=code),
        data.latest("remittances_paid_usd", _("Remittances paid"), area=code),
    ]
    blocks: list = [FigureTable(text(_("Remittances of %(country)s"), country=name), figures)]
    series = data.series("remittances_received_usd", _("Received"), area=code) + data.series(
        "remittances_paid_usd", _("Paid"), area=code
    )
    if len(series) > 1:
        blocks.append(
            charts.time_series(
                series,
                text(_("Personal remittances of %(country)s"), country=name),
                y_title=_("current US$"),
                cache=data.chart_cache,
            )
        )
    costs = data.ranked("sdg_10_c_1", by="origin", code=code, limit=8)
    if costs:
        blocks.append(
            Table(
                text(
                    _("Cost of sending US$ 200 to %(country)s (SDG 10.c.1), %(year)s"), country=name, year=costs[0].when
                ),
                [_("Sent from"), _("Average cost")],
                [[f.label, f] for f in sorted(costs, key=lambda f: cast(float, f.value))],
            )
        )
    else:
        blocks.append(
            Notice(
                text(
                    _("No remittance-cost corridor into %(country)s is monitored in this release (SDG 10.c.1)."),
                    country=name,
                )
            )
        )
    return Section("impact", _("Impact: remittances"), blocks)


def monitoring_section(data: ReleaseData, code: str) -> Section:
    """The SDG / GCM / GCR indicator table with status and gaps, and deaths on routes through the region."""
    _ = data._
    name = data.name(code)
    tagged = [
        (i, meta)
        for i, meta in data.indicators.items()
        if meta["frameworks"] and meta["level"] == "area" and i not in CONTEXT_ONLY
    ]
    blocks: list = []
    if tagged:
        rows: list[list] = []
        for indicator, meta in tagged:
            label = data.indicator_label(indicator)
            figure = data.latest(indicator, label, area=code)
            rows.append(
                [
                    label,
                    ", ".join(meta["frameworks"]),
                    figure,
                    (figure.when or "—") + (f" ({figure.category})" if figure.category else ""),
                    status_label(figure.status, data.lang) if figure.status else _("gap"),
                ]
            )
        blocks.append(
            Table(
                text(_("Monitoring indicators for %(country)s (SDG, GCM, GCR)"), country=name),
                [_("Indicator"), _("Framework"), _("Value"), _("Year"), _("Status")],
                rows,
                note=text(
                    _(
                        "“%(gap)s” marks an indicator the release cannot compute for this country; the reason is "
                        "given next to the value and listed under Data gaps."
                    ),
                    gap=_("gap"),
                ),
                widths=[34, 12, 25, 15, 14],  # indicator names are long: fixed widths keep them to two lines
            )
        )
    else:
        blocks.append(
            Notice(_("The indicator catalogue of this release tags no indicator with SDG, GCM or GCR objectives."))
        )
    region = region_of(data, code)
    if region:
        blocks += deaths_blocks(data, [region], text(_("the region of %(country)s"), country=name))
    return Section("monitoring", _("Monitoring: SDG, GCM and GCR indicators"), blocks)


def contributed_section(data: ReleaseData, code: str) -> Section | None:
    """Aggregates contributed by organisations through the firewall (disclosure-controlled), when there are any."""
    measures = data.contributed_measures(code)
    if not measures:
        return None
    _ = data._
    figures = [data.observation_latest(m["id"], m["label"], area=code) for m in measures]
    return Section(
        "contributed",
        _("Contributed data (disclosure-controlled)"),
        [
            FigureTable(text(_("Data contributed by organisations for %(country)s"), country=data.name(code)), figures),
            Text(
                [
                    _(
                        "These aggregates were shared by organisations through the observatory's firewall: small "
                        "cells are suppressed and values perturbed so that no person can be identified; the sources "
                        "annex names each contributor and the disclosure rule."
                    )
                ],
                style="small",
            ),
        ],
        level=3,
    )


def at_a_glance(data: ReleaseData, code: str) -> Section:
    """The key figures table."""
    _ = data._
    figures = [data.latest("population", _("Population"), area=code)]
    figures += [data.latest(indicator, _(label), area=code) for indicator, label in AT_A_GLANCE]
    caption = text(_("%(country)s at a glance"), country=data.name(code))
    return Section("at-a-glance", _("At a glance"), [FigureTable(caption, figures)])


@one_colour_key
def country_profile(data: ReleaseData, code: str) -> Document:
    """The full Migration Profile of a country."""
    code = code.upper()
    area = data.area(code)
    _ = data._
    name = data.name(code)
    document = Document(
        kind="country-profile",
        title=text(_("Migration Profile: %(country)s"), country=name),
        subtitle=_("Immigrants, emigrants, refugees, displacement, flows, remittances and monitoring indicators"),
        release_id=data.release_id,
        meta={"area": code, "name": name, "m49": area["m49"], "language": data.lang},
    )
    document.sections = [
        at_a_glance(data, code),
        context_section(data, code),
        Section("trends", _("Migration trends and characteristics"), []),
        immigrants_section(data, code),
        emigrants_section(data, code),
        refugees_section(data, code),
        displacement_section(data, code),
        flows_section(data, code),
        impact_section(data, code),
        monitoring_section(data, code),
        *[section for section in (contributed_section(data, code),) if section is not None],
        evidence_section(data, area=code),
    ]
    document.sections.append(gaps_section(document, data))
    document.sections.append(sources_section(document, data))
    return document


def charts_in(document: Document) -> list[Chart]:
    """Every chart of a document in order."""
    return [block for section in document.sections for block in section.blocks if isinstance(block, Chart)]
