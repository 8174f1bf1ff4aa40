"""Incremental builds: start from a copy of the current release and parse again only the sources that changed.

A source is reused when its fingerprint (declaration, connector folder, the checksums of its raw files, the
build's own code) equals the one stored in the current release. Everything that depends on a changed source is
made again: its rows, findings and area resolutions, the series choice of the measures it gives, derived sources and
the indicators that read its measures. The copy is then validated whole and published like any other build.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

import observatory
from observatory.indicators.engine import POPULATION_MEASURE
from observatory.indicators.spec import IndicatorSpec
from observatory.sources.series import Series
from observatory.sources.spec import SourceSpec
from observatory.warehouse.checks import Finding

PACKAGE = Path(observatory.__file__).parent
TABLE = "build_input"  # (kind, id, fingerprint) of what a release was built from
# The code every build runs, whatever the sources: a change here makes the next build a full one.
_CODE_FOLDERS = ("warehouse", "geo", "flows", "indicators")
_CODE_SUFFIXES = frozenset({".py", ".yml", ".yaml", ".sql", ".json", ".csv"})
_IMPORTED_SOURCE = re.compile(r"observatory\.sources\.([a-z][a-z0-9_]*)\.")
_QUOTED_NAME = re.compile(r"'([a-z][a-z0-9_]*)'")
# Tables whose rows belong to one dataset; children before `dataset` because of the foreign keys.
_DATASET_TABLES = (
    ("observation", "dataset_id"),
    ("observation_alternative", "dataset_id"),
    ("dataset_file", "dataset_id"),
    ("partial_period", "dataset_id"),
    ("area_resolution", "dataset_id"),
    ("measure", "dataset_id"),
    ("dataset", "id"),
)
_INDICATOR_TABLES = (
    ("indicator_value", "indicator"),
    ("indicator_value_revision", "indicator"),
    ("indicator_framework", "indicator"),
    ("indicator", "id"),
)


def _code_files() -> list[Path]:
    files = [PACKAGE / "__init__.py", PACKAGE / "settings.py"]
    files += sorted(p for p in (PACKAGE / "sources").iterdir() if p.is_file() and p.suffix in _CODE_SUFFIXES)
    for folder in _CODE_FOLDERS:
        for path in sorted((PACKAGE / folder).rglob("*")):
            parts = path.relative_to(PACKAGE).parts
            if (
                path.is_file()
                and path.suffix in _CODE_SUFFIXES
                and "__pycache__" not in parts
                and "catalogue" not in parts
            ):
                files.append(path)
    return files


def _add_files(digest, files: list[Path]) -> None:
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")


def code_fingerprint(series: dict[str, Series]) -> str:
    """The build's own code, the DuckDB version and the declared series."""
    digest = hashlib.sha256(f"duckdb {duckdb.__version__}\n".encode())
    _add_files(digest, _code_files())
    digest.update(json.dumps({m: s.model_dump(mode="json") for m, s in sorted(series.items())}).encode())
    return digest.hexdigest()


def _folder_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def _imported_sources(spec: SourceSpec) -> list[str]:
    """Other source folders whose code this source's connector imports (their changes change it too)."""
    connector = spec.folder / "connector.py"
    if not connector.is_file():
        return []
    names = set(_IMPORTED_SOURCE.findall(connector.read_text(encoding="utf-8"))) - {spec.id}
    return sorted(name for name in names if (PACKAGE / "sources" / name).is_dir())


def source_fingerprint(spec: SourceSpec, records: list[dict], code: str, strict_checksums: bool) -> str:
    """One source as a build reads it: declaration, connector folder(s), raw file checksums, the build's code."""
    digest = hashlib.sha256(code.encode())
    digest.update(spec.model_dump_json().encode())
    digest.update(json.dumps([(r["path"], r["sha256"], r["bytes"]) for r in records]).encode())
    if any(record["sha256"] != raw.sha256 for record, raw in zip(records, spec.files, strict=True)):
        digest.update(b"strict" if strict_checksums else b"lenient")  # a changed file fails or is a warning
    for folder in [spec.folder, *(PACKAGE / "sources" / name for name in _imported_sources(spec))]:
        _add_files(digest, _folder_files(folder))
    return digest.hexdigest()


