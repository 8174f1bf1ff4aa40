(
    """Portal pages of the publications catalogue, findings and gap map; profiles and briefs of every country and """
    """corridor made on demand; the context the country and corridor pages show of them."""
)

from __future__ import annotations

import html
import re
from typing import Annotated, Any

from babel import Locale, UnknownLocaleError
from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse

from observatory.api.deps import AppSettings, Release, check_area
from observatory.api.problems import ApiProblem, not_found
from observatory.api.queries.catalogue import cite
from observatory.api.queries.external import publication_files
from observatory.api.routers.findings import FINDING_ID, findings_list, gap_table
from observatory.i18n.languages import route
from observatory.i18n.messages import gettext_for
from observatory.publish.catalogue import FORMAT_TYPES, SERIES, get_publication, search_publications
from observatory.publish.figures import display
from observatory.publish.on_demand import FORMATS, Busy, Wanted, ensure_publication, kept_publication
from observatory.settings import Settings
from observatory.web.templating import N_, gettext_of, language_of, place_name, render

router = APIRouter(include_in_schema=False)
FORMAT_NAMES = {"pdf": "PDF", "html": "HTML", "md": "Markdown", "json": "JSON"}
KIND_NAMES = {"profile": N_("Profile"), "brief": N_("Brief")}
CORRIDOR_SECTIONS = ("refugees", "causes", "costs", "benefits")  # what the corridor profile has beyond the stock
# The catalogue's series titles (publish.catalogue.SERIES), marked here for the portal's catalogues; a test holds the
# two lists equal.
SERIES_TITLE_MESSAGES = (
    N_("Migration Profiles"),
    N_("Corridor Profiles"),
    N_("Policy Briefs"),
    N_("Thematic Reports"),
    N_("Assessment Reports"),
    N_("Dialogue Records"),
    N_("Background Papers"),
)


def language_name(code: str | None, lang: str) -> str:
    """A publication's language named in the page's language (CLDR), or its code when Babel does not know it."""
    if not code:
        return "—"
    try:
        return Locale.parse(code).get_display_name(lang) or code
    except (ValueError, UnknownLocaleError):
        return code


def _served(settings: Settings, handle, wanted: Wanted, fmt: str, name: str) -> FileResponse:
    """The publication file (rendered now if this release has none yet); 503 when every render slot stays busy."""
    try:
        path = ensure_publication(settings, handle.release_id, wanted, fmt)
    except Busy:
        raise ApiProblem(503, "Busy", "publications are being rendered; try again in a minute") from None
    disposition = "attachment" if fmt in ("md", "json") else "inline"
    return FileResponse(
        path,
        media_type=FORMAT_TYPES[fmt],
        filename=f"{name}-{handle.release_id}.{fmt}",
        content_disposition_type=disposition,
    )


def _file_name(name: str, lang: str) -> str:
    """The download's name: SEN-brief in English, SEN-brief-fr in another language."""
    return name if lang == "en" else f"{name}-{lang}"


def _format(fmt: str) -> str:
    """A known format, else 404."""
    if fmt not in FORMATS:
        raise not_found("format", fmt, f"one of {', '.join(FORMATS)}")
    return fmt


@router.get("/countries/{code}/{kind}.{fmt}")
def country_publication(request: Request, code: str, kind: str, fmt: str, handle: Release, settings: AppSettings):
    """A country's profile or brief as PDF, HTML, Markdown or JSON, in the language of the address (/fr/...)."""
    if kind not in KIND_NAMES:
        raise not_found("publication", kind, "profile or brief")
    area = check_area(handle, code.upper())
    assert area is not None
    lang = language_of(request)
    return _served(
        settings, handle, Wanted(kind, area=area, lang=lang), _format(fmt), _file_name(f"{area}-{kind}", lang)
    )


@router.get("/corridors/{origin}/{destination}/{kind}.{fmt}")
def corridor_publication(
    request: Request, origin: str, destination: str, kind: str, fmt: str, handle: Release, settings: AppSettings
):
    """A corridor's profile or brief as PDF, HTML, Markdown or JSON, in the language of the address (/fr/...)."""
    if kind not in KIND_NAMES:
        raise not_found("publication", kind, "profile or brief")
    start, end = check_area(handle, origin.upper(), "origin"), check_area(handle, destination.upper(), "destination")
    assert start is not None and end is not None
    if start == end:
        raise ApiProblem(400, "Bad request", "a corridor needs two different areas")
    lang = language_of(request)
    wanted = Wanted(kind, origin=start, destination=end, lang=lang)
    return _served(settings, handle, wanted, _format(fmt), _file_name(f"{start}-{end}-{kind}", lang))


