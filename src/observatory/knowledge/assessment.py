"""The panel's assessments: outline -> chapters with lead authors -> review comments answered and kept -> report."""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from observatory.knowledge.contributions import problem_text
from observatory.knowledge.directory import PUBLIC_STATES, resolve_person
from observatory.knowledge.review import contributor, reviewer
from observatory.knowledge.store import KnowledgeStore, now
from observatory.knowledge.vocab import label
from observatory.settings import Settings

SERIES = "AR"
MAX_CHAPTERS = 40
MAX_LEAD_AUTHORS = 12
MAX_TEXT_CHARS = 200_000
MAX_COMMENT_CHARS = 4000
MAX_SHOWN_PROBLEMS = 5
HEADING_LINES = 2  # the chapter file starts with '# N. Title' and a blank line before the submitted text
REFERENCE_KEY = re.compile(r"[A-Za-z0-9_.-]{1,60}")  # what the report's [@KEY] accepts; 'record:' keys are findings'
CHAPTER_FILE = re.compile(r"\S*chapter-(\d+)\.md")
QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")
DIRECTIVE_WORDS = re.compile(r"['\"](:::\s*\w+|\{\{\w+ \.\.\.\}\})['\"]")
PUBLISHED = "published"
VOCAB = "assessments.yml"

# A checker resolves a chapter's directives against a release: (references, chapter number, title, text) -> None.
Checker = Callable[[dict[str, str], int, str, str], None]


class WorkflowError(ValueError):
    """An action the assessment's state does not allow now (publishing while a comment is unanswered, ...)."""


def _line(value: str, field: str) -> str:
    """One line of text (titles): no line breaks."""
    if "\n" in value or "\r" in value:
        raise ValueError(f"{field}: one line, without line breaks")
    return value


class ChapterIn(BaseModel):
    """A chapter of the outline: its title, what it covers, and its lead authors (directory person ids)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=3, max_length=300)
    scope: str | None = Field(None, max_length=4000)
    lead_authors: list[str] = Field(min_length=1, max_length=MAX_LEAD_AUTHORS)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return _line(value, "title")

    @field_validator("lead_authors")
    @classmethod
    def _ids(cls, value: list[str]) -> list[str]:
        if any(not v or len(v) > 40 for v in value):
            raise ValueError("lead_authors: person ids of the research directory (pe-…)")
        return list(dict.fromkeys(value))


class OutlineIn(BaseModel):
    """An assessment's outline: title, scope, references that chapters cite as [@KEY], and its first chapters."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=3, max_length=300)
    subtitle: str | None = Field(None, max_length=300)
    scope: str | None = Field(None, max_length=8000)
    references: dict[str, str] = Field(default_factory=dict, max_length=500)
    chapters: list[ChapterIn] = Field(default_factory=list, max_length=MAX_CHAPTERS)

    @field_validator("title", "subtitle")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        return _line(value, "title") if value else value

    @field_validator("references")
    @classmethod
    def _references(cls, value: dict[str, str]) -> dict[str, str]:
        for key, text in value.items():
            if not REFERENCE_KEY.fullmatch(key):
                raise ValueError("references: keys are letters, digits, '_', '.' and '-' (at most 60)")
            if not isinstance(text, str) or not 3 <= len(text) <= 2000:
                raise ValueError("references: each reference is a text of 3 to 2000 characters")
        return value


def _model(model: type[BaseModel], data: Any) -> Any:
    """A validated model, or ValueError with 'field: message' (values are never echoed)."""
    if not isinstance(data, dict):
        raise ValueError("body: a mapping of fields")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ValueError(problem_text(error)) from None


def _lead_authors(store: KnowledgeStore, ids: list[str]) -> list[str]:
    """The ids of published people of the directory (merges followed); ValueError naming the field otherwise."""
    resolved: list[str] = []
    for pid in ids:
        current = resolve_person(store, pid)
        state = store.rows("SELECT state FROM people WHERE id = ?", [current]) if current else []
        if current is None or not state or state[0]["state"] not in PUBLIC_STATES:
            raise ValueError("lead_authors: no published person of the research directory with one of these ids")
        resolved.append(current)
    return list(dict.fromkeys(resolved))


