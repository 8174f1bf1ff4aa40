"""Portal pages of the knowledge layer: directory, people, policies, firewall map, dialogues, assessments."""

from __future__ import annotations

import copy
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from observatory.api.deps import AppSettings, Release
from observatory.api.problems import ApiProblem
from observatory.api.queries.catalogue import area_label, areas
from observatory.api.queries.profiles import latest
from observatory.api.release_cache import ReleaseHandle
from observatory.evidence.store import EvidenceStore
from observatory.i18n.messages import gettext_for
from observatory.knowledge.directory import counts, find_people, institution_page, person_page, theme_labels
from observatory.knowledge.regions import region_names
from observatory.knowledge.store import KnowledgeStore, store_path
from observatory.knowledge.vocab import terms
from observatory.settings import Settings
from observatory.web.charts import world_map
from observatory.web.templating import gettext_of, language_of, place_name, render

router = APIRouter(prefix="/knowledge", include_in_schema=False)
SDG_POLICY_INDICATOR = "sdg_10_7_2"
PAGE_SIZE = 25
Text = Annotated[str | None, Query(max_length=100)]


def _stores(settings: Settings) -> tuple[KnowledgeStore, EvidenceStore]:
    """The knowledge store and the evidence store of the portal's home."""
    return KnowledgeStore(store_path(settings)), EvidenceStore(settings.evidence_dir / "evidence.duckdb")


def _page(request: Request, handle: ReleaseHandle, store: KnowledgeStore, template: str, **context: Any) -> Response:
    """A knowledge page stamped with the store's ETag (it changes with the store, not with the release)."""
    response = render(request, handle, f"knowledge/{template}", **context)
    response.headers["ETag"] = f'"k{store.version()}-{handle.release_id}"'
    response.headers["Cache-Control"] = "no-cache"
    return response


def _not_found(what: str) -> ApiProblem:
    """404 for an unknown id (the id itself is not echoed)."""
    return ApiProblem(404, "Not found", f"no published {what} with that id; see /knowledge")


@router.get("")
def hub(request: Request, handle: Release, settings: AppSettings):
    """What the knowledge layer holds, with links into it."""
    from observatory.knowledge.assessment import list_assessments
    from observatory.knowledge.dialogues import list_themes
    from observatory.knowledge.policies import list_policies

    store, _ = _stores(settings)
    return _page(
        request, handle, store, "hub.html", title=gettext_of(request)("Knowledge: people, policies and dialogues"),
        counts=counts(store),
        policies=len(list_policies(store)), themes=list_themes(store), assessments=list_assessments(store), sources=[],
    )  # fmt: skip


@router.get("/people")
def people(
    request: Request,
    handle: Release,
    settings: AppSettings,
    theme: Text = None,
    region: Text = None,
    q: Text = None,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
):
    """Directory search: who works on a theme in a region."""
    store, _ = _stores(settings)
    try:
        found = find_people(store, theme=theme or None, region=region or None, q=q or None, limit=PAGE_SIZE,
                            offset=offset)  # fmt: skip
    except ValueError as error:
        raise ApiProblem(400, "Invalid search", str(error)) from None
    return _page(
        request, handle, store, "people.html", title=gettext_of(request)("Research directory"), found=found,
        themes=theme_labels(),
        regions=region_names(), q=q or "", page_size=PAGE_SIZE, sources=[],
    )  # fmt: skip


@router.get("/people/{person_id}")
def person(request: Request, person_id: str, handle: Release, settings: AppSettings):
    """A person: records, themes, countries, co-authors, affiliations, history."""
    store, evidence = _stores(settings)
    page = person_page(store, evidence, person_id[:40])
    if page is None:
        raise _not_found("person")
    names = {c["code"]: area_label(handle, c["code"]) for c in page["countries"] if c["code"] in areas(handle)}
    return _page(request, handle, store, "person.html", title=page["name"], person=page, names=names, sources=[])