def publication_links(settings: Settings, handle, base: str, lang: str = "en", **where: str) -> list[dict[str, Any]]:
    """Profile and brief of a country (area=) or corridor (origin=, destination=): links per format (the page's
    language prefix is added when the page is rendered), and the date and catalogue entry when this release's file in
    the page's language was already made."""
    out = []
    for kind, label in KIND_NAMES.items():
        entry = kept_publication(settings, handle.release_id, Wanted(kind, lang=lang, **where))
        out.append(
            {
                "kind": kind,
                "label": label,
                "entry": entry,
                "links": [{"format": FORMAT_NAMES[f], "url": f"{base}/{kind}.{f}"} for f in FORMATS],
            }
        )
    return out


def _findings_for(settings: Settings, **where: Any) -> list[dict[str, Any]]:
    """Findings about a place, most confident first (none when the library is missing or busy)."""
    try:
        found, _ = findings_list(settings, limit=200, **where)
    except Exception:  # findings are context: a busy or older store never takes a page down
        return []
    return sorted(found, key=lambda f: (-(f["confidence_rank"] or 0), f["id"]))[:8]


def country_publication_context(settings: Settings, handle, code: str, lang: str = "en") -> dict[str, Any]:
    """What the country page shows of publications and findings."""
    return {
        "publications": publication_links(settings, handle, f"/countries/{code}", lang, area=code),
        "findings": _findings_for(settings, area=code),
        "findings_url": f"/findings?area={code}",
    }


def corridor_publication_context(
    settings: Settings, handle, origin: str, destination: str, lang: str = "en"
) -> dict[str, Any]:
    """What the corridor page shows beyond the stock: the profile's refugees, causes, costs and benefits sections (in
    the page's language), the corridor's publications and findings, and the datasets those sections cite."""
    sections, dataset_ids = handle.memo(
        ("corridor_profile_sections", origin, destination, lang),
        lambda: _corridor_sections(settings, handle, origin, destination, lang),
    )
    return {
        "publications": publication_links(
            settings, handle, f"/corridors/{origin}/{destination}", lang, origin=origin, destination=destination
        ),
        "findings": _findings_for(settings, corridor=(origin, destination)),
        "findings_url": f"/findings?origin={origin}&destination={destination}",
        "profile_sections": sections,
        "profile_sources": cite(handle, dataset_ids),
    }


def _chart_html(block, lang: str) -> str:
    """A publication chart for the portal: the SVG as an image with its caption, and its numbers as a table."""
    _ = gettext_for(lang)
    rows = "".join(
        f"<tr><td>{html.escape(f.label or '')}</td><td>{html.escape(f.when or '')}</td>"
        f'<td class="num">{html.escape(_("(no data)") if f.missing else display(f))}</td></tr>'
        for f in block.figures
    )
    caption = html.escape(block.caption)
    summary = html.escape(_("Data table (%(count)s rows)") % {"count": len(block.figures)})
    return (
        f'<figure class="profile-chart"><div class="svg" role="img" aria-label="{caption}">{block.svg}</div>'
        f"<figcaption>{caption}.</figcaption>"
        f'<details class="data-table"><summary>{summary}</summary>'
        f'<div class="table-wrap"><table><caption>{caption}</caption><thead><tr>'
        f'<th scope="col">{html.escape(_("Series"))}</th><th scope="col">{html.escape(_("Year"))}</th>'
        f'<th scope="col">{html.escape(_("Value"))}</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div></details></figure>"
    )


def _corridor_sections(
    settings: Settings, handle, origin: str, destination: str, lang: str
) -> tuple[list[dict], list[str]]:
    """The corridor profile's refugees, causes, costs and benefits sections as HTML, read through the publications'
    reader (so the page and the PDF show the same numbers), with the dataset ids they cite."""
    from observatory.publish import corridor
    from observatory.publish.data import ReleaseData
    from observatory.publish.document import Chart, Document, Section, source_ids
    from observatory.publish.render import Numbering, block_html

    data = ReleaseData(con=handle.connection.cursor(), release_id=handle.release_id, settings=settings, lang=lang)
    try:
        built: list[Section] = [
            corridor.asylum_section(data, origin, destination),
            corridor.drivers_section(data, origin, destination),
            corridor.costs_section(data, origin, destination),
            corridor.benefits_section(data, origin, destination),
        ]
    finally:
        data.close()
    document = Document(kind="corridor-profile", title="", subtitle="", release_id=handle.release_id, sections=built)
    numbering = Numbering(
        Document(kind="none", title="", subtitle="", release_id=handle.release_id, meta={"language": lang})
    )
    # No citation marks: the portal lists the datasets in its footer instead of a numbered annex.
    sections = [
        {
            "id": f"profile-{key}",
            "title": section.title,
            "html": "".join(
                _chart_html(b, lang) if isinstance(b, Chart) else block_html(b, numbering) for b in section.blocks
            ),
        }
        for key, section in zip(CORRIDOR_SECTIONS, built, strict=True)
    ]
    return sections, source_ids(document)


