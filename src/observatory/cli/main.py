"""`observatory`: thin commands over the library. Every command shows an example in its help."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from observatory.cli.output import OutputFormat, emit_rows
from observatory.settings import Settings, get_settings

app = typer.Typer(
    help="Migration Observatory: migration statistics with provenance.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)

MirrorOption = Annotated[
    Path | None,
    typer.Option("--mirror", help="Read raw files from this folder (laid out <source>/<file>) instead of the cache."),
]
HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="Folder with the cache, releases and stores (default ./var or $OBSERVATORY_HOME)."),
]


def _settings(home: Path | None = None, mirror: Path | None = None) -> Settings:
    return get_settings(home=home, mirror=mirror)


def fail(message: str, code: int = 1) -> None:
    errors.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    raise typer.Exit(code)


@app.command()
def fetch(
    source: Annotated[list[str] | None, typer.Argument(help="Source ids (default: all).")] = None,
    home: HomeOption = None,
) -> None:
    """Download raw source files into the cache, verifying each sha256.

    Example: observatory fetch unhcr_population
    """
    from observatory.sources import registry
    from observatory.sources.errors import SourceError
    from observatory.sources.fetch import fetch as fetch_files

    settings = _settings(home)
    try:
        specs = [registry.get_spec(s) for s in source] if source else list(registry.all_specs())
        for source_id, lines in fetch_files(settings, specs).items():
            for line in lines:
                console.print(f"{source_id}: {line}", highlight=False)
    except (SourceError, KeyError) as error:
        fail(str(error))


@app.command()
def build(
    mirror: MirrorOption = None,
    home: HomeOption = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Build only these sources (plus the area reference).")
    ] = None,
    allow_changed_files: Annotated[
        bool, typer.Option(help="Accept raw files whose sha256 differs from source.yml (recorded as warnings).")
    ] = False,
    full: Annotated[
        bool,
        typer.Option(
            "--full", help="Parse every source again instead of copying unchanged ones from the current release."
        ),
    ] = False,
) -> None:
    """Build a new warehouse release from the sources and make it current.

    Sources unchanged since the current release (declaration, connector, raw file checksums, build code) are copied
    from it unless --full is given.

    Example: OBSERVATORY_MIRROR=../shared/data observatory build --full
    """
    from observatory.geo import UnresolvedAreasError
    from observatory.sources import registry
    from observatory.sources.errors import SourceError
    from observatory.warehouse.build import BuildError, build_release

    settings = _settings(home, mirror)
    try:
        specs = None
        if source:
            specs = [spec for spec in registry.all_specs() if spec.reference_only or spec.id in source]
            unknown = set(source) - {spec.id for spec in specs}
            if unknown:
                fail(f"unknown source(s) {sorted(unknown)}; see `observatory sources`")
        report = build_release(
            settings,
            specs=specs,
            strict_checksums=not allow_changed_files,
            console=errors,
            incremental_build=not full,
        )
    except (BuildError, SourceError, UnresolvedAreasError, registry.SpecError) as error:
        fail(str(error))
    warnings = sum(1 for f in report.findings if f.severity == "warning")
    console.print(
        f"release {report.release.release_id}: {len(report.datasets)} datasets, "
        f"{sum(report.datasets.values()):,} rows, {report.indicator_values:,} indicator values, {warnings} warnings, "
        f"{len(report.reused)} unchanged sources copied from the previous release, {report.seconds:.1f} s",
        highlight=False,
    )
    _print_status(settings)


def _print_status(settings: Settings) -> None:
    """One block per dataset: provenance first, then each raw file with its checksum."""
    from observatory.warehouse.status import dataset_status

    release, rows = dataset_status(settings)
    console.print(f"[bold]Release {release.release_id}[/] (current) — {len(rows)} datasets", highlight=False)
    for row in rows:
        console.print(f"\n[bold]{row['id']}[/] — {row['title']}", highlight=False)
        console.print(
            f"  publisher: {row['publisher']} · version: {row['version_producer']} · licence: {row['licence']} · "
            f"rows: {row['row_count']:,}{' · repackaged extract' if row['repackaged'] else ''}",
            highlight=False,
        )
        for file in row["files"]:
            console.print(f"  {file['path']}  sha256 {file['sha256']}", highlight=False)


@app.command()
def status(home: HomeOption = None) -> None:
    """Show the current release and every dataset in it with version, checksum and rows.

    Example: observatory status
    """
    from observatory.warehouse.releases import ReleaseError

    try:
        _print_status(_settings(home))
    except ReleaseError as error:
        fail(str(error))


@app.command("releases")
def list_releases_command(home: HomeOption = None) -> None:
    """List the releases on disk, marking the current one.

    Example: observatory releases
    """
    from observatory.warehouse import releases

    settings = _settings(home)
    current = releases.current_release(settings)
    for release in releases.list_releases(settings):
        marker = "*" if current and current.release_id == release.release_id else " "
        console.print(f"{marker} {release.release_id}  {release.path.stat().st_size / 1e6:8.1f} MB", highlight=False)


@app.command()
def rollback(
    release_id: Annotated[str | None, typer.Argument(help="Release to make current (default: the one before).")] = None,
    home: HomeOption = None,
) -> None:
    """Make an earlier release current again.

    Example: observatory rollback r20261125T101500Z
    """
    from observatory.warehouse import releases

    try:
        release = releases.rollback(_settings(home), release_id)
    except releases.ReleaseError as error:
        fail(str(error))
    console.print(f"current release is now {release.release_id}", highlight=False)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="One read-only SQL statement.")],
    format: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json")] = OutputFormat.table,
    home: HomeOption = None,
) -> None:
    """Run a read-only SQL query on the current release; writes are refused.

    Example: observatory sql "select count(*) from area where kind='country'"
    """
    from observatory.warehouse.query import QueryError, read_only_query

    try:
        columns, rows = read_only_query(_settings(home), query)
    except QueryError as error:
        fail(str(error))
    emit_rows(columns, rows, format, console)


@app.command()
def check(
    home: HomeOption = None,
    severity: Annotated[str | None, typer.Option(help="Only error, warning or info.")] = None,
    format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Print the data-quality report stored in the current release.

    Example: observatory check --severity warning
    """
    from observatory.warehouse.query import QueryError, read_only_query

    if severity is not None and severity not in ("error", "warning", "info"):
        fail(f"--severity must be error, warning or info, not {severity!r}")
    where = f"WHERE severity = '{severity}'" if severity else ""
    try:
        columns, rows = read_only_query(
            _settings(home),
            "SELECT dataset_id, check_name, severity, count, file, row_number, field, message FROM check_result "
            f"{where} "
            "ORDER BY dataset_id, CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, check_name",
        )
    except QueryError as error:
        fail(str(error))
    if format is not OutputFormat.table:
        emit_rows(columns, rows, format, console)
        return
    for dataset, check_name, level, count, file, row_number, field, message in rows:
        where = ", ".join(
            part
            for part in (file, f"row {row_number}" if row_number else "", f"field {field!r}" if field else "")
            if part
        )
        console.print(
            f"[{'red' if level == 'error' else 'yellow' if level == 'warning' else 'dim'}]{level:<7}[/] {dataset} · "
            f"{check_name} ({count})"
            f"{' · ' + where if where else ''}\n        {message}",
            highlight=False,
        )
    console.print(f"{len(rows)} finding(s)", highlight=False)


