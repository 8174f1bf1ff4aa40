"""The knowledge layer: research directory, policy and practice registry, dialogues; writes need a bearer token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, Path, Query
from fastapi.responses import Response

from observatory.api.deps import AppSettings, Release
from observatory.api.models import PROBLEM_CONTENT, PROBLEMS, Problem
from observatory.api.problems import ApiProblem
from observatory.api.responses import json_response
from observatory.evidence.review import AuthError
from observatory.evidence.store import EvidenceStore
from observatory.knowledge.assessment import WorkflowError
from observatory.knowledge.store import KnowledgeStore, store_path
from observatory.settings import Settings

# Writes need a token (401), the right role (403) and the right moment in the workflow (409): documented on every route.
KNOWLEDGE_PROBLEMS: dict[int | str, dict[str, Any]] = {
    **PROBLEMS,
    401: {"description": "No token, or an unknown one", "content": PROBLEM_CONTENT, "model": Problem},
    403: {"description": "The token's role may not do this", "content": PROBLEM_CONTENT, "model": Problem},
    409: {"description": "Not at this step of the workflow", "content": PROBLEM_CONTENT, "model": Problem},
}
router = APIRouter(prefix="/knowledge", tags=["knowledge"], responses=KNOWLEDGE_PROBLEMS)
Limit = Annotated[int, Query(ge=1, le=200)]
Text = Annotated[str | None, Query(max_length=100)]
Entry = Annotated[dict[str, Any], Body(description="The entry's fields (see docs/knowledge.md).")]
PAPER_TYPES = {"md": "text/markdown", "html": "text/html", "json": "application/json", "pdf": "application/pdf"}


def stores(settings: Settings) -> tuple[KnowledgeStore, EvidenceStore]:
    """The knowledge store and the evidence store (whose tokens it uses) of the app's home."""
    return KnowledgeStore(store_path(settings)), EvidenceStore(settings.evidence_dir / "evidence.duckdb")


def answer(store: KnowledgeStore, payload: Any, status_code: int = 200) -> Response:
    """JSON stamped with the store's own ETag: these answers change with the store, not with the release."""
    response = json_response(payload, status_code=status_code)
    response.headers["ETag"] = f'"k{store.version()}"'
    response.headers["Cache-Control"] = "no-cache"
    return response


def bearer(authorization: str | None) -> str:
    """The token of an 'Authorization: Bearer …' header; 401 without one."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiProblem(401, "Unauthenticated", "use the header 'Authorization: Bearer <token>'")
    return token.strip()[:200]


def refused(error: Exception) -> ApiProblem:
    """A refusal as a problem: 401 unknown token, 403 role, 404 unknown id, 409 not now, 422 invalid entry."""
    detail = str(error.args[0]) if error.args else type(error).__name__
    if isinstance(error, WorkflowError):
        return ApiProblem(409, "Not now", detail)
    if isinstance(error, AuthError):
        return ApiProblem(401 if detail.startswith("unknown") else 403, "Not allowed", detail)
    if isinstance(error, PermissionError):
        return ApiProblem(403, "Not allowed", detail)
    if isinstance(error, KeyError):
        return ApiProblem(404, "Not found", detail)
    return ApiProblem(422, "Invalid entry", detail)


FAILURES = (AuthError, PermissionError, KeyError, ValueError)
Authorization = Annotated[str | None, Header(description="Bearer token (contributor or reviewer).")]


def _write(settings: Settings, authorization: str | None, action) -> Any:
    """Run a write with the caller's token; refusals become problems."""
    token = bearer(authorization)
    store, evidence = stores(settings)
    try:
        return store, action(store, evidence, token)
    except FAILURES as error:
        raise refused(error) from None


# --- directory ----------------------------------------------------------------------------------------------------