def _text(value: Any, field: str, limit: int) -> str:
    """A non-empty text within its size limit."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field}: give a text")
    if len(value) > limit or "\x00" in value:
        raise ValueError(f"{field}: at most {limit} characters, no NUL")
    return value.strip()


def check_chapter_text(text: Any) -> str:
    """A chapter's Markdown: size-limited, no '# ' heading (the outline sets the chapter's title)."""
    text = _text(text, "text", MAX_TEXT_CHARS).replace("\r\n", "\n")
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("# "):
            raise ValueError(f"text: line {number}: the outline sets the chapter's title; start sections with '## '")
    return text


def _assessment(con, assessment_id: str, writable: bool = True) -> tuple:
    """(title, state, refs) of an assessment; KeyError when unknown, WorkflowError once published (for writes)."""
    row = con.execute("SELECT title, state, refs FROM assessments WHERE id = ?", [assessment_id]).fetchone()
    if row is None:
        raise KeyError("no assessment with that id")
    if writable and row[1] == PUBLISHED:
        raise WorkflowError("this assessment is published; its chapters and comments are closed")
    return row


def _chapter(con, assessment_id: str, number: int) -> tuple:
    """(title, state, version) of a chapter; KeyError when unknown."""
    row = con.execute(
        "SELECT title, state, version FROM assessment_chapters WHERE assessment_id = ? AND number = ?",
        [assessment_id, number],
    ).fetchone()
    if row is None:
        raise KeyError("no chapter with that number in this assessment")
    return row


def _writers(con, assessment_id: str, number: int) -> set[str]:
    """Who submitted a text of the chapter: its authors on the review side."""
    rows = con.execute(
        "SELECT DISTINCT submitted_by FROM chapter_versions WHERE assessment_id = ? AND chapter = ?",
        [assessment_id, number],
    ).fetchall()
    return {r[0] for r in rows}


def _insert_chapter(con, store: KnowledgeStore, assessment_id: str, chapter: ChapterIn, authors: list[str], who: str):
    """Add a chapter at the end of the outline inside an open transaction; returns its number."""
    count = con.execute("SELECT count(*) FROM assessment_chapters WHERE assessment_id = ?", [assessment_id]).fetchone()
    number = int(count[0]) + 1 if count else 1
    if number > MAX_CHAPTERS:
        raise WorkflowError(f"chapters: an assessment has at most {MAX_CHAPTERS} chapters")
    stamp = now()
    con.execute(
        "INSERT INTO assessment_chapters VALUES (?, ?, ?, ?, ?, 'planned', 0, NULL, ?, ?)",
        [assessment_id, number, chapter.title, chapter.scope, authors, stamp, stamp],
    )
    store.log(con, "assessment", assessment_id, f"chapter {number} added", who, None,
              {"title": chapter.title, "lead_authors": authors})  # fmt: skip
    return number


def create_assessment(store: KnowledgeStore, token: str, data: Any) -> str:
    """A reviewer (the panel's bureau) sets out an assessment's outline; returns its id (as-…)."""
    who = reviewer(token, store)
    outline = _model(OutlineIn, data)
    authors = [_lead_authors(store, chapter.lead_authors) for chapter in outline.chapters]
    assessment_id = "as-" + hashlib.sha1(outline.title.lower().encode()).hexdigest()[:10]
    stamp = now()
    with store.connect() as con:
        if con.execute("SELECT 1 FROM assessments WHERE id = ?", [assessment_id]).fetchone():
            raise WorkflowError("title: an assessment with this title exists already")
        con.execute("BEGIN")
        con.execute(
            "INSERT INTO assessments VALUES (?, ?, ?, ?, ?, 'outline', ?, ?, ?, NULL, NULL, NULL, NULL)",
            [assessment_id, outline.title, outline.subtitle, outline.scope, json.dumps(outline.references), who,
             stamp, stamp],
        )  # fmt: skip
        store.log(con, "assessment", assessment_id, "outline created", who, None,
                  outline.model_dump(exclude={"chapters"}))  # fmt: skip
        for chapter, resolved in zip(outline.chapters, authors, strict=True):
            _insert_chapter(con, store, assessment_id, chapter, resolved, who)
        store.bump(con)
        con.execute("COMMIT")
    return assessment_id


