(
    """Corridor profile (origin → destination): stocks, flows, refugees and asylum, organised as causes, costs and """
    """benefits."""
)

from __future__ import annotations

from typing import cast

from observatory.indicators.spec import measure_category_labels
from observatory.publish import charts
from observatory.publish.annex import evidence_section, gaps_section, sources_section
from observatory.publish.data import PublishError, ReleaseData
from observatory.publish.document import Document, FigureTable, Notice, Section, Table, Text
from observatory.publish.figures import Figure
from observatory.publish.palette import one_colour_key
from observatory.publish.profile import FLOW_METHOD
from observatory.publish.routes import deaths_blocks, region_of

DRIVER_INDICATORS = [
    ("gdp_per_capita_ppp", "Income per head (GDP per capita, PPP)"),
    ("population", "Population"),
    ("human_development_index", "Human Development Index"),
    ("fragility_index", "Fragile States Index (0–120, higher = more fragile)"),
    ("brain_drain_index", "Human flight and brain drain (FSI E3, 0–10)"),
    ("idps_conflict", "Internally displaced by conflict and violence"),
    ("idps_disaster", "Internal displacements by disasters"),
]
DRIVER_OBSERVATIONS = [
    ("dependency_ratio", "Age dependency ratio (age structure)"),
    ("unemployment_rate", "Unemployment rate"),
    ("political_stability", "Political stability (WGI)"),
]
# The coded categories shown (new applications, first-instance decisions) are named from the catalogue's declaration,
# so the publication says what the code means in the same words as the portal and the API.
ASYLUM_MEASURES = (
    ("unhcr_refugees", "", "Refugees"),
    ("unhcr_asylum_seekers", "", "Asylum-seekers with pending claims"),
    (
        "unhcr_asylum_applications",
        "N",
        f"Asylum applications: {measure_category_labels('unhcr_asylum_applications').get('N', 'category N')}",
    ),
    (
        "unhcr_asylum_decisions_recognized",
        "FI",
        "Recognised as refugees: "
        + measure_category_labels("unhcr_asylum_decisions_recognized").get("FI", "category FI"),
    ),
)


def _sex_label(figure: Figure) -> str:
    return {"total": "total", "female": "women", "male": "men"}.get(figure.sex, figure.sex)


def overview(data: ReleaseData, origin: str, destination: str) -> Section:
    """Key figures of the corridor."""
    key = {"origin": origin, "destination": destination}
    figures = [
        data.latest("corridor_stock", "Migrants in the corridor (stock)", **key),
        data.latest("corridor_stock", "Women in the corridor", sex="female", **key),
        data.latest("corridor_share_of_origin_emigrants", "Share of the origin's emigrants", **key),
        data.latest("corridor_share_of_destination_immigrants", "Share of the destination's immigrants", **key),
        data.latest(
            "corridor_flow",
            f"Migration flow, 5 years (method {FLOW_METHOD}; range across methods)",
            category=FLOW_METHOD,
            **key,
        ),
        data.latest("sdg_10_c_1", "Cost of sending US$ 200 home (SDG 10.c.1)", **key),
    ]
    figures += [
        data.observation_latest(measure, label, category=category, **key)
        for measure, category, label in ASYLUM_MEASURES[:2]
    ]
    return Section(
        "at-a-glance",
        "At a glance",
        [FigureTable(f"{data.name(origin)} → {data.name(destination)} at a glance", figures)],
    )


def stock_section(data: ReleaseData, origin: str, destination: str) -> Section:
    """Stock over time by sex and its change per period."""
    key = {"origin": origin, "destination": destination}
    series = data.series("corridor_stock", sex=None, **key)
    blocks: list = []
    if series:
        blocks.append(
            charts.time_series(
                series,
                f"Migrants born in {data.name(origin)} living in {data.name(destination)}, by sex",
                series_of=_sex_label,
                y_title="persons",
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
                or data.missing("corridor_stock_change", reason="first year of the series", year=f.year, **key),
                shares_o.get(f.year) or data.missing("corridor_share_of_origin_emigrants", year=f.year, **key),
                shares_d.get(f.year) or data.missing("corridor_share_of_destination_immigrants", year=f.year, **key),
            ]
            for f in series
            if f.sex == "total"
        ]
        blocks.append(
            Table(
                "Corridor stock, change over the previous five years and shares",
                ["Year", "Migrants", "Change", "Share of origin's emigrants", "Share of destination's immigrants"],
                rows,
            )
        )
    else:
        blocks.append(Notice("No bilateral migrant stock for this corridor in this release."))
    return Section("stock", "Migrants in the corridor", blocks, level=3)