@router.get("/people", summary="Who works on a theme in a region")
def people(
    settings: AppSettings,
    theme: Text = None,
    region: Text = None,
    q: Text = None,
    limit: Limit = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
):
    """People of the directory with records (or declared expertise) on the theme and region, most records first."""
    from observatory.knowledge.directory import find_people

    store, _ = stores(settings)
    try:
        found = find_people(store, theme=theme, region=region, q=q, limit=limit, offset=offset)
    except ValueError as error:
        raise refused(error) from None
    return answer(store, found)


@router.get("/people/{person_id}", summary="A person's page")
def person(person_id: str, settings: AppSettings):
    """Name variants, records, themes, countries, co-authors, affiliations and history (merges are followed)."""
    from observatory.knowledge.directory import person_page

    store, evidence = stores(settings)
    page = person_page(store, evidence, person_id[:40])
    if page is None:
        raise ApiProblem(404, "Not found", "no published person with that id")
    return answer(store, page)


@router.post("/people", status_code=201, summary="Contribute a person")
def contribute_person(body: Entry, settings: AppSettings, authorization: Authorization = None):
    """A person (name, orcid, country, expertise, regions, affiliations) waiting for review."""
    from observatory.knowledge.contributions import contribute

    store, pid = _write(settings, authorization, lambda s, _e, t: contribute(s, t, "person", body))
    return answer(store, {"id": pid, "state": "contributed"}, 201)


@router.get("/institutions", summary="Institutions")
def institutions(settings: AppSettings, q: Text = None, limit: Limit = 50):
    """Published institutions with the records they issued and their members."""
    from observatory.knowledge.directory import list_institutions

    store, _ = stores(settings)
    return answer(store, {"results": list_institutions(store, q, limit)})


@router.get("/institutions/{institution_id}", summary="An institution")
def institution(institution_id: str, settings: AppSettings):
    """An institution with its members, issued records and history."""
    from observatory.knowledge.directory import institution_page

    store, evidence = stores(settings)
    page = institution_page(store, evidence, institution_id[:40])
    if page is None:
        raise ApiProblem(404, "Not found", "no published institution with that id")
    return answer(store, page)


@router.post("/institutions", status_code=201, summary="Contribute an institution")
def contribute_institution(body: Entry, settings: AppSettings, authorization: Authorization = None):
    """An institution (name, ror, country, kind, expertise, regions) waiting for review."""
    from observatory.knowledge.contributions import contribute

    store, iid = _write(settings, authorization, lambda s, _e, t: contribute(s, t, "institution", body))
    return answer(store, {"id": iid, "state": "contributed"}, 201)


@router.get("/candidates", summary="Possible duplicate people")
def candidates(settings: AppSettings, limit: Limit = 50):
    """Pairs of people who may be one person, each with the reason; nothing is merged without review."""
    from observatory.knowledge.contributions import merge_candidates

    store, _ = stores(settings)
    return answer(store, {"results": merge_candidates(store, limit)})


@router.get("/proposals", summary="Merge and split proposals")
def list_proposals(settings: AppSettings, state: Literal["pending", "accepted", "rejected"] = "pending"):
    """Proposals with their reason, proposer and decision."""
    from observatory.knowledge.contributions import proposals

    store, _ = stores(settings)
    return answer(store, {"results": proposals(store, state)})


@router.post("/proposals", status_code=201, summary="Propose a merge or a split")
def propose(body: Entry, settings: AppSettings, authorization: Authorization = None):
    """{kind: merge|split, people: [ids], reason, names (split: variants moved out)}; applied once reviewed."""
    from observatory.knowledge.contributions import propose as make

    def act(s, _e, t):
        people = body.get("people")
        names = body.get("names")
        if not isinstance(people, list) or not all(isinstance(p, str) for p in people):
            raise ValueError("people: a list of person ids")
        if names is not None and (not isinstance(names, list) or not all(isinstance(n, str) for n in names)):
            raise ValueError("names: a list of name variants")
        return make(s, t, str(body.get("kind", "")), people, str(body.get("reason", "")), names)

    store, pid = _write(settings, authorization, act)
    return answer(store, {"id": pid, "state": "pending"}, 201)


