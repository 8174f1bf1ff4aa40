"""`observatory assessment …`: the panel's assessment workflow from the command line (thin wrappers)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from observatory.knowledge.cli import FAILURES, Token, _echo_json, _fail, _read_entry
from observatory.knowledge.store import KnowledgeStore

assessment_app = typer.Typer(
    help="Assessments: outline, chapters with lead authors, review comments and answers, numbered report.",
    no_args_is_help=True,
)
Assessment = Annotated[str, typer.Argument(help="Assessment id (as-…).")]
Chapter = Annotated[int, typer.Argument(help="Chapter number.", min=1, max=999)]
MAX_CHAPTER_FILE_BYTES = 1_000_000


def _store() -> KnowledgeStore:
    """The knowledge store of the current home."""
    return KnowledgeStore()


@assessment_app.command("create")
def create(
    outline: Annotated[Path, typer.Argument(help="YAML: title, subtitle, scope, references, chapters.")],
    token: Token,
) -> None:
    """Set out an assessment's outline (a reviewer); chapters name their lead authors by directory id.

    Example: observatory assessment create outline.yml --token $TOKEN
    """
    from observatory.knowledge.assessment import create_assessment

    try:
        typer.echo(create_assessment(_store(), token, _read_entry(outline)))
    except FAILURES as error:
        raise _fail(error) from None


@assessment_app.command("list")
def list_command() -> None:
    """Every assessment with its state, chapters approved and comments still unanswered.

    Example: observatory assessment list
    """
    from observatory.knowledge.assessment import list_assessments

    _echo_json(list_assessments(_store()))


@assessment_app.command("show")
def show(assessment_id: Assessment) -> None:
    """One assessment: chapters, lead authors, versions, comments with their answers, history.

    Example: observatory assessment show as-0123456789
    """
    from observatory.knowledge.assessment import get_assessment

    found = get_assessment(_store(), assessment_id[:40])
    if found is None:
        raise typer.BadParameter("no assessment with that id")
    _echo_json(found)


@assessment_app.command("add-chapter")
def add_chapter(
    assessment_id: Assessment,
    title: Annotated[str, typer.Option(help="Chapter title.")],
    lead_author: Annotated[list[str], typer.Option(help="Directory person id (pe-…); repeatable.")],
    token: Token,
    scope: Annotated[str | None, typer.Option(help="What the chapter covers.")] = None,
) -> None:
    """Add a chapter with its lead authors to the outline (a reviewer); prints its number.

    Example: observatory assessment add-chapter as-0123456789 --title "Climate and mobility" --lead-author pe-4adab2a6ac
    """
    from observatory.knowledge.assessment import add_chapter as add

    try:
        entry = {"title": title, "scope": scope, "lead_authors": lead_author}
        typer.echo(add(_store(), token, assessment_id[:40], entry))
    except FAILURES as error:
        raise _fail(error) from None


@assessment_app.command("submit")
def submit(
    assessment_id: Assessment,
    chapter: Chapter,
    file: Annotated[Path, typer.Argument(help="Markdown with the report directives ({{value …}}, ::: finding ID, …).")],
    token: Token,
) -> None:
    """Submit a chapter's text (a new version; the directives are checked against the current release).

    Example: observatory assessment submit as-0123456789 1 chapter-1.md --token $TOKEN
    """
    from observatory.knowledge.assessment import release_checker, submit_chapter
    from observatory.settings import get_settings

    if file.stat().st_size > MAX_CHAPTER_FILE_BYTES:
        raise typer.BadParameter("the chapter file is larger than 1 MB")
    text = file.read_text(encoding="utf-8")
    try:
        version = submit_chapter(_store(), token, assessment_id[:40], chapter, text, release_checker(get_settings()))
    except FAILURES as error:
        raise _fail(error) from None
    typer.echo(f"chapter {chapter} version {version}")


@assessment_app.command("comment")
def comment(
    assessment_id: Assessment,
    chapter: Chapter,
    text: Annotated[str, typer.Option(help="The review comment.")],
    token: Token,
    line: Annotated[int | None, typer.Option(help="Line of the chapter's current text.")] = None,
) -> None:
    """A reviewer's comment on a chapter they did not write; prints its number. Comments are never deleted.

    Example: observatory assessment comment as-0123456789 1 --text "Cite the 2024 revision" --token $TOKEN
    """
    from observatory.knowledge.assessment import add_comment

    try:
        number = add_comment(_store(), token, assessment_id[:40], chapter, text, line)
    except FAILURES as error:
        raise _fail(error) from None
    typer.echo(f"chapter {chapter} comment {number}")


@assessment_app.command("answer")
def answer(
    assessment_id: Assessment,
    chapter: Chapter,
    comment_number: Annotated[int, typer.Argument(help="Comment number within the chapter.", min=1)],
    text: Annotated[str, typer.Option(help="The authors' answer.")],
    token: Token,
) -> None:
    """The chapter's authors answer a comment; the answer is kept beside it.

    Example: observatory assessment answer as-0123456789 1 1 --text "Done: now cites the 2024 revision" --token $TOKEN
    """
    from observatory.knowledge.assessment import answer_comment

    try:
        answer_comment(_store(), token, assessment_id[:40], chapter, comment_number, text)
    except FAILURES as error:
        raise _fail(error) from None
    typer.echo("answered")


@assessment_app.command("approve")
def approve(
    assessment_id: Assessment,
    chapter: Chapter,
    token: Token,
    note: Annotated[str | None, typer.Option(help="Kept in the history.")] = None,
) -> None:
    """A reviewer who did not write the chapter approves it (refused while a comment on it is unanswered).

    Example: observatory assessment approve as-0123456789 1 --token $TOKEN
    """
    from observatory.knowledge.assessment import approve_chapter

    try:
        typer.echo(approve_chapter(_store(), token, assessment_id[:40], chapter, note))
    except FAILURES as error:
        raise _fail(error) from None


@assessment_app.command("publish")
def publish(
    assessment_id: Assessment,
    token: Token,
    fmt: Annotated[list[str] | None, typer.Option("--format", help="html, pdf, md or json; repeatable.")] = None,
    release: Annotated[str | None, typer.Option(help="Release id (default: the current one).")] = None,
) -> None:
    """Publish the numbered report (series AR of the catalogue); refused while a comment is unanswered.

    Example: observatory assessment publish as-0123456789 --format html --format pdf --token $TOKEN
    """
    from observatory.knowledge.assessment import publish_assessment
    from observatory.settings import get_settings

    formats = fmt or ["html", "md", "json", "pdf"]
    try:
        entry = publish_assessment(_store(), token, get_settings(), assessment_id[:40], formats, release)
    except FAILURES as error:
        raise _fail(error) from None
    typer.echo(json.dumps({"id": entry["id"], "citation": entry["citation_number"],
                           "files": [f["path"] for f in entry["formats"]]}, indent=2))  # fmt: skip