@router.get("/institutions/{institution_id}")
def institution(request: Request, institution_id: str, handle: Release, settings: AppSettings):
    """An institution: members, issued records, history."""
    store, evidence = _stores(settings)
    page = institution_page(store, evidence, institution_id[:40])
    if page is None:
        raise _not_found("institution")
    return _page(request, handle, store, "institution.html", title=page["name"], institution=page, sources=[])


@router.get("/policies")
def policies(
    request: Request,
    handle: Release,
    settings: AppSettings,
    country: Annotated[str | None, Query(max_length=3)] = None,
    kind: Text = None,
    status: Text = None,
):
    """The policy and practice registry, filtered by country, kind and status."""
    from observatory.knowledge.policies import list_policies

    store, _ = _stores(settings)
    try:
        rows = list_policies(store, country.upper() if country else None, kind or None, status or None)
    except ValueError as error:
        raise ApiProblem(400, "Invalid filter", str(error)) from None
    return _page(
        request, handle, store, "policies.html", title=gettext_of(request)("Policies and practices"), rows=rows,
        kinds=terms("policies.yml", "kinds"), statuses=terms("policies.yml", "statuses"),
        chosen={"country": (country or "").upper(), "kind": kind or "", "status": status or ""}, sources=[],
    )  # fmt: skip


@router.get("/policies/{policy_id}")
def policy(request: Request, policy_id: str, handle: Release, settings: AppSettings):
    """One entry with its source, links and history."""
    from observatory.knowledge.policies import get_policy

    store, _ = _stores(settings)
    entry = get_policy(store, policy_id[:40])
    if entry is None:
        raise _not_found("policy or practice")
    where = area_label(handle, entry["country"]) if entry["country"] in areas(handle) else entry["region"]
    return _page(request, handle, store, "policy.html", title=entry["title"], entry=entry, where=where, sources=[])


def firewall_chart(handle: ReleaseHandle, rows: list[dict[str, Any]], lang: str = "en"):
    """The portal's world map, coloured by the kinds of arrangement recorded (a category, not a quantity)."""
    _ = gettext_for(lang)
    known = areas(handle)
    values = [
        {
            "code": r["country"],
            "name": place_name(handle, r["country"], lang),
            "value": r["entries"],
            "m49": f"{known[r['country']]['m49']:03d}",
            "kinds": " + ".join(r["kind_labels"]),
        }
        for r in rows
        if known.get(r["country"], {}).get("m49")
    ]
    recorded = _("Arrangements recorded")
    chart = world_map(_("Recorded firewall arrangements"), values, recorded, lang=lang)
    spec = copy.deepcopy(chart.spec)
    layer = spec["layer"][1]
    lookup = layer["transform"][0]["from"]
    lookup["data"]["values"] = [
        {"m49": v["m49"], "name": v["name"], "value": v["value"], "url": f"/knowledge/policies?country={v['code']}"
         f"&kind=firewall_arrangement", "kinds": v["kinds"]} for v in values
    ]  # fmt: skip
    lookup["fields"] = [*lookup["fields"], "kinds"]
    layer["encoding"]["color"] = {"field": "kinds", "type": "nominal", "title": _("Kind of arrangement"),
                                  "legend": {"orient": "bottom", "columns": 2}}  # fmt: skip
    layer["encoding"]["tooltip"] = [{"field": "name", "title": _("Country")}, {"field": "kinds", "title": _("Kinds")}]
    chart.spec = spec
    chart.alt = _(
        "World map of the %(count)s countries with a recorded firewall arrangement, coloured by its kind. "
        "The data table below lists every country."
    ) % {"count": len(values)}
    chart.columns = [_("Country"), _("Kinds"), recorded]
    chart.rows = [[v["name"], v["kinds"], v["value"]] for v in values]
    return chart