@router.post("/proposals/{proposal_id}/decision", summary="Decide a merge or split (reviewer)")
def decide_proposal(proposal_id: str, body: Entry, settings: AppSettings, authorization: Authorization = None):
    """{decision: accept|reject, comment}: the change and its history are recorded."""
    from observatory.knowledge.contributions import decide

    store, state = _write(
        settings,
        authorization,
        lambda s, _e, t: decide(s, t, proposal_id[:40], str(body.get("decision", "")), body.get("comment")),
    )
    return answer(store, {"id": proposal_id, "state": state})


@router.get("/reviews", summary="Contributions waiting for review (reviewer)")
def reviews(settings: AppSettings, authorization: Authorization = None):
    """People, institutions and policies waiting for a reviewer's decision."""
    from observatory.knowledge.review import pending, reviewer

    store, pending_rows = _write(settings, authorization, lambda s, _e, t: (reviewer(t, s), pending(s))[1])
    return answer(store, {"results": pending_rows})


@router.post("/reviews/{entity}/{entry_id}", summary="Review a contribution (reviewer)")
def review_entry(
    entity: Literal["person", "institution", "policy"],
    entry_id: str,
    body: Entry,
    settings: AppSettings,
    authorization: Authorization = None,
):
    """{decision: accept|reject|request_changes, comment}; accepted entries are published."""
    from observatory.knowledge.review import review

    store, state = _write(
        settings,
        authorization,
        lambda s, _e, t: review(entity, entry_id[:40], str(body.get("decision", "")), t, s, body.get("comment")),
    )
    return answer(store, {"id": entry_id, "state": state})


# --- policies -----------------------------------------------------------------------------------------------------


@router.get("/policies", summary="Policies and practices")
def policies(
    settings: AppSettings,
    country: Annotated[str | None, Query(max_length=3)] = None,
    kind: Text = None,
    status: Text = None,
    theme: Text = None,
):
    """Published laws, policies, agreements, practices and firewall arrangements, each with its source."""
    from observatory.knowledge.policies import list_policies

    store, _ = stores(settings)
    try:
        rows = list_policies(store, country.upper() if country else None, kind, status, theme)
    except ValueError as error:
        raise refused(error) from None
    return answer(store, {"results": rows})


@router.get("/policies/{policy_id}", summary="One policy or practice")
def policy(policy_id: str, settings: AppSettings):
    """A published entry with its source and full history."""
    from observatory.knowledge.policies import get_policy

    store, _ = stores(settings)
    entry = get_policy(store, policy_id[:40])
    if entry is None:
        raise ApiProblem(404, "Not found", "no published entry with that id")
    return answer(store, entry)


@router.post("/policies", status_code=201, summary="Contribute a policy or practice")
def contribute_policy(body: Entry, settings: AppSettings, authorization: Authorization = None):
    """An entry with its source (refused without), published once a reviewer accepts it."""
    from observatory.knowledge.policies import contribute

    store, pid = _write(settings, authorization, lambda s, e, t: contribute(s, t, body, e))
    return answer(store, {"id": pid, "state": "contributed"}, 201)


@router.put("/policies/{policy_id}", summary="Amend your entry under review")
def amend_policy(policy_id: str, body: Entry, settings: AppSettings, authorization: Authorization = None):
    """The whole revised entry; the contributor only, while it is under review."""
    from observatory.knowledge.policies import amend

    store, pid = _write(settings, authorization, lambda s, e, t: amend(s, t, policy_id[:40], body, e))
    return answer(store, {"id": pid, "state": "contributed"})


@router.get("/firewalls", summary="Firewall arrangements by country")
def firewalls(settings: AppSettings):
    """Countries with a published firewall arrangement and the kinds recorded."""
    from observatory.knowledge.policies import firewall_map

    store, _ = stores(settings)
    return answer(store, {"results": firewall_map(store)})


# --- dialogues ----------------------------------------------------------------------------------------------------