def flow_section(data: ReleaseData, origin: str, destination: str) -> Section:
    """Flow estimates per period with the range across methods."""
    key = {"origin": origin, "destination": destination}
    flows = data.series("corridor_flow", "Flow", category=FLOW_METHOD, **key)
    if not flows:
        return Section(
            "flows", "Flow estimates", [Notice("No flow estimate for this corridor in this release.")], level=3
        )
    reverse = data.series(
        "corridor_flow", "Return direction", origin=destination, destination=origin, category=FLOW_METHOD
    )
    blocks = [
        charts.time_series(
            flows + reverse,
            "Estimated migration flows in both directions (band: range across methods)",
            series_of=lambda f: f"{data.name(f.origin)} → {data.name(f.destination)}",
            y_title="persons per period",
            cache=data.chart_cache,
        ),
        Table(
            "Flow estimates per period",
            ["Period", f"{data.name(origin)} → {data.name(destination)}"],
            [[f.when, f] for f in flows],
            note=f"Value: {FLOW_METHOD} estimate (Abel & Cohen 2022); range: lowest and highest estimate across "
            "methods.",
        ),
    ]
    return Section("flows", "Flow estimates", blocks, level=3)


def asylum_section(data: ReleaseData, origin: str, destination: str) -> Section:
    """Refugees and asylum along the corridor (UNHCR observations)."""
    key = {"origin": origin, "destination": destination}
    series = []
    for measure, category, label in ASYLUM_MEASURES:
        series += [
            f for f in data.observation_series(measure, label, category=category, **key) if cast(int, f.year) >= 2000
        ]
    if not series:
        return Section(
            "asylum",
            "Refugees and asylum along the corridor",
            [Notice("UNHCR reports no refugees, asylum-seekers or asylum applications for this corridor.")],
            level=3,
        )
    latest = [
        data.observation_latest(measure, label, category=category, **key)
        for measure, category, label in ASYLUM_MEASURES
    ]
    return Section(
        "asylum",
        "Refugees and asylum along the corridor",
        [
            FigureTable("Refugees and asylum, latest year", latest),
            charts.time_series(
                series,
                "Refugees, asylum-seekers and asylum decisions along the corridor",
                y_title="persons",
                cache=data.chart_cache,
            ),
        ],
        level=3,
    )


def drivers_section(data: ReleaseData, origin: str, destination: str) -> Section:
    """Causes: drivers at both ends side by side."""
    rows = []
    for indicator, label in DRIVER_INDICATORS:
        rows.append(
            [label, data.latest(indicator, label, area=origin), data.latest(indicator, label, area=destination)]
        )
    for measure, label in DRIVER_OBSERVATIONS:
        rows.append(
            [
                label,
                data.observation_latest(measure, label, area=origin),
                data.observation_latest(measure, label, area=destination),
            ]
        )
    blocks = [
        Text(
            [
                "Migration along a corridor follows differences in income, safety and demography. The table sets the "
                "two ends side by side (latest year available for each; years may differ)."
            ]
        ),
        Table("Drivers at origin and destination", ["Driver", data.name(origin), data.name(destination)], rows),
    ]
    return Section("causes", "Causes: drivers at both ends", blocks)


def costs_section(data: ReleaseData, origin: str, destination: str) -> Section:
    """Costs: remittance prices and deaths on routes linking the two regions."""
    key = {"origin": origin, "destination": destination}
    blocks: list = []
    cost = data.series("sdg_10_c_1", "Average cost", period="", **key)
    if cost:
        blocks.append(
            charts.time_series(
                cost,
                f"Cost of sending US$ 200 from {data.name(destination)} to {data.name(origin)} (SDG 10.c.1)",
                y_title="percent of amount sent",
                height=140,
                cache=data.chart_cache,
            )
        )
        blocks.append(
            Text(["Latest yearly average: ", cost[-1], f" ({cost[-1].when}); SDG target 10.c: below 3 % by 2030."])
        )
    else:
        blocks.append(
            Notice(
                "This corridor is not covered by the World Bank's Remittance Prices Worldwide (no SDG 10.c.1 value)."
            )
        )
    blocks += nationals_blocks(data, origin, destination)
    regions = [r for r in (region_of(data, origin), region_of(data, destination)) if r]
    unique = list({r["code"]: r for r in regions}.values())
    blocks += deaths_blocks(data, unique, "regions of origin and destination")
    return Section("costs", "Costs: remittance prices, irregular crossings and deaths on the way", blocks)


