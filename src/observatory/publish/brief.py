(
    """Two-page policy briefs: three to five key messages from the data, two charts and a map, for a country or a """
    """corridor."""
)

from __future__ import annotations

from observatory.publish import charts
from observatory.publish.annex import sources_section
from observatory.publish.corridor import FLOW_METHOD, drivers_section, overview
from observatory.publish.data import PublishError, ReleaseData
from observatory.publish.document import Bullets, Document, FigureTable, Notice, Section, Table, Text, gaps
from observatory.publish.figures import Figure
from observatory.publish.palette import one_colour_key
from observatory.publish.profile import at_a_glance

MAX_MESSAGES = 5
MIN_MESSAGES = 3
# Heights (px) that keep the map and both charts on page 1 under five key messages; page 2 holds the tables.
BRIEF_MAP_HEIGHT = 150
BRIEF_CHART_HEIGHT = 115
TOP_CORRIDORS = 5  # rows of the brief's corridor table: the second page holds it with the key figures and sources


def _year(figure: Figure) -> str:
    return f" in {figure.when}" if figure.when else ""


def country_messages(data: ReleaseData, code: str) -> list[list]:
    """Key messages for a country, most informative first; each carries its numbers (and so its sources)."""
    name = data.name(code)
    stock = data.latest("migrant_stock", area=code)
    share = data.latest("migrant_share_of_population", area=code)
    emigrants = data.latest("emigrant_stock", area=code)
    top = data.ranked("corridor_stock", by="origin", code=code, limit=1)
    hosted = data.latest("refugees_hosted", area=code)
    fled = data.latest("refugees_by_origin", area=code)
    received = data.latest("remittances_received_usd", area=code)
    paid = data.latest("remittances_paid_usd", area=code)
    gdp_share = data.latest("sdg_17_3_2", area=code)
    idps = data.latest("idps_conflict", area=code)
    messages = []
    if not stock.missing:
        messages.append(
            [f"{name} was home to ", stock, f" international migrants{_year(stock)}, ", share, " of its population."]
        )
    if not emigrants.missing:
        where = [f"; the largest group lives in {top[0].label} (", top[0], ")"] if top else []
        messages.append(["People born in ", name, " living abroad numbered ", emigrants, _year(emigrants), *where, "."])
    if not hosted.missing and not fled.missing:
        messages.append(
            [
                f"{name} hosted ",
                hosted,
                f" refugees{_year(hosted)}, while ",
                fled,
                f" refugees from {name} were abroad{_year(fled)}.",
            ]
        )
    elif not hosted.missing or not fled.missing:
        messages.append(
            [f"{name} hosted ", hosted, f" refugees{_year(hosted)}."]
            if not hosted.missing
            else ["Refugees from ", name, " abroad: ", fled, f"{_year(fled)}."]
        )
    if not received.missing:
        # Received = money sent to the country by its people abroad; paid = money sent out by migrants living in it.
        sent_out = (
            [f"; migrants living in {name} sent ", paid, f" to other countries{_year(paid)}"]
            if not paid.missing
            else []
        )
        messages.append(
            [
                f"{name} received ",
                received,
                f" in remittances{_year(received)}, ",
                gdp_share,
                " of its GDP",
                *sent_out,
                ".",
            ]
        )
    if not idps.missing and idps.value:
        messages.append(["Conflict and violence kept ", idps, f" people internally displaced{_year(idps)}."])
    if len(messages) < MIN_MESSAGES:
        for figure in (stock, emigrants, received):
            if figure.missing and len(messages) < MIN_MESSAGES:
                messages.append([f"Data gap — {figure.label.lower()}: ", figure, "."])
    return messages[:MAX_MESSAGES]