@router.get("/dialogue/themes", summary="Dialogue themes")
def themes(settings: AppSettings):
    """Themes proposed, selected or not, with endorsement tallies and workshops."""
    from observatory.knowledge.dialogues import list_themes

    store, _ = stores(settings)
    return answer(store, {"results": list_themes(store)})


@router.get("/dialogue/themes/{theme_id}", summary="A dialogue theme")
def theme(theme_id: str, settings: AppSettings):
    """A theme with each member state's position, its workshops and history."""
    from observatory.knowledge.dialogues import get_theme

    store, _ = stores(settings)
    found = get_theme(store, theme_id[:80])
    if found is None:
        raise ApiProblem(404, "Not found", "no dialogue theme with that id")
    return answer(store, found)


@router.post("/dialogue/themes", status_code=201, summary="Propose a theme")
def propose_theme(body: Entry, settings: AppSettings, authorization: Authorization = None):
    """{id, title, year, proposed_by, rationale, evidence_themes, source}."""
    from observatory.knowledge.dialogues import propose_theme as make

    store, tid = _write(settings, authorization, lambda s, _e, t: make(s, t, body))
    return answer(store, {"id": tid, "status": "proposed"}, 201)


@router.post("/dialogue/themes/{theme_id}/endorsements", status_code=201, summary="Record a position (reviewer)")
def endorse(theme_id: str, body: Entry, settings: AppSettings, authorization: Authorization = None):
    """{member: ISO3, position: endorse|prefer|oppose|abstain, source, note}."""
    from observatory.knowledge.dialogues import record_endorsement

    def act(s, _e, t):
        record_endorsement(
            s, t, theme_id[:80], str(body.get("member", "")), str(body.get("position", "")),
            str(body.get("source", "")), body.get("note"),
        )  # fmt: skip
        return theme_id

    store, _ = _write(settings, authorization, act)
    return answer(store, {"id": theme_id, "recorded": True}, 201)


@router.post("/dialogue/themes/{theme_id}/selection", summary="Record the selection (reviewer)")
def select(theme_id: str, body: Entry, settings: AppSettings, authorization: Authorization = None):
    """The membership selected this theme; its year's other proposals become not selected."""
    from observatory.knowledge.dialogues import select_theme

    store, _ = _write(settings, authorization, lambda s, _e, t: select_theme(s, t, theme_id[:80], body.get("comment")))
    return answer(store, {"id": theme_id, "status": "selected"})


@router.get("/dialogue/workshops", summary="Workshops")
def workshops(settings: AppSettings):
    """Every workshop with its participants by kind, key themes and source."""
    from observatory.knowledge.dialogues import list_workshops

    store, _ = stores(settings)
    return answer(store, {"results": list_workshops(store)})


@router.get("/dialogue/workshops/{workshop_id}", summary="A workshop")
def workshop(workshop_id: str, settings: AppSettings):
    """One workshop with its institutions, theme and history."""
    from observatory.knowledge.dialogues import get_workshop

    store, _ = stores(settings)
    found = get_workshop(store, workshop_id[:80])
    if found is None:
        raise ApiProblem(404, "Not found", "no workshop with that id")
    return answer(store, found)


@router.post("/dialogue/workshops", status_code=201, summary="Record a workshop (reviewer)")
def record_workshop(body: Entry, settings: AppSettings, authorization: Authorization = None):
    """A workshop under a theme: dates, place, agenda, participants by kind, papers, themes, understandings."""
    from observatory.knowledge.dialogues import record_workshop as make

    store, wid = _write(settings, authorization, lambda s, _e, t: make(s, t, body))
    return answer(store, {"id": wid}, 201)


