(
    """Assessment and thematic reports: a YAML outline of Markdown chapters whose directives pull live numbers from """
    """a """
    """release.

Directives (an unresolvable one is an error naming its file and line):
  inline   {{value INDICATOR area=X [year=Y] [sex=S] [category=C] [origin=O destination=D]}}
           {{obs MEASURE area=X [year=Y]}}        a context observation of a dataset
           {{ref ID}}                             "Figure n" or "Table n" of a chart or table with that id
           [@KEY]                                 a numbered reference from the outline's `references`
  block    ::: chart INDICATOR areas=A,B [from=1990] [to=2020] [sex=total] id=ID caption="..."
           ::: table INDICATOR areas=A,B|members:GROUP [year=Y] id=ID caption="..."
           ::: bars INDICATOR areas=A,B|members:GROUP [year=Y] id=ID caption="..."
           ::: map INDICATOR [year=Y] id=ID caption="..."
           ::: finding FINDING_ID                 a stored finding with its confidence; its records join References
A report with findings opens with a summary for policy makers listing each finding with its confidence.
"""
)

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml

from observatory.publish import charts
from observatory.publish.annex import sources_section
from observatory.publish.data import PublishError, ReleaseData
from observatory.publish.document import Bullets, Chart, Document, FindingBox, Notice, Prose, Section, Table
from observatory.publish.figures import Figure
from observatory.publish.findings import finding_box, load_detail, summary_for_policy_makers
from observatory.publish.palette import one_colour_key

INLINE = re.compile(r"\{\{\s*(value|obs|ref)\s+([^}]*)\}\}|\[@([A-Za-z0-9_:.-]+)\]")
BLOCK = re.compile(r"^:::\s*(\w+)\s+(.*)$")
KEY_ARGS = {"area", "year", "sex", "category", "origin", "destination", "period"}


class ReportError(PublishError):
    """A directive or outline entry that cannot be resolved; the message names file and line."""


@dataclass
class ReportState:
    """What a report collects while its chapters are read: numbers of figures and tables, cited references."""

    outline_refs: dict[str, str]
    figure_numbers: dict[str, str] = field(default_factory=dict)
    cited: list[str] = field(default_factory=list)
    figures: int = 0
    tables: int = 0
    findings: list[FindingBox] = field(default_factory=list)


def _arguments(text: str, where: str) -> tuple[list[str], dict[str, str]]:
    """Positional words and key=value pairs of a directive."""
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise ReportError(f"{where}: cannot parse directive arguments ({error})") from None
    positional = [w for w in words if "=" not in w]
    named = dict(w.split("=", 1) for w in words if "=" in w)
    return positional, named


def _key(named: dict[str, str], where: str) -> dict:
    """The indicator key of a directive (year as an integer)."""
    unknown = set(named) - KEY_ARGS
    if unknown:
        raise ReportError(f"{where}: unknown argument(s) {sorted(unknown)}; allowed: {sorted(KEY_ARGS)}")
    key: dict[str, Any] = {k: v.upper() if k in {"area", "origin", "destination"} else v for k, v in named.items()}
    if "year" in key:
        if not key["year"].isdigit():
            raise ReportError(f"{where}: year must be a number, not {key['year']!r}")
        key["year"] = int(key["year"])
    return key


def _check_areas(data: ReleaseData, codes, where: str) -> None:
    for code in codes:
        try:
            data.area(code)
        except PublishError:
            raise ReportError(f"{where}: unknown area {code!r}") from None


def _check_indicator(data: ReleaseData, indicator: str, where: str) -> None:
    if indicator not in data.indicators:
        raise ReportError(
            f"{where}: unknown indicator {indicator!r} (not in the catalogue of release {data.release_id})"
        )


def inline_figure(data: ReleaseData, kind: str, text: str, where: str) -> Figure:
    """Resolve {{value ...}} or {{obs ...}} to a Figure."""
    positional, named = _arguments(text, where)
    if len(positional) != 1:
        raise ReportError(f"{where}: {{{{{kind} ...}}}} needs exactly one indicator or measure name")
    name = positional[0]
    key = _key(named, where)
    _check_areas(data, [key[k] for k in ("area", "origin", "destination") if k in key], where)
    if kind == "obs":
        if name not in data.measures:
            raise ReportError(f"{where}: unknown measure {name!r}")
        year = key.pop("year", None)
        rows = [r for r in data.observation_rows(name, **key) if year is None or r["year"] == year]
        present = [r for r in rows if r["value"] is not None]
        if present:
            return data.observation_figure(name, max(present, key=lambda r: (r["year"], r["period"])))
        return (
            data.observation_latest(name, **key)
            if year is None
            else Figure(
                label=name,
                origin_kind="observation",
                key=name,
                reason=f"no observation in {year}",
                year=year,
                area=key.get("area"),
            )
        )
    _check_indicator(data, name, where)
    if not any(k in key for k in ("area", "origin")):
        raise ReportError(f"{where}: {{{{value {name}}}}} needs area= (or origin= and destination=)")
    return data.latest(name, **key)