def corridor_messages(data: ReleaseData, origin: str, destination: str) -> list[list]:
    """Key messages for a corridor."""
    o, d = data.name(origin), data.name(destination)
    key = {"origin": origin, "destination": destination}
    stock = data.latest("corridor_stock", **key)
    share_o = data.latest("corridor_share_of_origin_emigrants", **key)
    share_d = data.latest("corridor_share_of_destination_immigrants", **key)
    flow = data.latest("corridor_flow", category=FLOW_METHOD, **key)
    cost = data.latest("sdg_10_c_1", **key)
    refugees = data.observation_latest("unhcr_refugees", category="", **key)
    income_o = data.latest("gdp_per_capita_ppp", area=origin)
    income_d = data.latest("gdp_per_capita_ppp", area=destination)
    messages = []
    if not stock.missing:
        messages.append(
            [
                f"{stock.when}: ",
                stock,
                f" people born in {o} lived in {d} — ",
                share_o,
                f" of all emigrants from {o} and ",
                share_d,
                f" of all immigrants in {d}.",
            ]
        )
    if not flow.missing:
        messages.append(
            [
                "An estimated ",
                flow,
                f" people moved from {o} to {d} in {flow.when}; estimation methods disagree widely.",
            ]
        )
    if not cost.missing:
        messages.append(
            [f"Sending US$ 200 from {d} to {o} cost ", cost, f" of the amount{_year(cost)} (SDG target: below 3 %)."]
        )
    if not refugees.missing:
        messages.append([f"{d} hosted ", refugees, f" refugees from {o}{_year(refugees)}."])
    if not income_o.missing and not income_d.missing:
        messages.append(["Income per head (PPP): ", income_o, f" in {o} against ", income_d, f" in {d}."])
    if len(messages) < MIN_MESSAGES:
        for figure in (stock, flow, cost):
            if figure.missing and len(messages) < MIN_MESSAGES:
                messages.append([f"Data gap — {figure.label.lower()}: ", figure, "."])
    return messages[:MAX_MESSAGES]


@one_colour_key
def country_brief(data: ReleaseData, code: str) -> Document:
    """A two-page brief on a country."""
    code = code.upper()
    area = data.area(code)
    name = area["name"]
    document = Document(
        kind="brief",
        title=f"{name}: migration in brief",
        subtitle="Key messages for policy makers",
        release_id=data.release_id,
        meta={"area": code, "name": name},
    )
    blocks: list = [Bullets([m for m in country_messages(data, code)], style="messages")]
    visuals: list = []
    destinations = data.ranked("corridor_stock", by="origin", code=code, limit=200)
    if destinations:
        world = (
            charts.choropleth(
                data.settings,
                destinations,
                data.m49_codes(),
                f"Where emigrants from {name} live, {destinations[0].when}",
                highlight=[code],
                legend="emigrants",
                height=BRIEF_MAP_HEIGHT,
                code_of=lambda f: f.destination,
                cache=data.chart_cache,
            )
            if data.settings
            else None
        )
        if world:
            visuals.append(world)
    trend = data.series("migrant_stock", "Immigrants", area=code) + data.series(
        "emigrant_stock", "Emigrants", area=code
    )
    if trend:
        visuals.append(
            charts.time_series(
                trend,
                f"Immigrants and emigrants of {name}",
                y_title="persons",
                width=220,
                height=BRIEF_CHART_HEIGHT,
                wide=False,
                cache=data.chart_cache,
            )
        )
    if destinations:
        visuals.append(
            charts.bars(
                destinations[:6],
                f"Top destinations of emigrants from {name}",
                width=200,
                wide=False,
                cache=data.chart_cache,
            )
        )
    else:
        origins = data.ranked("corridor_stock", by="destination", code=code, limit=6)
        if origins:
            visuals.append(
                charts.bars(
                    origins, f"Top origins of immigrants in {name}", width=200, wide=False, cache=data.chart_cache
                )
            )
    if len(visuals) < 2:
        blocks.append(Notice(f"Too few data for {name} in this release to draw the usual charts."))
    document.sections = [
        Section("messages", "Key messages", blocks),
        Section("figures", "In pictures", visuals),
        _key_figures(at_a_glance(data, code), f"{name} in figures"),
    ]
    corridors = corridor_table(data, code)
    if corridors:
        document.sections.append(Section("corridors", "Main corridors", [corridors]))
    return _close(document, data)


def _key_figures(section: Section, caption: str) -> Section:
    """The profile's at-a-glance table (the same figures as the profile) as the brief's second-page overview."""
    figures = [f for block in section.blocks if isinstance(block, FigureTable) for f in block.figures]
    return Section("key-figures", "Key figures", [FigureTable(caption, figures)])