def _paper(settings: Settings, handle, build, fmt: str) -> Response:
    """A generated publication in the asked format, on the current release."""
    from observatory.publish.data import ReleaseData
    from observatory.publish.render import to_html, to_json, to_markdown, to_pdf

    data = ReleaseData.open(settings, handle.release_id)
    try:
        document = build(data)
    except KeyError as error:
        raise refused(error) from None
    finally:
        data.close()
    renderers: dict[str, Callable[[Any], str | bytes]] = {
        "md": to_markdown, "html": to_html, "json": to_json, "pdf": to_pdf,
    }  # fmt: skip
    body = renderers[fmt](document)
    return Response(
        body if isinstance(body, bytes) else body.encode(),
        media_type=PAPER_TYPES[fmt],
        headers={"Cache-Control": "no-cache", "ETag": f'"{handle.release_id}-{fmt}-generated"'},
    )


Format = Annotated[Literal["md", "html", "json", "pdf"], Query(description="md, html, json or pdf.")]


@router.get("/dialogue/themes/{theme_id}/background-paper", summary="Background paper of a theme")
def background_paper(theme_id: str, settings: AppSettings, handle: Release, format: Format = "md"):
    """Generated from the observatory: figures, findings, the gap map, policies and people on the theme."""
    from observatory.knowledge.papers import background_paper as build

    store, evidence = stores(settings)
    return _paper(settings, handle, lambda data: build(data, store, evidence, theme_id[:80]), format)


@router.get("/dialogue/workshops/{workshop_id}/record", summary="Dialogue record of a workshop")
def dialogue_record(workshop_id: str, settings: AppSettings, handle: Release, format: Format = "md"):
    """The dialogue record publication generated from the workshop."""
    from observatory.knowledge.papers import dialogue_record as build

    store, _ = stores(settings)
    return _paper(settings, handle, lambda data: build(data, store, workshop_id[:80]), format)


# --- assessments --------------------------------------------------------------------------------------------------

AssessmentId = Annotated[str, Path(max_length=40, description="Assessment id (as-…).")]
ChapterNumber = Annotated[int, Path(ge=1, le=999, description="Chapter number.")]
CommentNumber = Annotated[int, Path(ge=1, le=100_000, description="Comment number within the chapter.")]


@router.get("/assessments", summary="Assessments")
def assessments(settings: AppSettings):
    """Every assessment with its state, chapters approved and comments still unanswered."""
    from observatory.knowledge.assessment import list_assessments

    store, _ = stores(settings)
    return answer(store, {"results": list_assessments(store)})


@router.get("/assessments/{assessment_id}", summary="An assessment")
def assessment(assessment_id: AssessmentId, settings: AppSettings):
    """Chapters with lead authors, versions and current text; every comment with its answer; history."""
    from observatory.knowledge.assessment import get_assessment

    store, _ = stores(settings)
    found = get_assessment(store, assessment_id)
    if found is None:
        raise ApiProblem(404, "Not found", "no assessment with that id")
    return answer(store, found)


@router.post("/assessments", status_code=201, summary="Set out an assessment's outline (reviewer)")
def create_assessment(body: Entry, settings: AppSettings, authorization: Authorization = None):
    """{title, subtitle, scope, references: {key: text}, chapters: [{title, scope, lead_authors: [pe-…]}]}."""
    from observatory.knowledge.assessment import create_assessment as make

    store, aid = _write(settings, authorization, lambda s, _e, t: make(s, t, body))
    return answer(store, {"id": aid, "state": "outline"}, 201)


@router.post("/assessments/{assessment_id}/chapters", status_code=201, summary="Add a chapter (reviewer)")
def add_chapter(assessment_id: AssessmentId, body: Entry, settings: AppSettings, authorization: Authorization = None):
    """{title, scope, lead_authors: [directory person ids]}; returns the chapter's number."""
    from observatory.knowledge.assessment import add_chapter as add

    store, number = _write(settings, authorization, lambda s, _e, t: add(s, t, assessment_id, body))
    return answer(store, {"id": assessment_id, "chapter": number}, 201)