def add_chapter(store: KnowledgeStore, token: str, assessment_id: str, data: Any) -> int:
    """A reviewer adds a chapter with its lead authors to an unpublished assessment; returns its number."""
    who = reviewer(token, store)
    chapter = _model(ChapterIn, data)
    authors = _lead_authors(store, chapter.lead_authors)
    with store.connect() as con:
        _assessment(con, assessment_id)
        con.execute("BEGIN")
        number = _insert_chapter(con, store, assessment_id, chapter, authors, who)
        store.bump(con)
        con.execute("COMMIT")
    return number


def submit_chapter(
    store: KnowledgeStore, token: str, assessment_id: str, number: int, text: Any, check: Checker | None = None
) -> int:
    """The chapter's authors submit its Markdown (every version is kept); returns the new version number."""
    who = contributor(token, store)
    text = check_chapter_text(text)
    with store.connect(read_only=True) as con:
        _, _, refs = _assessment(con, assessment_id)
        title, state, _ = _chapter(con, assessment_id, number)
    if state == "approved":
        raise WorkflowError(f"chapter {number} is approved; its text is final")
    if check is not None:
        check(json.loads(refs), number, title, text)
    with store.connect() as con:
        con.execute("BEGIN")
        _assessment(con, assessment_id)
        _, state, version = _chapter(con, assessment_id, number)
        if state == "approved":  # approved while the text was being checked
            con.execute("ROLLBACK")
            raise WorkflowError(f"chapter {number} is approved; its text is final")
        version += 1
        stamp = now()
        con.execute("INSERT INTO chapter_versions VALUES (?, ?, ?, ?, ?, ?)",
                    [assessment_id, number, version, text, who, stamp])  # fmt: skip
        con.execute(
            "UPDATE assessment_chapters SET state = 'submitted', version = ?, updated_at = ? "
            "WHERE assessment_id = ? AND number = ?",
            [version, stamp, assessment_id, number],
        )
        con.execute("UPDATE assessments SET state = 'in_review', updated_at = ? WHERE id = ?", [stamp, assessment_id])
        store.log(con, "assessment", assessment_id, f"chapter {number} version {version} submitted", who)
        store.bump(con)
        con.execute("COMMIT")
    return version


def add_comment(
    store: KnowledgeStore, token: str, assessment_id: str, number: int, body: Any, line: int | None = None
) -> int:
    """A reviewer's comment on a chapter's current text (never on their own); returns the comment's number."""
    who = reviewer(token, store)
    body = _text(body, "comment", MAX_COMMENT_CHARS)
    with store.connect() as con:
        _assessment(con, assessment_id)
        _, state, version = _chapter(con, assessment_id, number)
        if version == 0:
            raise WorkflowError(f"chapter {number} has no text to comment on yet")
        if state == "approved":
            raise WorkflowError(f"chapter {number} is approved; its review is closed")
        if who in _writers(con, assessment_id, number):
            raise PermissionError("reviewers do not review chapters they wrote")
        if line is not None:
            text = con.execute(
                "SELECT text FROM chapter_versions WHERE assessment_id = ? AND chapter = ? AND version = ?",
                [assessment_id, number, version],
            ).fetchone()
            if not isinstance(line, int) or not 1 <= line <= len(text[0].splitlines()):  # type: ignore[index]  # the version exists: it was counted
                raise ValueError("line: a line number of the chapter's current text")
        con.execute("BEGIN")
        count = con.execute(
            "SELECT count(*) FROM review_comments WHERE assessment_id = ? AND chapter = ?", [assessment_id, number]
        ).fetchone()
        comment_number = int(count[0]) + 1 if count else 1
        con.execute(
            "INSERT INTO review_comments VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL)",
            [assessment_id, number, comment_number, version, line, body, who, now()],
        )
        store.log(con, "assessment", assessment_id, f"chapter {number} comment {comment_number}", who, body)
        store.bump(con)
        con.execute("COMMIT")
    return comment_number