def corridor_table(data: ReleaseData, code: str) -> Table | None:
    """The largest corridors out of and into a country side by side (None when the release has neither)."""
    out = data.ranked("corridor_stock", by="origin", code=code, limit=TOP_CORRIDORS)
    into = data.ranked("corridor_stock", by="destination", code=code, limit=TOP_CORRIDORS)
    if not out and not into:
        return None
    rows = [
        [
            out[n].label if n < len(out) else "",
            out[n] if n < len(out) else "",
            into[n].label if n < len(into) else "",
            into[n] if n < len(into) else "",
        ]
        for n in range(max(len(out), len(into)))
    ]
    when = (out or into)[0].when
    return Table(
        f"Largest corridors of {data.name(code)}, {when}",
        ["Where emigrants live", "Emigrants", "Where immigrants come from", "Immigrants"],
        rows,
        widths=[31, 19, 31, 19],
    )


@one_colour_key
def corridor_brief(data: ReleaseData, origin: str, destination: str) -> Document:
    """A two-page brief on a corridor."""
    origin, destination = origin.upper(), destination.upper()
    if origin == destination:
        raise PublishError("a corridor needs two different areas")
    o, d = data.name(origin), data.name(destination)
    for code in (origin, destination):
        data.area(code)
    document = Document(
        kind="brief",
        title=f"{o} → {d}: the corridor in brief",
        subtitle="Key messages for policy makers",
        release_id=data.release_id,
        meta={"origin": origin, "destination": destination},
    )
    key = {"origin": origin, "destination": destination}
    visuals: list = []
    stock = data.series("corridor_stock", sex=None, **key)
    if stock:
        visuals.append(
            charts.time_series(
                stock,
                "Migrants in the corridor by sex",
                width=220,
                height=BRIEF_CHART_HEIGHT,
                wide=False,
                series_of=lambda f: {"female": "women", "male": "men"}.get(f.sex, f.sex),
                cache=data.chart_cache,
            )
        )
    flows = data.series("corridor_flow", "Flow", category=FLOW_METHOD, **key)
    cost = data.series("sdg_10_c_1", "Cost", period="", **key)
    if cost:
        visuals.append(
            charts.time_series(
                cost,
                "Cost of sending US$ 200 (%)",
                width=220,
                height=BRIEF_CHART_HEIGHT,
                wide=False,
                cache=data.chart_cache,
            )
        )
    elif flows:
        visuals.append(
            charts.time_series(
                flows,
                "Estimated flows (band: range across methods)",
                width=220,
                height=BRIEF_CHART_HEIGHT,
                wide=False,
                cache=data.chart_cache,
            )
        )
    destinations = data.ranked("corridor_stock", by="origin", code=origin, limit=200)
    if destinations and data.settings:
        world = charts.choropleth(
            data.settings,
            destinations,
            data.m49_codes(),
            f"Where emigrants from {o} live, {destinations[0].when}",
            highlight=[origin, destination],
            legend="emigrants",
            height=BRIEF_MAP_HEIGHT,
            code_of=lambda f: f.destination,
            cache=data.chart_cache,
        )
        if world:
            visuals.insert(0, world)
    glance = overview(data, origin, destination)
    drivers = [b for b in drivers_section(data, origin, destination).blocks if isinstance(b, Table)]
    document.sections = [
        Section("messages", "Key messages", [Bullets(corridor_messages(data, origin, destination), style="messages")]),
        Section("figures", "In pictures", visuals),
        _key_figures(glance, f"{o} → {d} in figures"),
        Section("causes", "Drivers at both ends", drivers),
    ]
    return _close(document, data)


def _close(document: Document, data: ReleaseData) -> Document:
    """Gaps in one line and the compact sources list."""
    missing = gaps(document)
    if missing:
        text = "; ".join(f"{f.label} ({f.reason})" for f in missing[:4])
        document.sections[0].blocks.append(Text([f"Data gaps: {text}."], style="small"))
    document.sections.append(sources_section(document, data, title="Sources", compact=True))
    return document