@app.command()
def sources() -> None:
    """List the declared sources with their publisher and measures.

    Example: observatory sources
    """
    from observatory.sources import registry

    table = Table()
    for column in ("source", "publisher", "version", "measures"):
        table.add_column(column, overflow="fold")
    for spec in registry.all_specs():
        table.add_row(
            spec.id, spec.publisher, spec.version_producer, ", ".join(m.id for m in spec.measures) or "(reference)"
        )
    console.print(table)


def _mount_sub_apps() -> None:
    """Command groups that live with their package."""
    from observatory.evidence.cli import app as evidence_app
    from observatory.firewall.cli import token_app, vault_app
    from observatory.flows.cli import app as flows_app
    from observatory.indicators import cli as indicators_cli
    from observatory.knowledge.cli import register as register_knowledge
    from observatory.publish import cli as publish_cli
    from observatory.web import cli as web_cli

    indicators_cli.register(app)
    publish_cli.register(app)
    web_cli.register(app)
    register_knowledge(app)
    app.add_typer(flows_app, name="flows", help="Estimate migration flows from stock tables (migest methods).")
    app.add_typer(
        evidence_app, name="evidence", help="Evidence library: import, search, findings, knowledge gaps, review."
    )
    app.add_typer(
        vault_app,
        name="vault",
        help="Sealed vault of sensitive contributions; only disclosure-controlled aggregates leave it.",
    )
    app.add_typer(token_app, name="token", help="Create and revoke access tokens for the vault.")


_mount_sub_apps()


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="observatory")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())  # type: ignore[func-returns-value]  # entry-point idiom: main() returns None, exit status 0
