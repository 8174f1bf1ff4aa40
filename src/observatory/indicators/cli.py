"""`observatory indicators | indicator | framework`: the catalogue, values and framework coverage."""

from __future__ import annotations

import difflib
import enum
import json
import re
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from observatory.cli.output import OutputFormat, emit_rows, is_percent_unit
from observatory.geo.lookup import AreaDirectory, AreaLookupError
from observatory.indicators.query import (
    IndicatorQueryError,
    ValueFilter,
    framework_report,
    indicator_catalogue,
    indicator_values,
    open_release,
)
from observatory.settings import get_settings

console = Console()
INDICATOR_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
REVISION_LABEL = re.compile(r"[0-9A-Za-z._-]{1,20}")
PLACE_COLUMNS = ("area", "origin", "destination")
ESSENTIAL_TAIL = ("value", "unit", "status")
NOT_SHOWN = ("indicator", "release")  # the same on every row: said in the title instead
ALL_LABELS = {"category": "(all)", "period": "(year)"}  # what an empty key means, said in a table for people


class Breakdown(str, enum.Enum):  # noqa: UP042 - StrEnum changes str()/format() of members (value instead of Class.member)
    sex = "sex"
    age = "age"
    category = "category"
    period = "period"


class Sex(str, enum.Enum):  # noqa: UP042 - StrEnum changes str()/format() of members (value instead of Class.member)
    total = "total"
    female = "female"
    male = "male"


def _fail(message: str) -> NoReturn:
    # soft_wrap: the terminal wraps the message; hard line breaks would split codes and names mid-suggestion
    Console(stderr=True).print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def _checked_indicator(catalogue: list[dict], indicator_id: str) -> dict:
    """The catalogue entry of an indicator id; a mistyped id gets the nearest ids, an odd one is not repeated."""
    if not INDICATOR_ID.fullmatch(indicator_id):
        _fail("an indicator id is lower-case letters, digits and '_' (at most 64); see `observatory indicators`")
    entries = {row["id"]: row for row in catalogue}
    if indicator_id not in entries:
        close = difflib.get_close_matches(indicator_id, list(entries), n=3, cutoff=0.7)
        hint = f"did you mean {' or '.join(close)}?" if close else "see `observatory indicators`"
        _fail(f"unknown indicator {indicator_id!r}: {hint}")
    return entries[indicator_id]


def _resolved(directory: AreaDirectory, text: str | None, role: str) -> str | None:
    """The area code for what the user typed after --area/--origin/--destination (a code or a name)."""
    if text is None:
        return None
    try:
        return directory.resolve(text, role)
    except AreaLookupError as error:
        _fail(str(error))


def headline_rows(
    rows: list[dict], keep: set[str], headline_category: str | None = None, headline_age: str | None = None
) -> tuple[list[dict], list[str]]:
    """One value per place and year unless a breakdown is kept: dimension by dimension, the total (or the declared
    headline category or age band) where the group has one, else every row of the group, never summed.
    Returns the rows, in their order, and the dimensions whose breakdown was left out."""
    preferred: dict[str, list[str | None]] = {
        "sex": ["total"],
        "age": [headline_age, "total"],
        "category": [headline_category, ""],
        "period": [""],
    }
    # Groups are keyed by place, year and the dimensions already settled, not by the ones still to come: in a
    # sex × age table the sex total exists only for all ages, so "female, 0-4" must not count as a group of its own.
    settled = [*PLACE_COLUMNS, "year", *sorted(keep)]
    collapsed = []
    for dimension, wanted in preferred.items():
        if dimension in keep:
            continue
        groups: dict[tuple, list[dict]] = {}
        for row in rows:
            groups.setdefault(tuple(row.get(column) for column in settled), []).append(row)
        dropped: set[int] = set()
        for group in groups.values():
            present = {row[dimension] for row in group}
            pick = next((value for value in wanted if value is not None and value in present), None)
            if pick is not None:
                dropped.update(id(row) for row in group if row[dimension] != pick)
        if dropped:
            collapsed.append(dimension)
            rows = [row for row in rows if id(row) not in dropped]
        settled.append(dimension)  # now one value per group, or a breakdown kept because it has no total
    return rows, collapsed