def nationals_blocks(data: ReleaseData, origin: str, destination: str) -> list:
    """Nationals of the origin recorded dead or missing (any route) and detected crossing irregularly, by series."""
    name = data.name(origin)
    blocks: list = []
    deaths = data.series(
        "sdg_10_7_3_nationality", f"Nationals of {name} recorded dead or missing", area=origin, category=""
    )
    if deaths:
        blocks.append(
            Table(
                f"Nationals of {name} recorded dead or missing on migration routes (all routes, SDG 10.7.3)",
                ["Year", "Dead or missing"],
                [[f.when, f] for f in deaths[-6:]],
                note="A minimum: only recorded deaths; people whose nationality is unknown or who were recorded "
                "with several nationalities are not counted here (IOM Missing Migrants Project).",
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
                            "irregular_border_crossings", area=origin, category=series, year=year, reason="not recorded"
                        ),
                    )
                    for year in years
                ],
            ]
            for series, figures in sorted(by_series.items())
        ]
        blocks.append(
            Table(
                f"Nationals of {name} recorded crossing borders irregularly, by recording series",
                ["Series", *[next((f.when for f in crossings if f.year == year), str(year)) for year in years]],
                rows,
                note="Each series has its own definition (detections, encounters, transits: events, not people); "
                "they are never added together.",
            )
        )
    if not blocks:
        blocks.append(Notice(f"No deaths or irregular crossings of nationals of {name} are recorded in this release."))
    return blocks


def benefits_section(data: ReleaseData, origin: str, destination: str) -> Section:
    """Benefits: remittances paid by the destination and received by the origin."""
    figures = [
        data.latest("remittances_received_usd", f"Remittances received by {data.name(origin)}", area=origin),
        data.latest("sdg_17_3_2", f"Remittances received by {data.name(origin)}, share of GDP", area=origin),
        data.latest(
            "remittances_per_emigrant_usd", f"Remittances received by {data.name(origin)} per emigrant", area=origin
        ),
        data.latest(
            "remittances_paid_usd", f"Remittances paid by {data.name(destination)} (all destinations)", area=destination
        ),
    ]
    series = data.series("remittances_received_usd", f"Received by {data.name(origin)}", area=origin) + data.series(
        "remittances_paid_usd", f"Paid by {data.name(destination)}", area=destination
    )
    bilateral = data.latest(
        "remittances_bilateral_usd",
        f"Sent home by migrants from {data.name(origin)} in {data.name(destination)}",
        origin=origin,
        destination=destination,
    )
    blocks: list = [FigureTable("Remittances in the corridor and at both ends", [bilateral, *figures])]
    if len(series) > 1:
        blocks.append(
            charts.time_series(
                series,
                "Personal remittances at both ends of the corridor",
                y_title="current US$",
                cache=data.chart_cache,
            )
        )
    blocks.append(
        Text(
            [
                "The corridor's remittances are a model estimate (KNOMAD/World Bank bilateral remittance matrix, "
                "from migrant stocks and incomes at both ends), not a recorded flow; the other figures are country "
                "totals recorded in balance-of-payments statistics."
            ],
            style="small",
        )
    )
    return Section("benefits", "Benefits: remittances", blocks)


@one_colour_key
def corridor_profile(data: ReleaseData, origin: str, destination: str) -> Document:
    """The corridor profile of origin → destination (keyed by the direction of migration)."""
    origin, destination = origin.upper(), destination.upper()
    if origin == destination:
        raise PublishError("a corridor needs two different areas")
    o, d = data.area(origin), data.area(destination)
    document = Document(
        kind="corridor-profile",
        title=f"Corridor: {o['name']} → {d['name']}",
        subtitle="Causes, costs and benefits of migration along one corridor",
        release_id=data.release_id,
        meta={"origin": origin, "destination": destination, "origin_name": o["name"], "destination_name": d["name"]},
    )
    document.sections = [
        overview(data, origin, destination),
        Section("corridor", "The corridor", []),
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
