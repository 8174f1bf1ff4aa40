"""Country Migration Profile, following the structure of IOM's Migration Profiles, from one release."""

from __future__ import annotations

from typing import cast

from observatory.publish import charts
from observatory.publish.annex import evidence_section, gaps_section, sources_section
from observatory.publish.data import ReleaseData
from observatory.publish.document import Chart, Document, FigureTable, Notice, Section, Table, Text
from observatory.publish.figures import Figure
from observatory.publish.palette import one_colour_key
from observatory.publish.routes import deaths_blocks, region_of

AT_A_GLANCE = [
    ("migrant_stock", "International migrants (immigrants)"),
    ("migrant_share_of_population", "Immigrants, share of population"),
    ("migrant_stock_female_share", "Women among immigrants"),
    ("emigrant_stock", "Emigrants living abroad"),
    ("emigrant_share", "Emigrants, share of population"),
    ("net_migration", "Net migration"),
    ("refugees_hosted", "Refugees hosted"),
    ("refugees_by_origin", "Refugees from the country"),
    ("asylum_seekers_hosted", "Asylum-seekers hosted"),
    ("idps_conflict", "Internally displaced (conflict)"),
    ("idps_disaster", "Internal displacements (disasters)"),
    ("remittances_received_usd", "Remittances received"),
    ("sdg_17_3_2", "Remittances received, share of GDP"),
]

CONTEXT_INDICATORS = [
    ("population", "Population"),
    ("gdp_per_capita_ppp", "GDP per head (PPP, constant 2017 int. $)"),
    ("human_development_index", "Human Development Index"),
]
CONTEXT_OBSERVATIONS = [
    ("gdp_current_usd", "GDP (current US$)"),
    ("dependency_ratio", "Age dependency ratio (dependants per 100 working-age persons)"),
    ("crude_birth_rate", "Crude birth rate (per 1,000)"),
    ("unemployment_rate", "Unemployment rate"),
    ("political_stability", "Political stability (WGI)"),
]


FLOW_METHOD = "da_pb_closed"  # Abel & Cohen's recommended estimate; lower/upper give the range across methods
CONTEXT_ONLY = {"population", "gdp_per_capita_ppp", "human_development_index"}


def _when(figure: Figure) -> str:
    return f" ({figure.when})" if not figure.missing and figure.when else ""


def _sex_label(figure: Figure) -> str:
    return {"total": "total", "female": "women", "male": "men"}.get(figure.sex, figure.sex)


def context_section(data: ReleaseData, code: str) -> Section:
    """Development and demographic context: observations of WDI, UNDP and WPP with their datasets."""
    area = data.area(code)
    groups = area["groups"]
    where = ", ".join(g["name"] for scheme, g in groups.items() if scheme in {"un_subregion", "wb_income"})
    blocks: list = [Text([f"{area['name']} belongs to {where or 'no listed region or income group'}."])]
    figures = [data.latest(indicator, label, area=code) for indicator, label in CONTEXT_INDICATORS]
    figures += [data.observation_latest(measure, label, area=code) for measure, label in CONTEXT_OBSERVATIONS]
    blocks.append(FigureTable("Development and demographic context", figures))
    ages = data.population_by_age(code)
    if ages:
        blocks.append(
            charts.pyramid(
                ages, f"Population of {area['name']} by age and sex, {ages[0].year} (WPP 2022)", cache=data.chart_cache
            )
        )
    else:
        blocks.append(Notice(f"No population by age for {area['name']} in this release."))
    gdp = data.series("gdp_per_capita_ppp", "GDP per head (PPP)", area=code)
    if len(gdp) > 1:
        blocks.append(
            charts.time_series(
                gdp,
                f"GDP per head (PPP) of {area['name']}",
                y_title="constant 2017 int. $",
                height=140,
                width=200,
                wide=False,
                cache=data.chart_cache,
            )
        )
    return Section("context", "Development and demographic context", blocks)