def _table_columns(rows: list[dict], by: set[str], wide: bool) -> list[str]:
    """The essential columns (place, year, period, value, unit, status) plus breakdowns asked for or not the total."""
    if wide:
        return [column for column in rows[0] if column not in NOT_SHOWN]
    columns = [column for column in PLACE_COLUMNS if column in rows[0]]
    if not all(row["period"].startswith(str(row["year"])) for row in rows):  # "2015-2020" and "2019Q2" say the year
        columns.append("year")
    plain = {"sex": "total", "age": "total", "category": "", "period": ""}
    for dimension in ("period", "sex", "age", "category"):
        values = {row[dimension] for row in rows}
        if dimension in by or len(values) > 1 or values != {plain[dimension]}:
            columns.append(dimension)
    return columns + list(ESSENTIAL_TAIL)


def _explain_empty(con, indicator_id: str, filters: ValueFilter) -> str:
    """Why nothing came back: for an unavailable year, the years that do have values."""
    if filters.year is None:
        return "no data for these filters"
    others = indicator_values(con, indicator_id, ValueFilter(**{**filters.__dict__, "year": None}))
    years = sorted({row["year"] for row in others if row["value"] is not None})
    if not years:
        return "no data for these filters in any year"
    shown = [str(y) for y in years] if len(years) <= 12 else [*map(str, years[:3]), "…", *map(str, years[-3:])]
    listed = ", ".join(shown)
    return f"no value for {filters.year}; years with data: {listed}"


