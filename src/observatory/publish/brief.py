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
from observatory.publish.language import sentence, text
from observatory.publish.palette import one_colour_key
from observatory.publish.profile import at_a_glance, sex_label

MAX_MESSAGES = 5
MIN_MESSAGES = 3
# Heights (px) that keep the map and both charts on page 1 under five key messages; page 2 holds the tables.
BRIEF_MAP_HEIGHT = 150
BRIEF_CHART_HEIGHT = 115
TOP_CORRIDORS = 5  # rows of the brief's corridor table: the second page holds it with the key figures and sources


def _year(figure: Figure) -> str:
    """The year (or period) a figure is for ('—' for a missing one, whose reason follows it)."""
    return figure.when or "—"


def _gap(data: ReleaseData, figure: Figure) -> list:
    """A key message saying a figure is missing (its reason follows the 'no data')."""
    return sentence(data._("Data gap — %(what)s: %(figure)s."), what=figure.label, figure=figure)


def country_messages(data: ReleaseData, code: str) -> list[list]:
    """Key messages for a country, most informative first; each carries its numbers (and so its sources)."""
    _ = data._
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
            sentence(
                _("%(country)s was home to %(stock)s international migrants in %(year)s, %(share)s of its population."),
                country=name,
                stock=stock,
                year=_year(stock),
                share=share,
            )
        )
    if not emigrants.missing:
        messages.append(
            sentence(
                _(
                    "People born in %(country)s living abroad numbered %(emigrants)s in %(year)s; the largest group "
                    "lives in %(destination)s (%(largest)s)."
                ),
                country=name,
                emigrants=emigrants,
                year=_year(emigrants),
                destination=top[0].label,
                largest=top[0],
            )
            if top
            else sentence(
                _("People born in %(country)s living abroad numbered %(emigrants)s in %(year)s."),
                country=name,
                emigrants=emigrants,
                year=_year(emigrants),
            )
        )
    if not hosted.missing and not fled.missing:
        messages.append(
            sentence(
                _(
                    "%(country)s hosted %(hosted)s refugees in %(year)s, while %(abroad)s refugees from "
                    "%(country)s were abroad in %(year_abroad)s."
                ),
                country=name,
                hosted=hosted,
                year=_year(hosted),
                abroad=fled,
                year_abroad=_year(fled),
            )
        )
    elif not hosted.missing:
        messages.append(
            sentence(
                _("%(country)s hosted %(hosted)s refugees in %(year)s."),
                country=name,
                hosted=hosted,
                year=_year(hosted),
            )
        )
    elif not fled.missing:
        messages.append(
            sentence(
                _("Refugees from %(country)s abroad: %(abroad)s in %(year)s."),
                country=name,
                abroad=fled,
                year=_year(fled),
            )
        )
    if not received.missing:
        # Received = money sent to the country by its people abroad; paid = money sent out by migrants living in it.
        messages.append(
            sentence(
                _(
                    "%(country)s received %(received)s in remittances in %(year)s, %(share)s of its GDP; migrants "
                    "living in %(country)s sent %(paid)s to other countries in %(year_paid)s."
                ),
                country=name,
                received=received,
                year=_year(received),
                share=gdp_share,
                paid=paid,
                year_paid=_year(paid),
            )
            if not paid.missing
            else sentence(
                _("%(country)s received %(received)s in remittances in %(year)s, %(share)s of its GDP."),
                country=name,
                received=received,
                year=_year(received),
                share=gdp_share,
            )
        )
    if not idps.missing and idps.value:
        messages.append(
            sentence(
                _("Conflict and violence kept %(displaced)s people internally displaced in %(year)s."),
                displaced=idps,
                year=_year(idps),
            )
        )
    if len(messages) < MIN_MESSAGES:
        for figure in (stock, emigrants, received):
            if figure.missing and len(messages) < MIN_MESSAGES:
                messages.append(_gap(data, figure))
    return messages[:MAX_MESSAGES]


def corridor_messages(data: ReleaseData, origin: str, destination: str) -> list[list]:
    """Key messages for a corridor."""
    _ = data._
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
    places = {"origin": o, "destination": d}
    if not stock.missing:
        messages.append(
            sentence(
                _(
                    "%(year)s: %(stock)s people born in %(origin)s lived in %(destination)s — %(share_origin)s of "
                    "all emigrants from %(origin)s and %(share_destination)s of all immigrants in %(destination)s."
                ),
                year=_year(stock),
                stock=stock,
                share_origin=share_o,
                share_destination=share_d,
                **places,
            )
        )
    if not flow.missing:
        messages.append(
            sentence(
                _(
                    "An estimated %(flow)s people moved from %(origin)s to %(destination)s in %(period)s; estimation "
                    "methods disagree widely."
                ),
                flow=flow,
                period=_year(flow),
                **places,
            )
        )
    if not cost.missing:
        messages.append(
            sentence(
                _(
                    "Sending US$ 200 from %(destination)s to %(origin)s cost %(cost)s of the amount in %(year)s "
                    "(SDG target: below 3 %%)."
                ),
                cost=cost,
                year=_year(cost),
                **places,
            )
        )
    if not refugees.missing:
        messages.append(
            sentence(
                _("%(destination)s hosted %(refugees)s refugees from %(origin)s in %(year)s."),
                refugees=refugees,
                year=_year(refugees),
                **places,
            )
        )
    if not income_o.missing and not income_d.missing:
        messages.append(
            sentence(
                _(
                    "Income per head (PPP): %(income_origin)s in %(origin)s against %(income_destination)s in "
                    "%(destination)s."
                ),
                income_origin=income_o,
                income_destination=income_d,
                **places,
            )
        )
    if len(messages) < MIN_MESSAGES:
        for figure in (stock, flow, cost):
            if figure.missing and len(messages) < MIN_MESSAGES:
                messages.append(_gap(data, figure))
    return messages[:MAX_MESSAGES]