def _areas(data: ReleaseData, spec: str, where: str) -> list[str]:
    """Area codes of `areas=`: a comma list, or members:GROUP."""
    if spec.startswith("members:"):
        group = spec.split(":", 1)[1].upper()
        _check_areas(data, [group], where)
        members = [c for c in data.group_members(group) if data.area(c)["kind"] == "country"]
        if not members:
            raise ReportError(f"{where}: group {group!r} has no member countries")
        return members
    codes = [c.strip().upper() for c in spec.split(",") if c.strip()]
    _check_areas(data, codes, where)
    return codes


def block_directive(data: ReleaseData, kind: str, text: str, where: str, state: ReportState):
    """Resolve a ::: chart / table / bars / map directive to a numbered block."""
    positional, named = _arguments(text, where)
    if len(positional) != 1:
        raise ReportError(f"{where}: '::: {kind}' needs exactly one indicator name")
    indicator = positional[0]
    _check_indicator(data, indicator, where)
    block_id, caption = named.pop("id", None), named.pop("caption", None)
    if not block_id or not caption:
        raise ReportError(f"{where}: '::: {kind}' needs id= and caption=")
    if block_id in state.figure_numbers:
        raise ReportError(f"{where}: id {block_id!r} is used twice")
    title = data.indicator_title(indicator)
    sex = named.pop("sex", "total")
    block: Any
    if kind == "chart":
        codes = _areas(data, named.pop("areas", ""), where)
        first, last = int(named.pop("from", 0)), int(named.pop("to", 9999))
        series = [
            f
            for code in codes
            for f in data.series(indicator, data.name(code), area=code, sex=sex)
            if first <= cast(int, f.year) <= last
        ]
        block = (
            charts.time_series(series, caption, y_title=data.indicators[indicator]["unit"], cache=data.chart_cache)
            if series
            else None
        )
    elif kind in {"table", "bars"}:
        codes = _areas(data, named.pop("areas", ""), where)
        year = named.pop("year", None)
        key = {"year": int(year)} if year else {}
        figures = [data.latest(indicator, data.name(code), area=code, sex=sex, **key) for code in codes]
        if kind == "table":
            block = Table(caption, ["Area", title, "Year"], [[f.label, f, f.when or "—"] for f in figures])
        else:
            present = sorted((f for f in figures if not f.missing), key=lambda f: -cast(float, f.value))[:15]
            block = charts.bars(present, caption, cache=data.chart_cache) if present else None
    elif kind == "map":
        year = named.pop("year", None)
        rows = data.rows(
            "SELECT area, max(year) AS y FROM indicator_value WHERE indicator = ? AND sex = ? AND category = '' "
            "AND value IS NOT NULL AND area IN (SELECT code FROM area WHERE kind = 'country') GROUP BY area",
            [indicator, sex],
        )
        figures = [data.latest(indicator, area=r["area"], sex=sex, year=int(year) if year else r["y"]) for r in rows]
        block = (
            charts.choropleth(data.settings, figures, data.m49_codes(), caption, cache=data.chart_cache)
            if data.settings
            else None
        )
        if block is None:
            raise ReportError(
                f"{where}: no world map file (geo/world-atlas/countries-110m.json) in the mirror or cache"
            )
    else:
        raise ReportError(f"{where}: unknown block directive '::: {kind}' (chart, table, bars, map)")
    if named:
        raise ReportError(f"{where}: unknown argument(s) {sorted(named)} for '::: {kind}'")
    if block is None:
        return Notice(f"No data for {title} in the areas asked for ({caption}).")
    if isinstance(block, Chart):
        state.figures += 1
        state.figure_numbers[block_id] = f"Figure {state.figures}"
    else:
        state.tables += 1
        state.figure_numbers[block_id] = f"Table {state.tables}"
    return block


def finding_directive(data: ReleaseData, text: str, where: str, state: ReportState) -> FindingBox:
    """Resolve '::: finding ID' to a numbered finding whose records are cited in the report's References."""
    positional, named = _arguments(text, where)
    if len(positional) != 1 or named:
        raise ReportError(f"{where}: '::: finding' needs exactly one finding id and nothing else")
    finding_id = positional[0]
    if any(box.id == finding_id for box in state.findings):
        raise ReportError(f"{where}: finding {finding_id!r} is stated twice")
    try:
        detail = load_detail(data, finding_id, where)
    except PublishError as error:
        raise ReportError(str(error)) from None
    citations = []
    for ref in detail["references"]:
        key = f"record:{ref['record_id']}"
        state.outline_refs.setdefault(key, ref["reference"])
        if key not in state.cited:
            state.cited.append(key)
        citations.append(state.cited.index(key) + 1)
    box = finding_box(detail, citations)
    box.number = f"Finding {len(state.findings) + 1}"
    state.findings.append(box)
    return box