@router.get("/firewalls")
def firewalls(request: Request, handle: Release, settings: AppSettings):
    """Which countries have a recorded firewall arrangement, of what kind."""
    from observatory.knowledge.policies import firewall_map

    store, _ = _stores(settings)
    rows = firewall_map(store)
    chart = firewall_chart(handle, rows, language_of(request)) if rows else None
    return _page(
        request, handle, store, "firewalls.html", title=gettext_of(request)("Firewall map"), rows=rows, chart=chart,
        kinds=terms("policies.yml", "firewall_kinds"), names={r["country"]: area_label(handle, r["country"])
                                                              for r in rows}, sources=[],
    )  # fmt: skip


@router.get("/dialogues")
def dialogues(request: Request, handle: Release, settings: AppSettings):
    """Dialogue themes (proposed, selected), their endorsements and workshops."""
    from observatory.knowledge.dialogues import list_themes, list_workshops

    store, _ = _stores(settings)
    return _page(
        request, handle, store, "dialogues.html", title=gettext_of(request)("Dialogues"), themes=list_themes(store),
        workshops=list_workshops(store), sources=[],
    )  # fmt: skip


@router.get("/dialogues/themes/{theme_id}")
def dialogue_theme(request: Request, theme_id: str, handle: Release, settings: AppSettings):
    """A theme: rationale, source, member states' positions, workshops, background paper, history."""
    from observatory.knowledge.dialogues import get_theme

    store, _ = _stores(settings)
    found = get_theme(store, theme_id[:80])
    if found is None:
        raise _not_found("dialogue theme")
    return _page(request, handle, store, "theme.html", title=found["title"], theme=found, sources=[])


@router.get("/dialogues/workshops/{workshop_id}")
def dialogue_workshop(request: Request, workshop_id: str, handle: Release, settings: AppSettings):
    """A workshop: date, place, participants by kind, agenda, papers, key themes, common understandings."""
    from observatory.knowledge.dialogues import get_workshop

    store, _ = _stores(settings)
    found = get_workshop(store, workshop_id[:80])
    if found is None:
        raise _not_found("workshop")
    return _page(request, handle, store, "workshop.html", title=found["title"], workshop=found, sources=[])


@router.get("/assessments")
def assessments(request: Request, handle: Release, settings: AppSettings):
    """The panel's assessments: state, chapters approved, review comments and those still unanswered."""
    from observatory.knowledge.assessment import list_assessments

    store, _ = _stores(settings)
    rows = list_assessments(store)
    return _page(
        request, handle, store, "assessments.html", title=gettext_of(request)("Assessments"), rows=rows, sources=[]
    )


@router.get("/assessments/{assessment_id}")
def assessment(request: Request, assessment_id: str, handle: Release, settings: AppSettings):
    """An assessment: chapters with lead authors and text, every review comment with its answer, history."""
    from observatory.knowledge.assessment import get_assessment

    store, _ = _stores(settings)
    found = get_assessment(store, assessment_id[:40])
    if found is None:
        raise _not_found("assessment")
    return _page(request, handle, store, "assessment.html", title=found["title"], a=found, sources=[])


def country_policies_context(settings: Settings, handle: ReleaseHandle, code: str) -> dict[str, Any]:
    """The country page's policies: published entries, SDG 10.7.2 and the indicators of the objectives they serve."""
    from observatory.api.queries.catalogue import indicators

    sdg = latest(handle, SDG_POLICY_INDICATOR, code)
    rows: list[dict[str, Any]] = []
    if store_path(settings).is_file():  # a country page never creates the knowledge store
        from observatory.knowledge.policies import list_policies

        rows = list_policies(KnowledgeStore(store_path(settings)), country=code)
    objectives = sorted({o for r in rows for o in r["gcm"] or []})
    catalogue = indicators(handle)
    served = []
    for objective in objectives:
        tagged = [
            i for i, meta in catalogue.items()
            if any(t["framework"].upper() == "GCM" and t["code"] == str(objective) for t in meta["frameworks"])
            and i != SDG_POLICY_INDICATOR
        ]  # fmt: skip
        values = [v for v in (latest(handle, i, code) for i in tagged) if v is not None]
        served.append({"objective": objective, "indicators": values, "tagged": len(tagged)})
    return {"code": code, "policies": rows, "sdg_10_7_2": sdg, "objectives": served}