def revision_blocks(data: ReleaseData, indicator: str, code: str, what: str) -> list:
    """A table of the years an earlier edition put more than 2 % higher or lower than the latest one."""
    changes = data.revision_changes(indicator, code)
    if not changes:
        return []
    rows = [
        [
            latest.when,
            latest,
            earlier.label.removeprefix("revision "),
            earlier,
            f"{(cast(float, latest.value) - cast(float, earlier.value)) / cast(float, earlier.value):+.1%}",
        ]
        for latest, earlier in changes
    ]
    return [
        Table(
            f"{what}: years the latest edition revised by more than 2 %",
            ["Year", "Latest edition", "Earlier edition", "Its value", "Change"],
            rows,
            note="Each UN DESA revision re-estimates earlier years; the latest is shown everywhere else, "
            "earlier editions are kept for comparison (revision= in the API, --revision in the CLI).",
        )
    ]


def immigrants_section(data: ReleaseData, code: str) -> Section:
    """Immigrants: number, share, sex, top origins, change over time."""
    name = data.name(code)
    stock = data.latest("migrant_stock", "International migrants", area=code)
    share = data.latest("migrant_share_of_population", "Share of population", area=code)
    female = data.latest("migrant_stock_female_share", "Women among immigrants", area=code)
    blocks: list = [
        Text(
            [
                f"International migrants living in {name}: ",
                stock,
                _when(stock),
                "; share of the population: ",
                share,
                _when(share),
                "; women among them: ",
                female,
                _when(female),
                ".",
            ]
        )
    ]
    by_sex = data.series("migrant_stock", area=code, sex=None)
    if by_sex:
        blocks.append(
            charts.time_series(
                by_sex,
                f"International migrants in {name} by sex",
                series_of=_sex_label,
                y_title="persons",
                cache=data.chart_cache,
            )
        )
        totals = [f for f in by_sex if f.sex == "total"]
        if totals:
            blocks.append(
                Table(
                    f"International migrants in {name} over time",
                    ["Year", "Migrants", "Share of population"],
                    [[f.when, f, data.latest("migrant_share_of_population", area=code, year=f.year)] for f in totals],
                )
            )
    blocks += revision_blocks(data, "migrant_stock", code, f"International migrants in {name}")
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
                f"Top countries of origin of immigrants in {name}, {origins[0].when}",
                ["Country of origin", "Migrants", "Share of immigrants"],
                rows,
            )
        )
    else:
        blocks.append(
            Notice(f"No bilateral migrant stock into {name} in this release: countries of origin are unknown.")
        )
    return Section("immigrants", "Immigrants", blocks, level=3)


def emigrants_section(data: ReleaseData, code: str) -> Section:
    """Emigrants: number, share, top destinations."""
    name = data.name(code)
    stock = data.latest("emigrant_stock", "Emigrants", area=code)
    share = data.latest("emigrant_share", "Emigrants, share of population", area=code)
    blocks: list = [
        Text(
            [
                f"People born in {name} living abroad: ",
                stock,
                _when(stock),
                "; as a share of the population: ",
                share,
                _when(share),
                ".",
            ]
        )
    ]
    series = data.series("emigrant_stock", area=code, sex=None)
    if len(series) > 1:
        blocks.append(
            charts.time_series(
                series, f"Emigrants from {name} by sex", series_of=_sex_label, y_title="persons", cache=data.chart_cache
            )
        )
    blocks += revision_blocks(data, "emigrant_stock", code, f"Emigrants from {name}")
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
                f"Top countries of destination of emigrants from {name}, {destinations[0].when}",
                ["Country of destination", "Emigrants", "Share of emigrants"],
                rows,
            )
        )
    else:
        blocks.append(Notice(f"No bilateral migrant stock from {name} in this release: destinations are unknown."))
    return Section("emigrants", "Emigrants", blocks, level=3)