def derived_fingerprint(own: str, inputs: dict[str, str | None]) -> str | None:
    """A derived source reads what other sources loaded: it is reused only when none of those (`inputs`) changed."""
    if any(value is None for value in inputs.values()):
        return None
    digest = hashlib.sha256(own.encode())
    digest.update(json.dumps(sorted(inputs.items())).encode())
    return digest.hexdigest()


def indicator_fingerprint(spec: IndicatorSpec) -> str:
    return hashlib.sha256(spec.model_dump_json().encode()).hexdigest()


@dataclass(frozen=True)
class Fingerprints:
    code: str
    sources: dict[str, str | None]  # None: cannot be compared (a connector given by the caller): always parsed
    indicators: dict[str, str]

    def rows(self, loaded: set[str]) -> list[tuple[str, str, str | None]]:
        """What the new release stores: the code, every loaded source and every indicator of the catalogue."""
        rows: list[tuple[str, str, str | None]] = [("code", "", self.code)]
        rows += [("source", source, value) for source, value in sorted(self.sources.items()) if source in loaded]
        rows += [("indicator", indicator, value) for indicator, value in sorted(self.indicators.items())]
        return rows


@dataclass(frozen=True)
class Base:
    """What the current release was built from."""

    path: Path
    fingerprints: dict[tuple[str, str], str | None]
    datasets: frozenset[str]
    measures: dict[str, frozenset[str]]  # dataset id -> its measures
    indicators: frozenset[str]


def read_base(path: Path) -> Base | None:
    """The current release's fingerprints, datasets and measures; None when it has none (or cannot be read)."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        stored = con.execute(f"SELECT kind, id, fingerprint FROM {TABLE}").fetchall()
        datasets = frozenset(row[0] for row in con.execute("SELECT id FROM dataset").fetchall())
        measures: dict[str, set[str]] = {}
        for dataset, measure in con.execute("SELECT dataset_id, id FROM measure").fetchall():
            measures.setdefault(dataset, set()).add(measure)
        indicators = frozenset(row[0] for row in con.execute("SELECT id FROM indicator").fetchall())
    except duckdb.Error:
        return None
    finally:
        con.close()
    return Base(
        path,
        {(kind, key): value for kind, key, value in stored},
        datasets,
        {dataset: frozenset(ids) for dataset, ids in measures.items()},
        indicators,
    )


@dataclass(frozen=True)
class Plan:
    """How a release is made from a copy of `base`."""

    base: Path
    reused: frozenset[str]  # sources whose rows, findings and resolutions are kept from the base
    dropped: frozenset[str]  # datasets of the base removed from the copy (changed, no longer built, contributed)
    series_measures: frozenset[str]  # measures whose series choice is made again
    indicators: frozenset[str]  # indicators computed again
    removed_indicators: frozenset[str]  # indicators of the base no longer in the catalogue
    frameworks_kept: bool  # the framework objectives come from a reused source


def _indicator_inputs(spec: IndicatorSpec, known_measures: set[str]) -> set[str]:
    """Declared inputs, and any measure id the formula names (a formula that reads more than it declares)."""
    return set(spec.inputs) | (set(_QUOTED_NAME.findall(spec.formula)) & known_measures)


def _affected_measures(base: Base, specs: list[SourceSpec], reused: frozenset[str]) -> set[str]:
    """Measures of the base's datasets that are not reused, and of the sources loaded again."""
    affected = {measure for dataset in base.datasets - reused for measure in base.measures.get(dataset, ())}
    return affected | {measure.id for spec in specs if spec.id not in reused for measure in spec.measures}