@router.put("/assessments/{assessment_id}/chapters/{chapter}/text", summary="Submit a chapter's text")
def submit_text(
    assessment_id: AssessmentId,
    chapter: ChapterNumber,
    body: Entry,
    settings: AppSettings,
    handle: Release,
    authorization: Authorization = None,
):
    """{text: Markdown with the report directives}; checked against the current release, kept as a new version."""
    from observatory.knowledge.assessment import release_checker, submit_chapter

    check = release_checker(settings, handle.release_id)
    store, version = _write(
        settings, authorization, lambda s, _e, t: submit_chapter(s, t, assessment_id, chapter, body.get("text"), check)
    )
    return answer(store, {"id": assessment_id, "chapter": chapter, "version": version})


@router.post("/assessments/{assessment_id}/chapters/{chapter}/comments", status_code=201, summary="Comment (reviewer)")
def comment(
    assessment_id: AssessmentId,
    chapter: ChapterNumber,
    body: Entry,
    settings: AppSettings,
    authorization: Authorization = None,
):
    """{comment, line}: a review comment on a chapter the reviewer did not write; comments are never deleted."""
    from observatory.knowledge.assessment import add_comment

    line = body.get("line")
    if line is not None and (isinstance(line, bool) or not isinstance(line, int)):
        raise ApiProblem(422, "Invalid entry", "line: a line number of the chapter's current text")
    store, number = _write(
        settings, authorization, lambda s, _e, t: add_comment(s, t, assessment_id, chapter, body.get("comment"), line)
    )
    return answer(store, {"id": assessment_id, "chapter": chapter, "comment": number}, 201)


@router.post(
    "/assessments/{assessment_id}/chapters/{chapter}/comments/{number}/answer",
    status_code=201,
    summary="Answer a comment (the chapter's authors)",
)
def answer_comment(
    assessment_id: AssessmentId,
    chapter: ChapterNumber,
    number: CommentNumber,
    body: Entry,
    settings: AppSettings,
    authorization: Authorization = None,
):
    """{answer}: kept beside the comment, once; only who submitted the chapter's text answers."""
    from observatory.knowledge.assessment import answer_comment as reply

    store, _ = _write(
        settings, authorization, lambda s, _e, t: reply(s, t, assessment_id, chapter, number, body.get("answer"))
    )
    return answer(store, {"id": assessment_id, "chapter": chapter, "comment": number, "answered": True}, 201)


@router.post("/assessments/{assessment_id}/chapters/{chapter}/approval", summary="Approve a chapter (reviewer)")
def approve(
    assessment_id: AssessmentId,
    chapter: ChapterNumber,
    body: Entry,
    settings: AppSettings,
    authorization: Authorization = None,
):
    """{note}: refused while a comment on the chapter is unanswered, and for the chapter's own authors."""
    from observatory.knowledge.assessment import approve_chapter

    note = body.get("note")
    store, state = _write(
        settings,
        authorization,
        lambda s, _e, t: approve_chapter(s, t, assessment_id, chapter, note if isinstance(note, str) else None),
    )
    return answer(store, {"id": assessment_id, "chapter": chapter, "state": state})


@router.post("/assessments/{assessment_id}/publication", status_code=201, summary="Publish the report (reviewer)")
def publish(
    assessment_id: AssessmentId,
    body: Entry,
    settings: AppSettings,
    handle: Release,
    authorization: Authorization = None,
):
    """{formats: [html, pdf, md, json]}: the numbered report in series AR of the catalogue; 409 while a comment is
    unanswered or a chapter not approved (naming them)."""
    from observatory.knowledge.assessment import publish_assessment

    formats = body.get("formats", ["html", "md", "json", "pdf"])
    if not isinstance(formats, list) or not all(isinstance(f, str) for f in formats):
        raise ApiProblem(422, "Invalid entry", "formats: a list of html, pdf, md or json")
    store, entry = _write(
        settings,
        authorization,
        lambda s, _e, t: publish_assessment(s, t, settings, assessment_id, formats, handle.release_id),
    )
    return answer(store, entry, 201)
