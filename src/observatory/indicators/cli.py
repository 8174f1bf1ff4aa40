"""`observatory indicators | indicator | framework`: the catalogue, values and framework coverage."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from observatory.cli.output import OutputFormat, emit_rows
from observatory.indicators.query import IndicatorQueryError, ValueFilter, framework_report, indicator_catalogue, indicator_values, open_release
from observatory.settings import get_settings

console = Console()


def _fail(message: str) -> None:
    Console(stderr=True).print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(1)


def indicators(framework: Annotated[Optional[str], typer.Option(help="Only indicators tagged with gcm, gcr or sdg.")] = None,
               format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table) -> None:
    """List the indicator catalogue with units and framework tags.

    Example: observatory indicators --framework sdg
    """
    try:
        release, con = open_release(get_settings())
        with con:
            rows = indicator_catalogue(con, framework)
    except IndicatorQueryError as error:
        _fail(str(error))
    columns = ["id", "title", "unit", "level", "frameworks"]
    emit_rows(columns, [tuple(row[c] for c in columns) for row in rows], format, console)


def indicator(
    indicator_id: Annotated[str, typer.Argument(help="Indicator id, e.g. migrant_stock.")],
    area: Annotated[Optional[str], typer.Option(help="ISO3 code or group code (area indicators).")] = None,
    origin: Annotated[Optional[str], typer.Option(help="Where migrants come from (corridor indicators).")] = None,
    destination: Annotated[Optional[str], typer.Option(help="Where migrants live (corridor indicators).")] = None,
    year: Annotated[Optional[int], typer.Option()] = None,
    period: Annotated[Optional[str], typer.Option(help="A quarter such as 2019Q2, or a flow period such as 2015-2020.")] = None,
    sex: Annotated[Optional[str], typer.Option(help="total, female or male.")] = None,
    category: Annotated[Optional[str], typer.Option(help="Method, route or other breakdown; '' for the total.")] = None,
    revision: Annotated[Optional[str], typer.Option(help="An earlier edition of the inputs, e.g. 2020 (default: the latest).")] = None,
    format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Show the values of one indicator with status, range, sources and the edition of its inputs.

    Example: observatory indicator sdg_10_c_1 --origin MEX --destination USA --period 2019Q2 --format json
    Example: observatory indicator migrant_stock --area WLD --sex total --revision 2020
    """
    filters = ValueFilter(area=area, origin=origin, destination=destination, year=year, period=period, sex=sex, category=category, revision=revision)
    try:
        release, con = open_release(get_settings())
        with con:
            rows = indicator_values(con, indicator_id, filters)
    except IndicatorQueryError as error:
        _fail(str(error))
    if not rows:
        Console(stderr=True).print("no data for these filters", highlight=False)
    if format is OutputFormat.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1, default=str))
        return
    columns = [c for c in rows[0] if c not in ("indicator", "release")] if rows else ["value"]
    emit_rows(columns, [tuple(row[c] for c in columns) for row in rows], format, console)


def framework(
    name: Annotated[str, typer.Argument(help="gcm, gcr or sdg")],
    area: Annotated[Optional[str], typer.Option(help="Coverage for one area only.")] = None,
    format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Each objective of a framework with its indicators, data coverage and gaps (never hidden).

    Example: observatory framework gcm --area MEX
    """
    try:
        release, con = open_release(get_settings())
        with con:
            report = framework_report(con, name, area)
    except IndicatorQueryError as error:
        _fail(str(error))
    if format is OutputFormat.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return
    table = Table(title=f"{name.upper()} objectives{' — ' + area.upper() if area else ''}")
    for column in ("objective", "short name", "indicators (areas × years)", "gap"):
        table.add_column(column, overflow="fold")
    for row in report:
        listed = "; ".join(f"{i['id']} ({i['areas']} × {i['years']})" for i in row["indicators"]) or "—"
        table.add_row(row["objective"], row["short_name"], listed, row["gap"] or "")
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the indicator commands to the main CLI."""
    app.command()(indicators)
    app.command()(indicator)
    app.command()(framework)