def refugees_section(data: ReleaseData, code: str) -> Section:
    """Refugees and asylum: hosted, by origin, applications and recognition."""
    name = data.name(code)
    figures = [
        data.latest("refugees_hosted", "Refugees hosted", area=code),
        data.latest("refugees_per_1000_inhabitants", "Refugees per 1,000 inhabitants", area=code),
        data.latest("asylum_seekers_hosted", "Asylum-seekers hosted", area=code),
        data.latest("asylum_applications", "Asylum applications lodged", area=code),
        data.latest("asylum_recognition_rate", "Asylum recognition rate", area=code),
        data.latest("refugees_by_origin", f"Refugees from {name} abroad", area=code),
        data.latest("sdg_10_7_4", "Refugees from the country per 100,000 population (SDG 10.7.4)", area=code),
    ]
    blocks: list = [FigureTable(f"Refugees and asylum in {name}", figures)]
    hosted = data.series("refugees_hosted", "Refugees hosted", area=code)
    abroad = data.series("refugees_by_origin", f"Refugees from {name}", area=code)
    if len(hosted) + len(abroad) > 1:
        blocks.append(
            charts.time_series(
                hosted + abroad,
                f"Refugees hosted in {name} and refugees from {name}",
                y_title="persons",
                cache=data.chart_cache,
            )
        )
    origins = data.observation_ranked("unhcr_refugees", by="destination", code=code, limit=8)
    if origins:
        blocks.append(
            Table(
                f"Main countries of origin of refugees in {name}, {origins[0].when}",
                ["Country of origin", "Refugees"],
                [[f.label, f] for f in origins],
                note="UNHCR mandate refugees (observations, no indicator).",
            )
        )
    return Section("refugees", "Refugees and asylum", blocks, level=3)


def displacement_section(data: ReleaseData, code: str) -> Section:
    """Internal displacement by conflict and disasters."""
    name = data.name(code)
    conflict = data.latest("idps_conflict", "Internally displaced by conflict and violence", area=code)
    disaster = data.latest("idps_disaster", "Internal displacements by disasters", area=code)
    blocks: list = [
        Text(
            [
                f"Internally displaced people in {name} because of conflict and violence: ",
                conflict,
                _when(conflict),
                "; displacements by disasters: ",
                disaster,
                _when(disaster),
                ".",
            ]
        )
    ]
    series = data.series("idps_conflict", "Conflict and violence", area=code) + data.series(
        "idps_disaster", "Disasters", area=code
    )
    if len(series) > 1:
        blocks.append(
            charts.time_series(series, f"Internal displacement in {name}", y_title="persons", cache=data.chart_cache)
        )
    return Section("displacement", "Internal displacement", blocks, level=3)


def flows_section(data: ReleaseData, code: str) -> Section:
    """Migration flows with the range across estimation methods."""
    name = data.name(code)
    emigration = data.series("emigration_flow", "Emigration", area=code, category=FLOW_METHOD)
    immigration = data.series("immigration_flow", "Immigration", area=code, category=FLOW_METHOD)
    net = data.latest("net_flow", "Net flow (estimated)", area=code, category=FLOW_METHOD)
    wdi = data.latest("net_migration", "Net migration (UN WPP 2024)", area=code)
    blocks: list = [
        Text(
            [
                "Estimated net migration flow: ",
                net,
                _when(net),
                "; net migration estimated by the UN (World Population Prospects 2024): ",
                wdi,
                _when(wdi),
                ".",
            ]
        )
    ]
    if emigration or immigration:
        blocks.append(
            charts.time_series(
                emigration + immigration,
                f"Estimated migration flows of {name}, 5-year periods",
                y_title="persons per period",
                cache=data.chart_cache,
            )
        )
        blocks.append(
            Table(
                f"Estimated migration flows of {name} (method {FLOW_METHOD}, range across methods)",
                ["Period", "Emigration", "Immigration"],
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
                    "Flows are not counted: they are estimated from changes in migrant stocks (Abel & Cohen 2022), "
                    f"and methods disagree. Values are the {FLOW_METHOD} estimate recommended by the authors; "
                    "the band and the range show the lowest and highest estimate across methods."
                ],
                style="small",
            )
        )
    else:
        blocks.append(Notice(f"No flow estimates for {name} in this release."))
    return Section("flows", "Migration flows", blocks, level=3)