def _prose(data: ReleaseData, lines: list[tuple[int, str]], path: Path, state: ReportState) -> Prose:
    """Markdown lines with inline directives resolved to Figures, refs and citation marks (refs resolved later)."""
    parts: list = []
    for number, line in lines:
        where = f"{path}:{number}"
        position = 0
        for match in INLINE.finditer(line):
            parts.append(line[position : match.start()])
            kind, args, ref_key = match.group(1), match.group(2), match.group(3)
            if ref_key:
                if ref_key not in state.outline_refs:
                    raise ReportError(f"{where}: unknown reference [@{ref_key}] (not in the outline's references)")
                if ref_key not in state.cited:
                    state.cited.append(ref_key)
                parts.append(f"[{state.cited.index(ref_key) + 1}]")
            elif kind == "ref":
                parts.append(("ref", args.strip(), where))
            else:
                parts.append(inline_figure(data, kind, args, where))
            position = match.end()
        parts.append(line[position:] + "\n")
    return Prose(parts)


def read_chapter(data: ReleaseData, path: Path, state: ReportState) -> Section:
    """One Markdown chapter: the first '# ' heading is its title; prose and block directives in order."""
    if not path.is_file():
        raise ReportError(f"{path}: chapter file not found")
    lines = path.read_text(encoding="utf-8").splitlines()
    title = path.stem
    blocks: list[Any] = []
    pending: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        if line.startswith("# ") and title == path.stem and not blocks and not any(t.strip() for _, t in pending):
            title = line[2:].strip()
            continue
        match = BLOCK.match(line.strip())
        if match:
            if pending:
                blocks.append(_prose(data, pending, path, state))
                pending = []
            if match.group(1) == "finding":
                blocks.append(finding_directive(data, match.group(2), f"{path}:{number}", state))
            else:
                blocks.append(block_directive(data, match.group(1), match.group(2), f"{path}:{number}", state))
        elif line.strip().startswith(":::"):
            raise ReportError(f"{path}:{number}: malformed block directive {line.strip()!r}")
        elif "{{" in line and not INLINE.search(line):
            raise ReportError(f"{path}:{number}: malformed inline directive in {line.strip()!r}")
        else:
            pending.append((number, line))
    if pending:
        blocks.append(_prose(data, pending, path, state))
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    for block in blocks:
        if isinstance(block, FindingBox):
            block.chapter = title
    return Section(f"ch-{slug}", title, blocks)


def _resolve_refs(document: Document, state: ReportState) -> None:
    """Replace {{ref ID}} placeholders by 'Figure n' / 'Table n' now that every block is numbered."""
    for section in document.sections:
        for block in section.blocks:
            if isinstance(block, Prose):
                for index, part in enumerate(block.parts):
                    if isinstance(part, tuple):
                        _, target, where = part
                        if target not in state.figure_numbers:
                            raise ReportError(f"{where}: {{{{ref {target}}}}} names no chart or table id")
                        block.parts[index] = state.figure_numbers[target]


def load_outline(path: Path) -> dict:
    """The outline YAML: title, subtitle, authors, chapters (files relative to the outline), references."""
    if not path.is_file():
        raise ReportError(f"{path}: outline not found")
    try:
        outline = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ReportError(f"{path}: not valid YAML ({error})") from None
    for required in ("title", "chapters"):
        if required not in outline:
            raise ReportError(f"{path}: the outline needs '{required}'")
    return outline


@one_colour_key
def build_report(data: ReleaseData, outline_path: Path) -> Document:
    """The report: chapters in outline order, numbered figures and tables, references, provenance annex."""
    outline_path = Path(outline_path)
    outline = load_outline(outline_path)
    state = ReportState(outline_refs={str(k): str(v) for k, v in (outline.get("references") or {}).items()})
    authors = ", ".join(outline.get("authors") or [])
    document = Document(
        kind="report",
        title=outline["title"],
        subtitle=outline.get("subtitle", "") + (f" — {authors}" if authors else ""),
        release_id=data.release_id,
        meta={"outline": str(outline_path)},
    )
    for entry in outline["chapters"]:
        file = entry.get("file") if isinstance(entry, dict) else entry
        if not file:
            raise ReportError(f"{outline_path}: a chapter entry needs 'file'")
        document.sections.append(read_chapter(data, outline_path.parent / file, state))
    _resolve_refs(document, state)
    if state.findings:  # a report that states no finding has nothing to summarise for policy makers
        document.sections.insert(0, summary_for_policy_makers(state.findings))
    document.meta["findings"] = [box.id for box in state.findings]
    if state.cited:
        document.sections.append(
            Section(
                "references", "References", [Bullets([[state.outline_refs[key]] for key in state.cited], style="ol")]
            )
        )
    document.references = [state.outline_refs[key] for key in state.cited]
    document.sections.append(sources_section(document, data, title="Provenance annex"))
    return document