def answer_comment(
    store: KnowledgeStore, token: str, assessment_id: str, number: int, comment_number: int, body: Any
) -> None:
    """The chapter's authors answer a comment once; the answer is kept beside it, the comment is never changed."""
    who = contributor(token, store)
    body = _text(body, "answer", MAX_COMMENT_CHARS)
    with store.connect() as con:
        _assessment(con, assessment_id)
        _chapter(con, assessment_id, number)
        row = con.execute(
            "SELECT answer FROM review_comments WHERE assessment_id = ? AND chapter = ? AND number = ?",
            [assessment_id, number, comment_number],
        ).fetchone()
        if row is None:
            raise KeyError("no comment with that number on this chapter")
        if who not in _writers(con, assessment_id, number):
            raise PermissionError("only the chapter's authors (who submitted its text) answer its comments")
        if row[0] is not None:
            raise WorkflowError(f"comment {comment_number} on chapter {number} is answered already")
        con.execute("BEGIN")
        con.execute(
            "UPDATE review_comments SET answer = ?, answered_by = ?, answered_at = ? "
            "WHERE assessment_id = ? AND chapter = ? AND number = ?",
            [body, who, now(), assessment_id, number, comment_number],
        )
        store.log(con, "assessment", assessment_id, f"chapter {number} comment {comment_number} answered", who, body)
        store.bump(con)
        con.execute("COMMIT")


def unanswered(store: KnowledgeStore, assessment_id: str, number: int | None = None) -> list[dict[str, Any]]:
    """Comments still waiting for their answer (of one chapter, or of every chapter), in order."""
    return store.rows(
        """SELECT c.chapter, ch.title, c.number FROM review_comments c
           JOIN assessment_chapters ch ON ch.assessment_id = c.assessment_id AND ch.number = c.chapter
           WHERE c.assessment_id = ? AND (? IS NULL OR c.chapter = ?) AND c.answer IS NULL
           ORDER BY c.chapter, c.number""",
        [assessment_id, number, number],
    )


def _refuse_unanswered(open_comments: list[dict[str, Any]], action: str) -> None:
    """WorkflowError naming each chapter and comment number still unanswered."""
    if open_comments:
        named = "; ".join(
            f"chapter {c['chapter']} ({c['title']}), comment {c['number']}" for c in open_comments[:MAX_SHOWN_PROBLEMS]
        )
        more = f" and {len(open_comments) - MAX_SHOWN_PROBLEMS} more" if len(open_comments) > MAX_SHOWN_PROBLEMS else ""
        raise WorkflowError(f"cannot {action}: unanswered review comment(s): {named}{more}")


def approve_chapter(store: KnowledgeStore, token: str, assessment_id: str, number: int, note: str | None = None) -> str:
    """A reviewer who did not write the chapter approves its current text once every comment on it is answered."""
    who = reviewer(token, store)
    with store.connect(read_only=True) as con:
        _assessment(con, assessment_id)
        _, state, version = _chapter(con, assessment_id, number)
        writers = _writers(con, assessment_id, number)
    if version == 0:
        raise WorkflowError(f"chapter {number} has no text to approve yet")
    if state == "approved":
        raise WorkflowError(f"chapter {number} is approved already")
    if who in writers:
        raise PermissionError("reviewers do not approve chapters they wrote")
    _refuse_unanswered(unanswered(store, assessment_id, number), f"approve chapter {number}")
    with store.connect() as con:
        con.execute("BEGIN")
        con.execute(
            "UPDATE assessment_chapters SET state = 'approved', approved_by = ?, updated_at = ? "
            "WHERE assessment_id = ? AND number = ? AND state <> 'approved'",
            [who, now(), assessment_id, number],
        )
        store.log(con, "assessment", assessment_id, f"chapter {number} version {version} approved", who,
                  (note or "")[:MAX_COMMENT_CHARS] or None)  # fmt: skip
        store.bump(con)
        con.execute("COMMIT")
    return "approved"