@router.get("/reports")
def reports_page(
    request: Request,
    handle: Release,
    settings: AppSettings,
    q: Annotated[str | None, Query(max_length=300)] = None,
    series: Annotated[str | None, Query(max_length=4)] = None,
):
    """The publications catalogue: every generated or imported publication, searchable, with its formats."""
    chosen = series if series in SERIES else None
    entries, total = search_publications(settings, q, series=chosen, limit=500)
    catalogued = {f["path"] for e in entries for f in e["formats"]}
    others = [f for f in publication_files(settings) if f["path"] not in catalogued and not q and not chosen]
    return render(
        request,
        handle,
        "reports.html",
        title=gettext_of(request)("Reports and briefs"),
        entries=entries,
        total=total,
        q=q or "",
        series=chosen,
        series_titles={code: title for code, (title, _) in SERIES.items()},
        language_name=lambda code: language_name(code, language_of(request)),
        files=others,
    )


@router.get("/reports/{entry_id}")
def report_entry(request: Request, entry_id: str, handle: Release, settings: AppSettings):
    """One catalogue entry: its series and number, metadata and every format."""
    entry = get_publication(settings, entry_id)
    if entry is None:
        raise not_found("publication", entry_id, "see /reports")
    lang = language_of(request)
    return render(
        request,
        handle,
        "publication.html",
        title=entry["title"],
        title_lang=entry.get("language"),
        entry=entry,
        language_name=lambda code: language_name(code, lang),
    )


@router.get("/findings")
def findings_page(
    request: Request,
    handle: Release,
    settings: AppSettings,
    q: Annotated[str | None, Query(max_length=300)] = None,
    confidence: Annotated[str | None, Query(max_length=12)] = None,
    area: Annotated[str | None, Query(max_length=64)] = None,
    origin: Annotated[str | None, Query(max_length=64)] = None,
    destination: Annotated[str | None, Query(max_length=64)] = None,
):
    """Findings of the evidence library with their calibrated confidence, filtered by words, confidence and place."""
    from observatory.evidence.findings import CONFIDENCE_LEVELS

    area = check_area(handle, area or None)
    origin, destination = check_area(handle, origin or None, "origin"), check_area(handle, destination or None)
    corridor = (origin, destination) if origin and destination else None
    level = confidence if confidence in CONFIDENCE_LEVELS else None
    found, _ = findings_list(settings, q, level, area, corridor, 500)
    lang = language_of(request)
    place = (
        route((place_name(handle, corridor[0], lang), place_name(handle, corridor[1], lang)), lang)
        if corridor
        else place_name(handle, area, lang)
        if area
        else None
    )
    return render(
        request,
        handle,
        "findings.html",
        title=gettext_of(request)("Findings"),
        findings=found,
        q=q or "",
        confidence=level,
        levels=CONFIDENCE_LEVELS,
        about_place=place,
    )


@router.get("/findings/{finding_id}")
def finding_page(request: Request, finding_id: str, handle: Release, settings: AppSettings):
    """One finding: statement, likelihood, confidence, evidence and agreement, and each reference with its stance."""
    from observatory.api.routers.findings import _store
    from observatory.evidence.findings import finding_detail

    store = _store(settings)
    if store is None or not re.fullmatch(FINDING_ID, finding_id):
        raise not_found("finding", finding_id, "see /findings")
    try:
        detail = finding_detail(finding_id, store)
    except KeyError:
        raise not_found("finding", finding_id, "see /findings") from None
    lang = language_of(request)
    places = [{"code": p, "name": _place_name(handle, p, lang)} for p in detail["places"]]
    return render(request, handle, "finding.html", title=gettext_for(lang)("Finding"), finding=detail, places=places)


def _place_name(handle, value: str, lang: str = "en") -> str:
    """A country code or an O-D corridor as names in `lang`."""
    if "-" in value:
        start, _, end = value.partition("-")
        return route((place_name(handle, start, lang), place_name(handle, end, lang)), lang)
    return place_name(handle, value, lang)


@router.get("/gaps")
def gaps_page(
    request: Request,
    handle: Release,
    settings: AppSettings,
    by: Annotated[str, Query(pattern="^(region|gcm)$")] = "region",
):
    """The knowledge-gap map: evidence records per theme and region (or GCM objective) per million migrants."""
    from observatory.evidence.gaps import render_svg

    table, _ = gap_table(settings, by)
    emptiest = table[table["migrants"] > 0].head(15).to_dict("records")
    return render(
        request,
        handle,
        "gaps.html",
        title=gettext_of(request)("Knowledge gaps"),
        by=by,
        svg=render_svg(table, title=f"Evidence coverage: themes x {'regions' if by == 'region' else 'GCM objectives'}"),
        emptiest=emptiest,
        cells=len(table),
        records=int(table["records"].sum()),
    )