def plan(
    base: Base | None,
    specs: list[SourceSpec],
    prints: Fingerprints,
    catalogue: tuple[IndicatorSpec, ...],
    series: dict[str, Series],
) -> Plan | None:
    """What an incremental build reuses from the base; None when it must be a full build."""
    if base is None or base.fingerprints.get(("code", "")) != prints.code:
        return None
    reused = frozenset(
        spec.id
        for spec in specs
        if prints.sources.get(spec.id) is not None
        and base.fingerprints.get(("source", spec.id)) == prints.sources[spec.id]
    )
    reference = [spec.id for spec in specs if spec.provides == "areas"]
    if not reference or reference[0] not in reused:
        return None  # every resolution depends on the area reference
    affected = _affected_measures(base, specs, reused)
    # A derived source loads after the series choice: one giving a measure chosen again is loaded again too.
    stale = {
        spec.id
        for spec in specs
        if spec.provides == "derived" and spec.id in reused and {m.id for m in spec.measures} & affected & set(series)
    }
    reused -= stale
    affected = _affected_measures(base, specs, reused)
    dropped = base.datasets - reused
    known = affected | {measure for ids in base.measures.values() for measure in ids}
    base_measures = {measure for ids in base.measures.values() for measure in ids}
    again = set()
    for spec in catalogue:
        inputs = _indicator_inputs(spec, known)
        if (
            base.fingerprints.get(("indicator", spec.id)) != prints.indicators[spec.id]
            or inputs & affected
            or not set(spec.inputs) <= base_measures  # skipped before (or a new input): asked again
            or (spec.level == "area" and spec.aggregate != "none" and POPULATION_MEASURE in affected)
        ):
            again.add(spec.id)
    return Plan(
        base.path,
        reused,
        dropped,
        frozenset(affected & set(series)),
        frozenset(again),
        base.indicators - {spec.id for spec in catalogue},
        any(spec.provides == "frameworks" and spec.id in reused for spec in specs),
    )


def _listed(values) -> list[str]:
    return sorted(values)


def prepare_copy(con: duckdb.DuckDBPyConnection, plan: Plan) -> list[Finding]:
    """Remove from the copied release everything made again; returns the base's findings that stay true."""
    dropped = _listed(plan.dropped)
    for table, column in _DATASET_TABLES:
        con.execute(f"DELETE FROM {table} WHERE {column} IN (SELECT unnest(?::VARCHAR[]))", [dropped])
    if not plan.frameworks_kept:
        con.execute("DELETE FROM framework_objective")
    measures = _listed(plan.series_measures)
    # Rows set aside by the base's series choice go back, so that the choice is made again over every source.
    con.execute(
        "INSERT INTO observation SELECT * FROM observation_alternative "
        "WHERE measure_id IN (SELECT unnest(?::VARCHAR[]))",
        [measures],
    )
    for table, column in (
        ("observation_alternative", "measure_id"),
        ("series_choice", "measure_id"),
        ("series", "measure_id"),
    ):
        con.execute(f"DELETE FROM {table} WHERE {column} IN (SELECT unnest(?::VARCHAR[]))", [measures])
    con.execute("UPDATE measure SET preferred = true WHERE id IN (SELECT unnest(?::VARCHAR[]))", [measures])
    indicators = _listed(plan.indicators | plan.removed_indicators)
    for table, column in _INDICATOR_TABLES:
        con.execute(f"DELETE FROM {table} WHERE {column} IN (SELECT unnest(?::VARCHAR[]))", [indicators])
    kept = [
        Finding(*row)
        for row in con.execute(
            "SELECT dataset_id, check_name, severity, message, count, file, row_number, field FROM check_result"
        ).fetchall()
        if row[0] in plan.reused or (row[0] == "series" and row[3].split(":", 1)[0] not in plan.series_measures)
    ]
    con.execute(f"DELETE FROM check_result; DELETE FROM release_info; DELETE FROM {TABLE}")
    return kept


def store(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, str | None]]) -> None:
    con.executemany(f"INSERT INTO {TABLE} VALUES (?, ?, ?)", rows)