def _people_names(store: KnowledgeStore, ids: Iterable[str]) -> dict[str, str]:
    """Display names of directory people by id (merges followed)."""
    names = {}
    for pid in dict.fromkeys(ids):
        current = resolve_person(store, pid) or pid
        row = store.rows("SELECT name FROM people WHERE id = ?", [current])
        names[pid] = row[0]["name"] if row else pid
    return names


def get_assessment(store: KnowledgeStore, assessment_id: str) -> dict[str, Any] | None:
    """An assessment with its chapters (lead authors, versions, current text), comments with answers, and history."""
    rows = store.rows("SELECT * FROM assessments WHERE id = ?", [assessment_id])
    if not rows:
        return None
    head = rows[0]
    chapters = store.rows("SELECT * FROM assessment_chapters WHERE assessment_id = ? ORDER BY number", [assessment_id])
    versions = store.rows(
        "SELECT chapter, version, text, submitted_by, submitted_at FROM chapter_versions WHERE assessment_id = ? "
        "ORDER BY chapter, version",
        [assessment_id],
    )
    comments = store.rows(
        "SELECT * EXCLUDE (assessment_id) FROM review_comments WHERE assessment_id = ? ORDER BY chapter, number",
        [assessment_id],
    )
    names = _people_names(store, [a for c in chapters for a in c["lead_authors"]])
    shown = []
    for chapter in chapters:
        mine = [v for v in versions if v["chapter"] == chapter["number"]]
        remarks = [
            {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in c.items() if k != "chapter"}
            for c in comments
            if c["chapter"] == chapter["number"]
        ]
        shown.append(
            {
                "number": chapter["number"],
                "title": chapter["title"],
                "scope": chapter["scope"],
                "state": chapter["state"],
                "state_label": label(VOCAB, "chapter_states", chapter["state"]),
                "version": chapter["version"],
                "approved_by": chapter["approved_by"],
                "lead_authors": [{"id": a, "name": names[a]} for a in chapter["lead_authors"]],
                "text": mine[-1]["text"] if mine else None,
                "versions": [
                    {"version": v["version"], "submitted_by": v["submitted_by"], "at": v["submitted_at"].isoformat()}
                    for v in mine
                ],
                "comments": remarks,
                "unanswered": sum(1 for c in remarks if c["answer"] is None),
            }
        )
    return {
        "id": head["id"],
        "title": head["title"],
        "subtitle": head["subtitle"],
        "scope": head["scope"],
        "references": json.loads(head["refs"] or "{}"),
        "state": head["state"],
        "state_label": label(VOCAB, "assessment_states", head["state"]),
        "created_by": head["created_by"],
        "created_at": head["created_at"].isoformat(),
        "publication_id": head["publication_id"],
        "release": head["release"],
        "published_at": head["published_at"].isoformat() if head["published_at"] else None,
        "authors": list(dict.fromkeys(a["name"] for c in shown for a in c["lead_authors"])),
        "chapters": shown,
        "history": store.history("assessment", assessment_id),
    }


def list_assessments(store: KnowledgeStore) -> list[dict[str, Any]]:
    """Every assessment with its state, chapter counts and open comments, newest first."""
    rows = store.rows(
        """SELECT a.id, a.title, a.subtitle, a.state, a.publication_id, a.created_at,
                  (SELECT count(*) FROM assessment_chapters c WHERE c.assessment_id = a.id) AS chapters,
                  (SELECT count(*) FROM assessment_chapters c WHERE c.assessment_id = a.id AND c.state = 'approved')
                      AS approved,
                  (SELECT count(*) FROM review_comments r WHERE r.assessment_id = a.id) AS comments,
                  (SELECT count(*) FROM review_comments r WHERE r.assessment_id = a.id AND r.answer IS NULL)
                      AS unanswered
           FROM assessments a ORDER BY a.created_at DESC, a.id"""
    )
    return [
        {**r, "created_at": r["created_at"].isoformat(), "state_label": label(VOCAB, "assessment_states", r["state"])}
        for r in rows
    ]


