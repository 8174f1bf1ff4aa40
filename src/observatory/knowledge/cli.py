"""`observatory directory|policy|dialogue …`: thin CLI wrappers over the knowledge layer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from observatory.evidence.review import AuthError
from observatory.evidence.store import EvidenceStore
from observatory.knowledge.store import KnowledgeStore

directory_app = typer.Typer(
    help="Research directory: people and institutions, their records, themes and places.", no_args_is_help=True
)
policy_app = typer.Typer(
    help="Policy and practice registry: laws, agreements, practices, firewall arrangements.", no_args_is_help=True
)
dialogue_app = typer.Typer(
    help="Dialogues: themes, endorsements, workshops, records and background papers.", no_args_is_help=True
)
Token = Annotated[str, typer.Option(envvar="OBSERVATORY_EVIDENCE_TOKEN", help="Contributor or reviewer token.")]
Fmt = Annotated[str, typer.Option("--format", help="table or json.")]
FAILURES = (AuthError, PermissionError, ValueError, KeyError)
MAX_FILE_BYTES = 1_000_000


def _stores() -> tuple[KnowledgeStore, EvidenceStore]:
    """The knowledge and evidence stores of the current home."""
    return KnowledgeStore(), EvidenceStore()


def _echo_json(data: object) -> None:
    """Print data as indented JSON."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _read_entry(path: Path) -> dict[str, Any]:
    """One entry from a YAML or JSON file (small files only)."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise typer.BadParameter("the file is larger than 1 MB")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise typer.BadParameter("the file holds one entry (a mapping of fields)")
    return data


def _fail(error: Exception) -> typer.BadParameter:
    """A refusal as a CLI error."""
    return typer.BadParameter(str(error.args[0]) if error.args else type(error).__name__)


# --- directory ----------------------------------------------------------------------------------------------------


@directory_app.command("sync")
def directory_sync() -> None:
    """Derive people and issuing institutions from every author of every public evidence record (merges are kept).

    Example: observatory directory sync
    """
    from observatory.knowledge.directory import sync_from_evidence

    store, evidence = _stores()
    _echo_json(sync_from_evidence(store, evidence).as_dict())


@directory_app.command("people")
def directory_people(
    theme: Annotated[str | None, typer.Option(help="Evidence theme id or label, e.g. climate_environment.")] = None,
    region: Annotated[str | None, typer.Option(help="UN M49 region, e.g. 'West Africa'.")] = None,
    q: Annotated[str | None, typer.Option(help="Part of a name.")] = None,
    limit: Annotated[int, typer.Option(help="Number of people.")] = 20,
    fmt: Fmt = "table",
) -> None:
    """Who works on a theme in a region: people with the most matching records first.

    Example: observatory directory people --theme climate --region "West Africa"
    """
    from observatory.knowledge.directory import find_people

    try:
        found = find_people(_stores()[0], theme=theme, region=region, q=q, limit=limit)
    except ValueError as error:
        raise _fail(error) from None
    if fmt == "json":
        _echo_json(found)
        return
    typer.echo(f"{found['total']} people (theme {found['theme'] or 'any'}, region {found['region'] or 'any'})")
    for p in found["results"]:
        typer.echo(f"{p['id']}  {p['name']}  — {p['why']}")


@directory_app.command("person")
def directory_person(person_id: Annotated[str, typer.Argument(help="Person id (pe-…).")]) -> None:
    """A person's page: name variants, records, themes, countries, co-authors, affiliations, history.

    Example: observatory directory person pe-4adab2a6ac
    """
    from observatory.knowledge.directory import person_page

    page = person_page(*_stores(), person_id)
    if page is None:
        raise typer.BadParameter("no published person with that id")
    _echo_json(page)


@directory_app.command("institutions")
def directory_institutions(q: Annotated[str | None, typer.Option(help="Part of a name.")] = None) -> None:
    """Institutions with the records they issued and their members.

    Example: observatory directory institutions --q tribunal
    """
    from observatory.knowledge.directory import list_institutions

    _echo_json(list_institutions(_stores()[0], q))


@directory_app.command("counts")
def directory_counts() -> None:
    """How many people, name variants, institutions and authorships the directory holds.

    Example: observatory directory counts
    """
    from observatory.knowledge.directory import counts

    _echo_json(counts(_stores()[0]))


@directory_app.command("import")
def directory_import(
    file: Annotated[Path, typer.Argument(help="CSV (header row; lists separated by ';') or JSON list of objects.")],
    kind: Annotated[str, typer.Option(help="person or institution.")] = "person",
) -> None:
    """Import people or institutions; each refused record is reported with its number and field.

    Example: observatory directory import institutions.csv --kind institution
    """
    from observatory.knowledge.contributions import import_entries

    if kind not in ("person", "institution"):
        raise typer.BadParameter("--kind is person or institution")
    try:
        report = import_entries(_stores()[0], file, kind)
    except (ValueError, OSError) as error:
        raise _fail(error) from None
    _echo_json(report.as_dict())


@directory_app.command("contribute")
def directory_contribute(
    file: Annotated[Path, typer.Argument(help="YAML or JSON file with one person or institution.")],
    token: Token,
    kind: Annotated[str, typer.Option(help="person or institution.")] = "person",
) -> None:
    """Contribute a person or institution; it is public once a reviewer accepts it.

    Example: observatory directory contribute me.yml --kind person --token $TOKEN
    """
    from observatory.knowledge.contributions import contribute

    try:
        typer.echo(contribute(_stores()[0], token, kind, _read_entry(file)))
    except FAILURES as error:
        raise _fail(error) from None


@directory_app.command("candidates")
def directory_candidates(limit: Annotated[int, typer.Option(help="Number of pairs.")] = 20) -> None:
    """People who may be one person, with the reason (proposals, never applied without review).

    Example: observatory directory candidates --limit 10
    """
    from observatory.knowledge.contributions import merge_candidates

    _echo_json(merge_candidates(_stores()[0], limit))


@directory_app.command("propose-merge")
def directory_propose_merge(
    keep: Annotated[str, typer.Argument(help="Person id kept.")],
    absorb: Annotated[str, typer.Argument(help="Person id merged into it.")],
    reason: Annotated[str, typer.Option(help="Why they are one person.")],
    token: Token,
) -> None:
    """Propose merging two people (applied only when a reviewer accepts).

    Example: observatory directory propose-merge pe-04d83a166a pe-a1ab2c9369 --reason "same ORCID" --token $TOKEN
    """
    from observatory.knowledge.contributions import propose

    try:
        typer.echo(propose(_stores()[0], token, "merge", [keep, absorb], reason))
    except FAILURES as error:
        raise _fail(error) from None


@directory_app.command("propose-split")
def directory_propose_split(
    person: Annotated[str, typer.Argument(help="Person id to split.")],
    name: Annotated[list[str], typer.Option(help="Name variant moved to a new entry (repeatable).")],
    reason: Annotated[str, typer.Option(help="Why they are different people.")],
    token: Token,
) -> None:
    """Propose splitting name variants of a person into a new entry (applied only when a reviewer accepts).

    Example: observatory directory propose-split pe-04d83a166a --name "R. Bryant" --reason "other field" --token $TOKEN
    """
    from observatory.knowledge.contributions import propose

    try:
        typer.echo(propose(_stores()[0], token, "split", [person], reason, name))
    except FAILURES as error:
        raise _fail(error) from None


@directory_app.command("decide")
def directory_decide(
    proposal: Annotated[str | None, typer.Argument(help="Proposal id; omit to list pending proposals.")] = None,
    decision: Annotated[str | None, typer.Option(help="accept or reject.")] = None,
    token: Annotated[str | None, typer.Option(envvar="OBSERVATORY_EVIDENCE_TOKEN", help="Reviewer token.")] = None,
    comment: Annotated[str | None, typer.Option(help="Kept in the history.")] = None,
) -> None:
    """List merge and split proposals, or decide one (a reviewer; the change and its history are recorded).

    Example: observatory directory decide pr-0123456789 --decision accept --token $TOKEN
    """
    from observatory.knowledge.contributions import decide, proposals

    store = _stores()[0]
    if proposal is None or decision is None or token is None:
        _echo_json(proposals(store))
        return
    try:
        typer.echo(decide(store, token, proposal, decision, comment))
    except FAILURES as error:
        raise _fail(error) from None


@directory_app.command("review")
def directory_review(
    entity: Annotated[str | None, typer.Argument(help="person, institution or policy; omit to list pending.")] = None,
    entry_id: Annotated[str | None, typer.Argument(help="Entry id.")] = None,
    decision: Annotated[str | None, typer.Option(help="accept, reject or request_changes.")] = None,
    token: Annotated[str | None, typer.Option(envvar="OBSERVATORY_EVIDENCE_TOKEN", help="Reviewer token.")] = None,
    comment: Annotated[str | None, typer.Option(help="Kept in the history.")] = None,
) -> None:
    """List contributions waiting for review, or decide one (a reviewer who did not contribute it).

    Example: observatory directory review person pe-0123456789 --decision accept --token $TOKEN
    """
    from observatory.knowledge.review import pending, review

    store = _stores()[0]
    if entity is None or entry_id is None or decision is None or token is None:
        _echo_json(pending(store))
        return
    try:
        typer.echo(review(entity, entry_id, decision, token, store, comment))
    except FAILURES as error:
        raise _fail(error) from None


# --- policies -----------------------------------------------------------------------------------------------------


@policy_app.command("contribute")
def policy_contribute(
    file: Annotated[Path, typer.Argument(help="YAML or JSON file with one entry (see docs/knowledge.md).")],
    token: Token,
) -> None:
    """Contribute a law, policy, agreement, practice or firewall arrangement; refused without a source.

    Example: observatory policy contribute firewall-deu.yml --token $TOKEN
    """
    from observatory.knowledge.policies import contribute

    store, evidence = _stores()
    try:
        typer.echo(contribute(store, token, _read_entry(file), evidence))
    except FAILURES as error:
        raise _fail(error) from None


@policy_app.command("amend")
def policy_amend(
    policy_id: Annotated[str, typer.Argument(help="Entry id (po-…).")],
    file: Annotated[Path, typer.Argument(help="YAML or JSON file with the whole revised entry.")],
    token: Token,
) -> None:
    """Revise your entry while it is under review (history keeps every version).

    Example: observatory policy amend po-0123456789 firewall-deu.yml --token $TOKEN
    """
    from observatory.knowledge.policies import amend

    store, evidence = _stores()
    try:
        typer.echo(amend(store, token, policy_id, _read_entry(file), evidence))
    except FAILURES as error:
        raise _fail(error) from None


@policy_app.command("review")
def policy_review(
    policy_id: Annotated[str, typer.Argument(help="Entry id (po-…).")],
    decision: Annotated[str, typer.Option(help="accept, reject or request_changes.")],
    token: Token,
    comment: Annotated[str | None, typer.Option(help="Kept in the history.")] = None,
) -> None:
    """A reviewer's decision: accepted entries are published (country pages, firewall map).

    Example: observatory policy review po-0123456789 --decision accept --token $TOKEN
    """
    from observatory.knowledge.review import review

    try:
        typer.echo(review("policy", policy_id, decision, token, _stores()[0], comment))
    except FAILURES as error:
        raise _fail(error) from None


@policy_app.command("list")
def policy_list(
    country: Annotated[str | None, typer.Option(help="ISO3 code.")] = None,
    kind: Annotated[str | None, typer.Option(help="law, policy, …, firewall_arrangement.")] = None,
    status: Annotated[str | None, typer.Option(help="in_force, repealed or proposed.")] = None,
    theme: Annotated[str | None, typer.Option(help="Evidence theme.")] = None,
    fmt: Fmt = "table",
) -> None:
    """Published entries of the registry.

    Example: observatory policy list --country DEU --kind firewall_arrangement
    """
    from observatory.knowledge.policies import list_policies

    try:
        rows = list_policies(_stores()[0], country and country.upper(), kind, status, theme)
    except ValueError as error:
        raise _fail(error) from None
    if fmt == "json":
        _echo_json(rows)
        return
    for p in rows:
        typer.echo(f"{p['id']}  {p['country'] or p['region']}  {p['kind_label']}  [{p['status_label']}]  {p['title']}")


@policy_app.command("show")
def policy_show(policy_id: Annotated[str, typer.Argument(help="Entry id (po-…).")]) -> None:
    """One published entry with its source and full history.

    Example: observatory policy show po-0123456789
    """
    from observatory.knowledge.policies import get_policy

    entry = get_policy(_stores()[0], policy_id)
    if entry is None:
        raise typer.BadParameter("no published entry with that id")
    _echo_json(entry)


@policy_app.command("firewalls")
def policy_firewalls() -> None:
    """Countries with a recorded firewall arrangement, and of which kinds.

    Example: observatory policy firewalls
    """
    from observatory.knowledge.policies import firewall_map

    _echo_json(firewall_map(_stores()[0]))


# --- dialogues ----------------------------------------------------------------------------------------------------


@dialogue_app.command("load-seed")
def dialogue_load_seed() -> None:
    """Load the 2010 workshops and 2011 theme proposals of IOM IC/2010/5 (once).

    Example: observatory dialogue load-seed
    """
    from observatory.knowledge.dialogues import load_seed

    _echo_json(load_seed(_stores()[0]))


@dialogue_app.command("themes")
def dialogue_themes(theme_id: Annotated[str | None, typer.Argument(help="Theme id; omit to list all.")] = None) -> None:
    """Dialogue themes with their status, endorsements and workshops.

    Example: observatory dialogue themes idm-2011-human-security
    """
    from observatory.knowledge.dialogues import get_theme, list_themes

    store = _stores()[0]
    if theme_id is None:
        _echo_json(list_themes(store))
        return
    theme = get_theme(store, theme_id)
    if theme is None:
        raise typer.BadParameter("no dialogue theme with that id")
    _echo_json(theme)


@dialogue_app.command("propose")
def dialogue_propose(
    file: Annotated[Path, typer.Argument(help="YAML or JSON: id, title, year, proposed_by, rationale, source.")],
    token: Token,
) -> None:
    """Propose a theme (secretariat or member), with its rationale and source.

    Example: observatory dialogue propose theme.yml --token $TOKEN
    """
    from observatory.knowledge.dialogues import propose_theme

    try:
        typer.echo(propose_theme(_stores()[0], token, _read_entry(file)))
    except FAILURES as error:
        raise _fail(error) from None


@dialogue_app.command("endorse")
def dialogue_endorse(
    theme_id: Annotated[str, typer.Argument(help="Theme id.")],
    member: Annotated[str, typer.Option(help="Member state (ISO3).")],
    position: Annotated[str, typer.Option(help="endorse, prefer, oppose or abstain.")],
    source: Annotated[str, typer.Option(help="Where the member stated it.")],
    token: Token,
    note: Annotated[str | None, typer.Option(help="Remark kept with it.")] = None,
) -> None:
    """Record a member state's position on a theme (a reviewer, for the secretariat).

    Example: observatory dialogue endorse idm-2011-human-security --member MEX --position endorse --source "IC/2010/6"
    """
    from observatory.knowledge.dialogues import record_endorsement

    try:
        record_endorsement(_stores()[0], token, theme_id, member, position, source, note)
    except FAILURES as error:
        raise _fail(error) from None
    typer.echo("recorded")


@dialogue_app.command("select")
def dialogue_select(
    theme_id: Annotated[str, typer.Argument(help="Theme id.")],
    token: Token,
    comment: Annotated[str | None, typer.Option(help="Kept in the history.")] = None,
) -> None:
    """Record the membership's selection of a theme (its year's other proposals become not selected).

    Example: observatory dialogue select idm-2011-future-of-migration --token $TOKEN
    """
    from observatory.knowledge.dialogues import select_theme

    try:
        select_theme(_stores()[0], token, theme_id, comment)
    except FAILURES as error:
        raise _fail(error) from None
    typer.echo("selected")


@dialogue_app.command("workshop")
def dialogue_workshop(
    workshop_id: Annotated[str | None, typer.Argument(help="Workshop id; omit to list all.")] = None,
    add: Annotated[Path | None, typer.Option(help="YAML or JSON file recording a new workshop.")] = None,
    token: Annotated[str | None, typer.Option(envvar="OBSERVATORY_EVIDENCE_TOKEN", help="Reviewer token.")] = None,
) -> None:
    """List workshops, show one, or record one (--add FILE, a reviewer).

    Example: observatory dialogue workshop idm-2010-transnationalism
    """
    from observatory.knowledge.dialogues import get_workshop, list_workshops, record_workshop

    store = _stores()[0]
    if add is not None:
        if token is None:
            raise typer.BadParameter("--token is required to record a workshop")
        try:
            typer.echo(record_workshop(store, token, _read_entry(add)))
        except FAILURES as error:
            raise _fail(error) from None
        return
    if workshop_id is None:
        _echo_json(list_workshops(store))
        return
    workshop = get_workshop(store, workshop_id)
    if workshop is None:
        raise typer.BadParameter("no workshop with that id")
    _echo_json(workshop)


def _publish(build, ident: str, series: str, subject: str, formats: list[str] | None, out: Path | None) -> None:
    """Build a document on the current release, write it into the publications folder and register it."""
    import shutil

    from observatory.knowledge.publishing import DEFAULT_FORMATS, OBSERVATORY_AUTHOR, write_and_register
    from observatory.publish.data import ReleaseData
    from observatory.settings import get_settings
    from observatory.warehouse.releases import ReleaseError

    chosen = formats or list(DEFAULT_FORMATS)
    if out is not None and len(set(chosen)) != 1:
        raise typer.BadParameter("--out copies one format: give exactly one --format")
    settings = get_settings()
    try:
        data = ReleaseData.open(settings)
    except ReleaseError as error:
        raise _fail(error) from None
    try:
        document = build(data, ident)
        entry = write_and_register(
            settings, document, series=series, subject=subject, stem=ident, formats=chosen,
            authors=[OBSERVATORY_AUTHOR],
        )  # fmt: skip
    except (KeyError, ValueError) as error:
        raise _fail(error) from None
    finally:
        data.close()
    files = {f["format"]: settings.home / f["path"] for f in entry["formats"]}
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(files[chosen[0]], out)
    typer.echo(f"{entry['id']} ({entry['citation_number']}): {entry['title']}")
    for fmt in chosen:
        typer.echo(f"wrote {files[fmt]}")
    if out is not None:
        typer.echo(f"wrote {out}")


Formats = Annotated[
    list[str] | None, typer.Option("--format", help="html, pdf, md or json; repeatable (default html, md, json).")
]
Out = Annotated[Path | None, typer.Option(help="Also copy the (one) format asked for to this file.")]


@dialogue_app.command("record")
def dialogue_record_command(
    workshop_id: Annotated[str, typer.Argument(help="Workshop id.")], fmt: Formats = None, out: Out = None
) -> None:
    """The dialogue record publication of a workshop, written under publications/ and registered (series DR).

    Example: observatory dialogue record idm-2010-transnationalism --format pdf --out record.pdf
    """
    from observatory.knowledge.papers import dialogue_record

    store, ident = _stores()[0], workshop_id[:80]
    _publish(lambda data, i: dialogue_record(data, store, i), ident, "DR", f"workshop:{ident}", fmt, out)


@dialogue_app.command("background-paper")
def dialogue_background_paper(
    theme_id: Annotated[str, typer.Argument(help="Theme id (see `observatory dialogue themes`).")],
    fmt: Formats = None,
    out: Out = None,
) -> None:
    """A background paper generated from the observatory, written under publications/ and registered (series BP).

    Example: observatory dialogue background-paper idm-2011-human-security --format pdf --out paper.pdf
    """
    from observatory.knowledge.papers import background_paper

    (store, evidence), ident = _stores(), theme_id[:80]
    _publish(lambda data, i: background_paper(data, store, evidence, i), ident, "BP", f"theme:{ident}", fmt, out)


def register(app: typer.Typer) -> None:
    """Add the directory, policy and dialogue command groups to the main CLI."""
    app.add_typer(directory_app, name="directory", help="Research directory: people, institutions, disambiguation.")
    app.add_typer(policy_app, name="policy", help="Policy and practice registry, firewall arrangements.")
    app.add_typer(dialogue_app, name="dialogue", help="Dialogue themes, endorsements, workshops, papers.")
    from observatory.knowledge.assessment_cli import assessment_app

    app.add_typer(assessment_app, name="assessment", help="Assessments: chapters, lead authors, review, report.")