@one_colour_key
def country_brief(data: ReleaseData, code: str) -> Document:
    """A two-page brief on a country."""
    code = code.upper()
    data.area(code)  # PublishError for an unknown code
    _ = data._
    name = data.name(code)
    document = Document(
        kind="brief",
        title=text(_("%(country)s: migration in brief"), country=name),
        subtitle=_("Key messages for policy makers"),
        release_id=data.release_id,
        meta={"area": code, "name": name, "language": data.lang},
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
                text(_("Where emigrants from %(country)s live, %(year)s"), country=name, year=destinations[0].when),
                highlight=[code],
                legend=_("emigrants"),
                height=BRIEF_MAP_HEIGHT,
                code_of=lambda f: f.destination,
                cache=data.chart_cache,
            )
            if data.settings
            else None
        )
        if world:
            visuals.append(world)
    trend = data.series("migrant_stock", _("Immigrants"), area=code) + data.series(
        "emigrant_stock", _("Emigrants"), area=code
    )
    if trend:
        visuals.append(
            charts.time_series(
                trend,
                text(_("Immigrants and emigrants of %(country)s"), country=name),
                y_title=_("persons"),
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
                text(_("Top destinations of emigrants from %(country)s"), country=name),
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
                    origins,
                    text(_("Top origins of immigrants in %(country)s"), country=name),
                    width=200,
                    wide=False,
                    cache=data.chart_cache,
                )
            )
    if len(visuals) < 2:
        blocks.append(
            Notice(text(_("Too few data for %(country)s in this release to draw the usual charts."), country=name))
        )
    document.sections = [
        Section("messages", _("Key messages"), blocks),
        Section("figures", _("In pictures"), visuals),
        _key_figures(data, at_a_glance(data, code), text(_("%(country)s in figures"), country=name)),
    ]
    corridors = corridor_table(data, code)
    if corridors:
        document.sections.append(Section("corridors", _("Main corridors"), [corridors]))
    return _close(document, data)


def _key_figures(data: ReleaseData, section: Section, caption: str) -> Section:
    """The profile's at-a-glance table (the same figures as the profile) as the brief's second-page overview."""
    figures = [f for block in section.blocks if isinstance(block, FigureTable) for f in block.figures]
    return Section("key-figures", data._("Key figures"), [FigureTable(caption, figures)])


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
    _ = data._
    return Table(
        text(_("Largest corridors of %(country)s, %(year)s"), country=data.name(code), year=when),
        [_("Where emigrants live"), _("Emigrants"), _("Where immigrants come from"), _("Immigrants")],
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
    _ = data._
    document = Document(
        kind="brief",
        title=text(_("%(origin)s → %(destination)s: the corridor in brief"), origin=o, destination=d),
        subtitle=_("Key messages for policy makers"),
        release_id=data.release_id,
        meta={"origin": origin, "destination": destination, "language": data.lang},
    )
    key = {"origin": origin, "destination": destination}
    visuals: list = []
    stock = data.series("corridor_stock", sex=None, **key)
    if stock:
        visuals.append(
            charts.time_series(
                stock,
                _("Migrants in the corridor by sex"),
                width=220,
                height=BRIEF_CHART_HEIGHT,
                wide=False,
                series_of=sex_label(data),
                cache=data.chart_cache,
            )
        )
    flows = data.series("corridor_flow", _("Flow"), category=FLOW_METHOD, **key)
    cost = data.series("sdg_10_c_1", _("Cost"), period="", **key)
    if cost:
        visuals.append(
            charts.time_series(
                cost,
                _("Cost of sending US$ 200 (%)"),
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
                _("Estimated flows (band: range across methods)"),
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
            text(_("Where emigrants from %(country)s live, %(year)s"), country=o, year=destinations[0].when),
            highlight=[origin, destination],
            legend=_("emigrants"),
            height=BRIEF_MAP_HEIGHT,
            code_of=lambda f: f.destination,
            cache=data.chart_cache,
        )
        if world:
            visuals.insert(0, world)
    glance = overview(data, origin, destination)
    drivers = [b for b in drivers_section(data, origin, destination).blocks if isinstance(b, Table)]
    document.sections = [
        Section(
            "messages", _("Key messages"), [Bullets(corridor_messages(data, origin, destination), style="messages")]
        ),
        Section("figures", _("In pictures"), visuals),
        _key_figures(data, glance, text(_("%(origin)s → %(destination)s in figures"), origin=o, destination=d)),
        Section("causes", _("Drivers at both ends"), drivers),
    ]
    return _close(document, data)


def _close(document: Document, data: ReleaseData) -> Document:
    """Gaps in one line and the compact sources list."""
    missing = gaps(document)
    if missing:
        listed = "; ".join(f"{f.label} ({f.reason})" for f in missing[:4])
        document.sections[0].blocks.append(Text([text(data._("Data gaps: %(gaps)s."), gaps=listed)], style="small"))
    document.sections.append(sources_section(document, data, title=data._("Sources"), compact=True))
    return document