# --- checking directives and publishing ---------------------------------------------------------------------------


def chapter_file(number: int) -> str:
    """The name of a chapter's Markdown file (error messages are mapped back to the chapter from it)."""
    return f"chapter-{number:02d}.md"


def chapter_source(number: int, title: str, text: str) -> str:
    """The file the report builder reads: the outline's title as the heading, then the submitted text."""
    return f"# {number}. {title}\n\n{text}\n"


def located(message: str) -> str:
    """A report builder's error with the chapter and the line of the submitted text, and no quoted value echoed."""

    def place(match: re.Match) -> str:
        number, line = int(match.group(1)), int(match.group(2))
        return f"chapter {number}, line {max(1, line - HEADING_LINES)}"

    text = re.sub(r"\S*chapter-(\d+)\.md:(\d+)", place, message)
    text = CHAPTER_FILE.sub(lambda m: f"chapter {int(m.group(1))}", text)
    keep = {m.group(0) for m in DIRECTIVE_WORDS.finditer(text)}
    text = QUOTED.sub(lambda m: m.group(0) if m.group(0) in keep else "'…'", text)
    return "text: " + text[:400]


def release_checker(settings: Settings, release_id: str | None = None) -> Checker:
    """A checker that resolves a chapter's directives against a release of the home, as the report will."""

    def check(references: dict[str, str], number: int, title: str, text: str) -> None:
        from observatory.publish.data import PublishError, ReleaseData
        from observatory.publish.report import ReportState, read_chapter
        from observatory.warehouse.releases import ReleaseError

        try:
            data = ReleaseData.open(settings, release_id)
        except ReleaseError:
            raise WorkflowError("no data release in this home to check the chapter's directives against") from None
        try:
            with tempfile.TemporaryDirectory(prefix="chapter-check-") as folder:
                path = Path(folder) / chapter_file(number)
                path.write_text(chapter_source(number, title, text), encoding="utf-8")
                read_chapter(data, path, ReportState(outline_refs=dict(references)))
        except PublishError as error:
            raise ValueError(located(str(error))) from None
        finally:
            data.close()

    return check


def _ready_to_publish(store: KnowledgeStore, assessment_id: str) -> dict[str, Any]:
    """The assessment when every comment is answered and every chapter approved; WorkflowError naming what is not."""
    assessment = get_assessment(store, assessment_id)
    if assessment is None:
        raise KeyError("no assessment with that id")
    if assessment["state"] == PUBLISHED:
        raise WorkflowError(f"this assessment is published already as {assessment['publication_id']}")
    if not assessment["chapters"]:
        raise WorkflowError("cannot publish: the outline has no chapter")
    _refuse_unanswered(unanswered(store, assessment_id), "publish")
    waiting = [c for c in assessment["chapters"] if c["state"] != "approved"]
    if waiting:
        named = "; ".join(f"chapter {c['number']} ({c['title']}) is {c['state']}" for c in waiting[:MAX_SHOWN_PROBLEMS])
        raise WorkflowError(f"cannot publish: every chapter needs a reviewer's approval: {named}")
    return assessment