def indicators(
    framework: Annotated[str | None, typer.Option(help="Only indicators tagged gcm, gcr or sdg.")] = None,
    wide: Annotated[bool, typer.Option("--wide", help="Also the level and framework tags.")] = False,
    format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """List the indicator catalogue with units and framework tags.

    Example: observatory indicators --framework sdg
    """
    try:
        _release, con = open_release(get_settings())
        with con:
            rows = indicator_catalogue(con, framework)
    except IndicatorQueryError as error:
        _fail(str(error))
    columns = ["id", "title", "unit", "level", "frameworks"]
    if format is OutputFormat.table and not wide:
        columns = columns[:3]  # the id (to type) with what it measures fits 80 columns; the tags with --wide
    emit_rows(
        columns, [tuple(row[c] for c in columns) for row in rows], format, console, wide=wide, whole_columns=("id",)
    )


def indicator(
    indicator_id: Annotated[str, typer.Argument(help="Indicator id, e.g. migrant_stock.")],
    area: Annotated[str | None, typer.Option(help="Code or name: NPL, nepal, WLD, EU27 (area indicators).")] = None,
    origin: Annotated[str | None, typer.Option(help="Where migrants come from, code or name (corridors).")] = None,
    destination: Annotated[str | None, typer.Option(help="Where migrants live, code or name (corridors).")] = None,
    year: Annotated[int | None, typer.Option()] = None,
    period: Annotated[str | None, typer.Option(help="A quarter such as 2019Q2, or a flow period, 2015-2020.")] = None,
    sex: Annotated[Sex | None, typer.Option(help="One sex (default: the total).")] = None,
    age: Annotated[str | None, typer.Option(help="One age band, e.g. 20-64 (default: all ages/headline).")] = None,
    category: Annotated[str | None, typer.Option(help="Method, route or other breakdown; '' for the total.")] = None,
    by: Annotated[
        list[Breakdown] | None,
        typer.Option("--by", help="List a breakdown instead of the total: sex, age, category or period (repeatable)."),
    ] = None,
    revision: Annotated[str | None, typer.Option(help="An earlier edition of the inputs, e.g. 2020.")] = None,
    wide: Annotated[bool, typer.Option("--wide", help="Every column (range, sources, revision, notes).")] = False,
    format: Annotated[
        OutputFormat, typer.Option("--format", help="table (for people), csv or json (raw).")
    ] = OutputFormat.table,
) -> None:
    """Show one indicator's value (the total unless a breakdown is asked) with unit, status and sources.

    Example: observatory indicator migrant_stock --area nepal --year 2020
    Example: observatory indicator migrant_stock --area USA --year 2020 --by sex
    Example: observatory indicator sdg_10_c_1 --origin MEX --destination USA --period 2019Q2 --format json
    """
    if revision is not None and not REVISION_LABEL.fullmatch(revision):
        _fail("a revision is an edition label such as 2020 (the revision column of `observatory indicator ... --wide`)")
    try:
        _release, con = open_release(get_settings())
        with con:
            spec = _checked_indicator(indicator_catalogue(con), indicator_id)
            directory = AreaDirectory.from_connection(con)
            filters = ValueFilter(
                area=_resolved(directory, area, "area"),
                origin=_resolved(directory, origin, "origin"),
                destination=_resolved(directory, destination, "destination"),
                year=year,
                period=period,
                sex=sex.value if sex else None,
                category=category,
                revision=revision,
            )
            rows = [row for row in indicator_values(con, indicator_id, filters) if age is None or row["age"] == age]
            empty_reason = _explain_empty(con, indicator_id, filters) if not rows else ""
    except IndicatorQueryError as error:
        _fail(str(error))
    asked = {dimension.value for dimension in by or ()}
    chosen = {"sex": sex, "age": age, "category": category, "period": period}
    given = {name for name, value in chosen.items() if value is not None}
    rows, collapsed = headline_rows(rows, asked | given, spec.get("headline_category"), spec.get("headline_age"))
    if not rows:
        Console(stderr=True).print(escape(empty_reason), highlight=False)
    if format is not OutputFormat.table:
        columns = list(rows[0]) if rows else ["value"]
        emit_rows(columns, [tuple(row[c] for c in columns) for row in rows], format, console)
        return
    if not rows:
        return
    columns = _table_columns(rows, asked, wide)
    percent = ("value", "lower", "upper") if is_percent_unit(spec.get("unit")) else ()
    console.print(escape(f"{spec['title']} ({indicator_id})"), highlight=False)
    shown = [{**row, **{c: label for c, label in ALL_LABELS.items() if row.get(c) == ""}} for row in rows]
    emit_rows(
        columns, [tuple(row[c] for c in columns) for row in shown], format, console, percent_columns=percent, wide=wide
    )
    if not wide:
        sources = sorted({source for row in rows for source in row.get("sources") or ()})
        console.print(escape(f"sources: {', '.join(sources) or 'none recorded'}"), highlight=False, style="dim")
        notes = sorted({row["note"] for row in rows if row.get("note")})
        for note in notes[:3]:
            console.print(escape(f"note: {note}"), highlight=False, style="dim")
    if collapsed:
        options = ", ".join(f"--by {dimension}" for dimension in collapsed)
        verb = "lists" if len(collapsed) == 1 else "list"
        console.print(
            f"one value per place and period (total or declared headline); {options} {verb} the breakdown",
            highlight=False,
            style="dim",
        )


def framework(
    name: Annotated[str, typer.Argument(help="gcm, gcr or sdg")],
    area: Annotated[str | None, typer.Option(help="Coverage for one area only (code or name).")] = None,
    format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Each objective of a framework with its indicators, data coverage and gaps (never hidden).

    Example: observatory framework gcm --area MEX
    """
    if name.lower() not in ("gcm", "gcr", "sdg"):
        _fail("the framework is gcm, gcr or sdg")
    try:
        _release, con = open_release(get_settings())
        with con:
            code = _resolved(AreaDirectory.from_connection(con), area, "area")
            report = framework_report(con, name, code)
    except IndicatorQueryError as error:
        _fail(str(error))
    if format is OutputFormat.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return
    table = Table(title=f"{name.upper()} objectives{' — ' + code if code else ''}")
    for column in ("objective", "short name", "indicators (areas × years)", "gap"):
        table.add_column(column, overflow="fold")
    for row in report:
        listed = "; ".join(f"{i['id']} ({i['areas']} × {i['years']})" for i in row["indicators"]) or "—"
        table.add_row(escape(row["objective"]), escape(row["short_name"]), escape(listed), escape(row["gap"] or ""))
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the indicator commands to the main CLI."""
    app.command()(indicators)
    app.command()(indicator)
    app.command()(framework)