def impact_section(data: ReleaseData, code: str) -> Section:
    """Remittances: received, paid, share of GDP, per emigrant, and the cost of sending money home."""
    name = data.name(code)
    figures = [
        data.latest("remittances_received_usd", "Remittances received", area=code),
        data.latest("sdg_17_3_2", "Remittances received, share of GDP (SDG 17.3.2)", area=code),
        data.latest("remittances_per_emigrant_usd", "Remittances received per emigrant", area=code),
        data.latest("remittances_paid_usd", "Remittances paid", area=code),
    ]
    blocks: list = [FigureTable(f"Remittances of {name}", figures)]
    series = data.series("remittances_received_usd", "Received", area=code) + data.series(
        "remittances_paid_usd", "Paid", area=code
    )
    if len(series) > 1:
        blocks.append(
            charts.time_series(series, f"Personal remittances of {name}", y_title="current US$", cache=data.chart_cache)
        )
    costs = data.ranked("sdg_10_c_1", by="origin", code=code, limit=8)
    if costs:
        blocks.append(
            Table(
                f"Cost of sending US$ 200 to {name} (SDG 10.c.1), {costs[0].when}",
                ["Sent from", "Average cost"],
                [[f.label, f] for f in sorted(costs, key=lambda f: cast(float, f.value))],
            )
        )
    else:
        blocks.append(Notice(f"No remittance-cost corridor into {name} is monitored in this release (SDG 10.c.1)."))
    return Section("impact", "Impact: remittances", blocks)


def monitoring_section(data: ReleaseData, code: str) -> Section:
    """The SDG / GCM / GCR indicator table with status and gaps, and deaths on routes through the region."""
    name = data.name(code)
    tagged = [
        (i, meta)
        for i, meta in data.indicators.items()
        if meta["frameworks"] and meta["level"] == "area" and i not in CONTEXT_ONLY
    ]
    blocks: list = []
    if tagged:
        rows = [
            [meta["title"], ", ".join(meta["frameworks"]), data.latest(indicator, meta["title"], area=code)]
            for indicator, meta in tagged
        ]
        rows = [
            row + [(row[2].when or "—") + (f" ({row[2].category})" if row[2].category else ""), row[2].status or "gap"]
            for row in rows
        ]
        blocks.append(
            Table(
                f"Monitoring indicators for {name} (SDG, GCM, GCR)",
                ["Indicator", "Framework", "Value", "Year", "Status"],
                rows,
                note="“gap” marks an indicator the release cannot compute for this country; the reason is "
                "given next to the value and listed under Data gaps.",
                widths=[34, 12, 25, 15, 14],  # indicator names are long: fixed widths keep them to two lines
            )
        )
    else:
        blocks.append(
            Notice("The indicator catalogue of this release tags no indicator with SDG, GCM or GCR objectives.")
        )
    region = region_of(data, code)
    if region:
        blocks += deaths_blocks(data, [region], f"the region of {name}")
    return Section("monitoring", "Monitoring: SDG, GCM and GCR indicators", blocks)


def contributed_section(data: ReleaseData, code: str) -> Section | None:
    """Aggregates contributed by organisations through the firewall (disclosure-controlled), when there are any."""
    measures = data.contributed_measures(code)
    if not measures:
        return None
    figures = [data.observation_latest(m["id"], m["label"], area=code) for m in measures]
    return Section(
        "contributed",
        "Contributed data (disclosure-controlled)",
        [
            FigureTable(f"Data contributed by organisations for {data.name(code)}", figures),
            Text(
                [
                    "These aggregates were shared by organisations through the observatory's firewall: small cells are "
                    "suppressed and values perturbed so that no person can be identified; the sources annex names each "
                    "contributor and the disclosure rule."
                ],
                style="small",
            ),
        ],
        level=3,
    )


def at_a_glance(data: ReleaseData, code: str) -> Section:
    """The key figures table."""
    figures = [data.latest("population", "Population", area=code)]
    figures += [data.latest(indicator, label, area=code) for indicator, label in AT_A_GLANCE]
    return Section("at-a-glance", "At a glance", [FigureTable(f"{data.name(code)} at a glance", figures)])


@one_colour_key
def country_profile(data: ReleaseData, code: str) -> Document:
    """The full Migration Profile of a country."""
    code = code.upper()
    area = data.area(code)
    document = Document(
        kind="country-profile",
        title=f"Migration Profile: {area['name']}",
        subtitle="Immigrants, emigrants, refugees, displacement, flows, remittances and monitoring indicators",
        release_id=data.release_id,
        meta={"area": code, "name": area["name"], "m49": area["m49"]},
    )
    document.sections = [
        at_a_glance(data, code),
        context_section(data, code),
        Section("trends", "Migration trends and characteristics", []),
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