def _write_sources(folder: Path, assessment: dict[str, Any]) -> Path:
    """The outline and chapter files the report is built from, kept beside the report; returns the outline path."""
    folder.mkdir(parents=True, exist_ok=True)
    for chapter in assessment["chapters"]:
        (folder / chapter_file(chapter["number"])).write_text(
            chapter_source(chapter["number"], chapter["title"], chapter["text"]), encoding="utf-8"
        )
    outline = {
        "title": assessment["title"],
        "subtitle": assessment["subtitle"] or "",
        "authors": assessment["authors"],
        "chapters": [{"file": chapter_file(c["number"])} for c in assessment["chapters"]],
        "references": assessment["references"],
    }
    path = folder / "outline.yml"
    path.write_text(yaml.safe_dump(outline, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _decorate(document, assessment: dict[str, Any], citation: str) -> None:
    """Lead authors under each chapter's title, the review record after the chapters, the number in the subtitle."""
    from observatory.publish.document import Notice, Section, Table, Text

    chapter_sections = [s for s in document.sections if s.id.startswith("ch-")]
    for section, chapter in zip(chapter_sections, assessment["chapters"], strict=True):
        names = ", ".join(a["name"] for a in chapter["lead_authors"])
        section.blocks.insert(0, Text([f"Lead authors: {names}."], "small"))
    blocks: list[Any] = [
        Notice("Every review comment on the chapters, with the authors' answer. Comments are never deleted.", "info")
    ]
    for chapter in assessment["chapters"]:
        rows = [
            [c["number"], c["version"], c["line"] or "", c["body"], c["author"], c["answer"], c["answered_by"]]
            for c in chapter["comments"]
        ]
        caption = f"Chapter {chapter['number']}. {chapter['title']}"
        if rows:
            blocks.append(
                Table(caption, ["No.", "Version", "Line", "Comment", "Reviewer", "Answer", "Answered by"], rows,
                      numbered=False)
            )  # fmt: skip
        else:
            blocks.append(Text([f"{caption}: no review comment."], "small"))
    position = document.sections.index(chapter_sections[-1]) + 1
    document.sections.insert(position, Section("review", "Review comments and answers", blocks))
    document.subtitle = f"{citation} · {document.subtitle}" if document.subtitle else citation
    document.meta["assessment"] = assessment["id"]


def publish_assessment(
    store: KnowledgeStore,
    token: str,
    settings: Settings,
    assessment_id: str,
    formats: Iterable[str] = ("html", "md", "json", "pdf"),
    release_id: str | None = None,
) -> dict[str, Any]:
    """A reviewer publishes the report: built by the report builder, numbered in series AR of the catalogue."""
    from observatory.knowledge.publishing import check_formats, write_and_register
    from observatory.publish.catalogue import NewPublication, register_publication, release_folder
    from observatory.publish.data import PublishError, ReleaseData
    from observatory.publish.report import build_report
    from observatory.warehouse.releases import ReleaseError

    who = reviewer(token, store)
    chosen = check_formats(formats)
    assessment = _ready_to_publish(store, assessment_id)
    try:
        data = ReleaseData.open(settings, release_id)
    except ReleaseError:
        raise WorkflowError("no data release in this home to build the report on") from None
    subject = f"assessment:{assessment_id}"
    try:
        folder = release_folder(settings, data.release_id, SERIES) / assessment_id
        try:
            document = build_report(data, _write_sources(folder / "source", assessment))
        except PublishError as error:
            raise ValueError(located(str(error))) from None
        numbered = register_publication(  # the number first: the report carries it on its title page
            settings,
            NewPublication(series=SERIES, subject=subject, title=assessment["title"], authors=assessment["authors"],
                           release=data.release_id),
        )  # fmt: skip
        _decorate(document, assessment, numbered["citation_number"])
        entry = write_and_register(
            settings, document, series=SERIES, subject=subject, stem=assessment_id, formats=chosen,
            authors=assessment["authors"], folder=folder,
        )  # fmt: skip
    finally:
        data.close()
    with store.connect() as con:
        con.execute("BEGIN")
        con.execute(
            "UPDATE assessments SET state = 'published', publication_id = ?, release = ?, published_by = ?, "
            "published_at = ?, updated_at = ? WHERE id = ?",
            [entry["id"], entry["release"], who, now(), now(), assessment_id],
        )
        store.log(con, "assessment", assessment_id, "published", who, entry["id"])
        store.bump(con)
        con.execute("COMMIT")
    return entry
