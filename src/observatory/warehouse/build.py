"""One build = one release: read every source, resolve areas, check, write a new DuckDB file, then switch atomically."""

from __future__ import annotations

import fcntl
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import cast

import duckdb
import pandas as pd
import yaml
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from observatory import __version__
from observatory.geo import AreaResolver, UnresolvedAreasError, build_area_reference
from observatory.geo.resolver import UnresolvedName
from observatory.indicators.engine import compute_catalogue
from observatory.indicators.spec import IndicatorSpec, load_catalogue
from observatory.settings import Settings
from observatory.sources import registry
from observatory.sources.context import OBSERVATION_COLUMNS, ParseContext
from observatory.sources.errors import SourceError
from observatory.sources.fetch import file_record, locate
from observatory.sources.series import Series, declared_series
from observatory.sources.spec import SourceSpec
from observatory.warehouse import incremental, releases
from observatory.warehouse.checks import Finding, run_checks
from observatory.warehouse.contributed import ContributedDataset, ReleaseNames, read_all_contributed
from observatory.warehouse.series import apply_series

SCHEMA = (Path(__file__).parent / "schema.sql").read_text(encoding="utf-8")
AREA_COLUMNS = ("area", "origin", "destination")
SCRATCH_PREFIX = ".scratch-"  # <releases>/.scratch-<release id>: a build's temporary files
MEASURE_COLUMNS = "id, dataset_id, label, kind, unit, definition, level, category_label, status"
_COLUMN_TYPES = {
    "measure_id": "VARCHAR",
    "area": "VARCHAR",
    "origin": "VARCHAR",
    "destination": "VARCHAR",
    "year": "INTEGER",
    "period": "VARCHAR",
    "sex": "VARCHAR",
    "age": "VARCHAR",
    "category": "VARCHAR",
    "value": "DOUBLE",
    "lower": "DOUBLE",
    "upper": "DOUBLE",
    "status": "VARCHAR",
    "note": "VARCHAR",
}


class BuildError(Exception):
    """The build failed; the previous release stays current. Lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("build failed, the current release is unchanged:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass
class BuildReport:
    release: releases.Release
    datasets: dict[str, int] = field(default_factory=dict)  # dataset id -> rows loaded
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    indicator_values: int = 0
    reused: list[str] = field(default_factory=list)  # sources copied unchanged from the previous release


class _BuildLock:
    """One build at a time per home folder; the OS drops the lock if the process dies."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.handle = (folder / ".build.lock").open("w")

    def __enter__(self):
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(["another build is running in this folder"]) from None
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def _normalised_select(relation: duckdb.DuckDBPyRelation, spec: SourceSpec, default_file: str) -> str:
    """SQL that gives a connector's relation every canonical column, with declared defaults."""
    present = set(relation.columns)
    status_by_measure = " ".join(f"WHEN '{m.id}' THEN '{m.status}'" for m in spec.measures)
    defaults = {
        "area": "NULL",
        "origin": "NULL",
        "destination": "NULL",
        "period": "''",
        "sex": "'total'",
        "age": "'total'",
        "category": "''",
        "lower": "NULL",
        "upper": "NULL",
        "note": "NULL",
        "status": f"CASE measure_id {status_by_measure} ELSE 'reported' END" if spec.measures else "'reported'",
    }
    parts = []
    for column in OBSERVATION_COLUMNS:
        if column in present:
            expression = f'CAST("{column}" AS {_COLUMN_TYPES[column]})'
            if column in AREA_COLUMNS:
                expression = f"NULLIF(trim({expression}), '')"
        elif column in defaults:
            expression = defaults[column]
        else:
            raise SourceError(default_file, f"connector output lacks the required column {column!r}", field=column)
        parts.append(f"{expression} AS {column}")
    parts.append("CAST(_file AS VARCHAR) AS _file" if "_file" in present else f"'{default_file}' AS _file")
    parts.append("CAST(_row AS BIGINT) AS _row" if "_row" in present else "CAST(NULL AS BIGINT) AS _row")
    return ", ".join(parts)


def _source_mapping(spec: SourceSpec) -> dict[str, str | None]:
    path = spec.folder / "countries.yml"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as handle:
        return {
            str(name): code for name, code in (yaml.safe_load(handle) or {}).items()
        }  # code None = aggregate, excluded


class ReleaseBuilder:
    """Writes one release file; nothing outside `<id>.duckdb.building` is touched until `publish`."""

    def __init__(
        self,
        settings: Settings,
        connectors: dict[str, ModuleType] | None = None,
        series: dict[str, Series] | None = None,
        base: Path | None = None,
    ):
        self.settings = settings
        self.connectors = connectors or {}
        self.series = series
        self.release_id = releases.new_release_id(settings)
        settings.releases_dir.mkdir(parents=True, exist_ok=True)
        self.path = settings.releases_dir / f"{self.release_id}{releases.SUFFIX}.building"
        self.scratch = _make_scratch(settings, self.release_id)
        if base is not None:  # an incremental build starts from a copy of the current release
            shutil.copyfile(base, self.path)
        self.con = duckdb.connect(str(self.path), config={"temp_directory": str(self.scratch)})
        self.con.execute("SET preserve_insertion_order = false")  # row order carries no meaning in a release
        if base is None:
            self.con.execute(SCHEMA)
        self.reference_kept = base is not None  # the area reference tables are in the copy already
        self.records: dict[str, list[dict]] = {}  # source id -> its raw files' records, hashed once per build
        self.findings: list[Finding] = []
        self.problems: list[str] = []
        self.rows: dict[str, int] = {}
        self.indicator_values = 0
        self.resolver: AreaResolver | None = None
        self.retrieved_at = datetime.now(UTC).replace(tzinfo=None)

    def _connector(self, spec: SourceSpec) -> ModuleType:
        return self.connectors.get(spec.id) or registry.connector(spec)

    def _files(self, spec: SourceSpec, strict_checksums: bool) -> dict[str, Path]:
        paths = locate(self.settings, spec)
        if spec.id not in self.records:
            self.records[spec.id] = [file_record(raw, paths[raw.path]) for raw in spec.files]
        records = self.records[spec.id]
        for raw, record in zip(spec.files, records, strict=True):
            if record["sha256"] != raw.sha256:
                message = (
                    f"sha256 {record['sha256'][:16]}… differs from the declared {raw.sha256[:16]}…: "
                    "the file was changed, truncated or replaced by another version"
                )
                if strict_checksums:
                    raise SourceError(raw.path, message)
                self.findings.append(Finding(spec.id, "checksum", "warning", message, 1, raw.path))
        self._file_records = records
        return paths

    def load_reference(self, spec: SourceSpec, strict_checksums: bool) -> None:
        paths = self._files(spec, strict_checksums)
        ctx = ParseContext(spec, paths, self.con, self.scratch)
        try:
            reference = build_area_reference(self._connector(spec).parse(ctx))
        except ValueError as error:  # declarations in geo/*.yml that the reference tables contradict
            raise SourceError(spec.files[0].path, f"the area reference cannot be built: {error}") from None
        self.resolver = AreaResolver(reference)
        if self.reference_kept:
            return
        for table, frame in (
            ("area", reference.area),
            ("area_membership", reference.membership),
            ("area_alias", reference.alias),
        ):
            self.con.register("frame", frame)
            self.con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame")
            self.con.unregister("frame")
        self._record_dataset(spec, len(reference.area))

    def load_frameworks(self, spec: SourceSpec, strict_checksums: bool) -> None:
        """GCM and GCR objectives (from the source) and the SDG targets the catalogue declares."""
        paths = self._files(spec, strict_checksums)
        frame = self._connector(spec).parse(ParseContext(spec, paths, self.con, self.scratch))
        self.con.register("framework_frame", frame)
        self.con.execute("INSERT INTO framework_objective BY NAME SELECT * FROM framework_frame")
        self.con.unregister("framework_frame")
        self._record_dataset(spec, len(frame))

    def load_source(self, spec: SourceSpec, strict_checksums: bool) -> None:
        assert self.resolver is not None, "the area reference loads first"
        paths = self._files(spec, strict_checksums)
        ctx = ParseContext(spec, paths, self.con, self.scratch)
        try:
            relations = self._connector(spec).parse(ctx)
        finally:
            ctx.close()
        default_file = spec.files[0].path if spec.files else f"(derived: {spec.id})"
        self.findings += [
            Finding(spec.id, check, severity, message, count, default_file)
            for check, severity, message, count in ctx.notes
        ]
        if not relations:
            self._record_dataset(spec, 0)
            return
        # The stage is materialised once: the passes below (distinct areas, joins, checks) then scan
        # plain columns instead of re-running the connector's SQL.
        selects = []
        for index, relation in enumerate(relations):
            name = f"connector_output_{index}"
            self.con.register(name, relation)
            selects.append(
                f"SELECT '{spec.id}' AS dataset_id, {_normalised_select(relation, spec, default_file)} FROM {name}"
            )
        self.con.execute("CREATE OR REPLACE TEMP TABLE stage AS " + " UNION ALL ".join(selects))
        for index in range(len(relations)):
            self.con.unregister(f"connector_output_{index}")
        declared = {m.id for m in spec.measures}
        undeclared = [
            row[0]
            for row in self.con.execute("SELECT DISTINCT measure_id FROM stage").fetchall()
            if row[0] not in declared
        ]
        if undeclared:
            raise SourceError(default_file, f"connector produced measures not declared in source.yml: {undeclared}")
        self._resolve_areas(spec)
        findings = run_checks(self.con, "resolved", spec)
        self.findings += findings
        self.problems += [str(f) for f in findings if f.severity == "error"]
        count = self.con.execute(
            f"INSERT INTO observation SELECT {', '.join(('dataset_id',) + OBSERVATION_COLUMNS)} FROM resolved"
        ).fetchall()[0][0]
        self._record_dataset(spec, count)
        self.con.execute("DROP VIEW resolved; DROP TABLE stage")

    def _resolve_areas(self, spec: SourceSpec) -> None:
        """Map raw area values to codes; every value that does not resolve is reported with file and rows."""
        mapping = _source_mapping(spec)
        # A name mapped to null in countries.yml is a published aggregate, not an area: its rows are left out,
        # and counted.
        excluded = sorted(name for name, code in mapping.items() if code is None)
        if excluded:
            listed = ", ".join("'" + name.replace("'", "''") + "'" for name in excluded)
            condition = " OR ".join(f"{column} IN ({listed})" for column in AREA_COLUMNS)
            count = self.con.execute(f"SELECT count(*) FROM stage WHERE {condition}").fetchall()[0][0]
            self.con.execute(f"DELETE FROM stage WHERE {condition}")
            self.findings.append(
                Finding(
                    spec.id,
                    "aggregates_excluded",
                    "info",
                    f"{count} row(s) of {len(excluded)} published aggregates declared in countries.yml left out",
                    count,
                )
            )
            mapping = {name: code for name, code in mapping.items() if code is not None}
        unresolved: list[UnresolvedName] = []
        resolution_rows = []
        present = []
        for column in AREA_COLUMNS:
            values = self.con.execute(
                f"SELECT {column}, min(_file) FROM stage WHERE {column} IS NOT NULL GROUP BY {column}"
            ).fetchall()
            if values:
                present.append(column)
            resolved = cast(AreaResolver, self.resolver).resolve_values(
                [value for value, _ in values], spec.area_scheme, cast(dict[str, str], mapping)
            )
            for value, file in values:
                hit = resolved.get(value.strip())
                if hit is None:
                    rows = self.con.execute(
                        f"SELECT DISTINCT _row FROM stage WHERE {column} = ? ORDER BY _row LIMIT 5", [value]
                    ).fetchall()
                    unresolved.append(
                        UnresolvedName(file, column, value, tuple(r[0] for r in rows if r[0] is not None))
                    )
                else:
                    resolution_rows.append((spec.id, file, column, value, hit.code, hit.exact, hit.method))
        if unresolved:
            raise UnresolvedAreasError(sorted(unresolved, key=lambda item: (item.file, item.rows)))
        unused = sorted(set(mapping) - {row[3] for row in resolution_rows})
        if unused:
            self.findings.append(
                Finding(
                    spec.id,
                    "unused_country_mapping",
                    "info",
                    f"names in countries.yml not found in the data: {unused}",
                    len(unused),
                )
            )
        guesses = [row for row in resolution_rows if not row[5]]
        if guesses:
            listed = "; ".join(f"{row[3]!r} → {row[4]}" for row in guesses[:20])
            self.findings.append(
                Finding(
                    spec.id,
                    "fuzzy_area_match",
                    "warning",
                    f"{len(guesses)} name(s) matched by a guess: {listed}",
                    len(guesses),
                    guesses[0][1],
                    None,
                    guesses[0][2],
                )
            )
        frame = pd.DataFrame(
            resolution_rows, columns=["dataset_id", "file", "field", "raw_value", "code", "exact", "method"]
        )
        self.con.register("resolution_frame", frame)
        self.con.execute("INSERT INTO area_resolution SELECT * FROM resolution_frame")
        for column in present:
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE map_{column} AS SELECT raw_value, code FROM resolution_frame WHERE "
                f"field = '{column}'"
            )
        self.con.unregister("resolution_frame")
        replaced = ", ".join(f"map_{c}.code AS {c}" for c in present)
        joins = " ".join(f"LEFT JOIN map_{c} ON map_{c}.raw_value = s.{c}" for c in present)
        # A view, not a copy: the checks and the insert each join the small code maps again, which costs less
        # than writing every row once more.
        self.con.execute(
            f"CREATE TEMP VIEW resolved AS SELECT s.*{f' REPLACE ({replaced})' if present else ''} FROM stage s {joins}"
        )

    def _record_dataset(self, spec: SourceSpec, row_count: int) -> None:
        self.con.execute(
            "INSERT INTO dataset VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                spec.id,
                spec.title,
                spec.publisher,
                spec.producer,
                spec.version_producer,
                spec.url_main,
                spec.date_published,
                spec.date_accessed,
                self.retrieved_at,
                spec.licence,
                spec.citation_full,
                spec.note,
                spec.repackaged,
                row_count,
                spec.revision,
            ],
        )
        for partial in spec.partial_periods:
            self.con.execute(
                "INSERT INTO partial_period VALUES (?, ?, ?, ?, ?)",
                [spec.id, partial.year, partial.period, partial.until, partial.note],
            )
        for record in self._file_records:
            self.con.execute(
                "INSERT INTO dataset_file VALUES (?, ?, ?, ?, ?)",
                [spec.id, record["path"], record["sha256"], record["bytes"], record["url_download"]],
            )
        for m in spec.measures:
            self.con.execute(
                f"INSERT INTO measure ({MEASURE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [m.id, spec.id, m.label, m.kind, m.unit, m.definition, m.level, m.category_label, m.status],
            )
        self.rows[spec.id] = row_count

    def load_contributed(self) -> None:
        """Disclosure-controlled aggregates published from the vault, each validated like a source, join the release."""
        names = ReleaseNames(
            areas=frozenset(row[0] for row in self.con.execute("SELECT code FROM area").fetchall()),
            datasets=frozenset(row[0] for row in self.con.execute("SELECT id FROM dataset").fetchall())
            | _declared_datasets(),
            measures=frozenset(row[0] for row in self.con.execute("SELECT id FROM measure").fetchall())
            | _declared_measures(),
        )
        datasets, problems, findings = read_all_contributed(self.settings, names)
        self.problems += problems
        self.findings += findings
        for contributed in datasets:
            try:
                self._insert_contributed(contributed)
            except duckdb.Error as error:  # validated above; a constraint failing here is a bug, named without values
                self.problems.append(
                    f"{contributed.files[-1].path}: the rows could not be stored ({type(error).__name__})"
                )

    def _insert_contributed(self, contributed: ContributedDataset) -> None:
        """One validated contributed dataset: its observations, dataset row with provenance, files and measures."""
        dataset_id = contributed.dataset_id
        self.con.register("contributed_frame", contributed.observations)
        try:
            self.con.execute("INSERT INTO observation BY NAME SELECT * FROM contributed_frame")
        finally:
            self.con.unregister("contributed_frame")
        self.con.execute(
            "INSERT INTO dataset VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            contributed.dataset_row(self.retrieved_at),
        )
        for record in contributed.files:
            self.con.execute(
                "INSERT INTO dataset_file VALUES (?, ?, ?, ?, NULL)",
                [dataset_id, record.path, record.sha256, record.bytes],
            )
        for m in contributed.measures:
            self.con.execute(
                f"INSERT INTO measure ({MEASURE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [m.id, dataset_id, m.label, m.kind, m.unit, m.definition, m.level, m.category_label, m.status],
            )
        self.rows[dataset_id] = contributed.observations.num_rows

    def choose_series(self, measures: frozenset[str] | None = None) -> None:
        """Where several sources give one measure, keep one per period (sources/series.yml), the others aside."""
        try:
            self.findings += apply_series(self.con, self.series, measures)
        except ValueError as error:
            self.problems.append(str(error))

    def compute_indicators(self, catalogue: tuple[IndicatorSpec, ...]) -> None:
        """The indicator catalogue over everything loaded; indicators whose inputs are absent are listed, not faked."""
        try:
            results = compute_catalogue(self.con, catalogue)
        except (duckdb.Error, ValueError) as error:
            self.problems.append(f"indicators: {error}")
            return
        skipped = [f"{result.indicator} ({result.skipped})" for result in results if result.skipped]
        if skipped:
            self.findings.append(
                Finding("indicators", "indicators_not_computed", "info", "; ".join(skipped), len(skipped))
            )
        self.indicator_values = self.con.execute("SELECT count(*) FROM indicator_value").fetchall()[0][0]

    def validate(self) -> None:
        """Release-wide invariants checked before anyone can see the release."""
        checks = {
            "observation codes missing from "
            "area": "SELECT count(*) FROM observation o WHERE (o.area IS NOT NULL AND o.area NOT IN (SELECT code FROM "
            "area)) OR (o.origin IS NOT NULL AND o.origin NOT IN (SELECT code FROM area)) OR (o.destination "
            "IS NOT NULL AND o.destination NOT IN (SELECT code FROM area))",
            "observations of undeclared "
            "measures": "SELECT count(*) FROM observation WHERE measure_id NOT IN (SELECT id FROM measure)",
            "observations without a "
            "dataset": "SELECT count(*) FROM observation WHERE dataset_id NOT IN (SELECT id FROM dataset)",
            "observations with neither area nor "
            "corridor": "SELECT count(*) FROM observation WHERE area IS NULL AND (origin IS NULL OR destination IS "
            "NULL)",
        }
        for label, sql in checks.items():
            count = self.con.execute(sql).fetchall()[0][0]
            if count:
                self.problems.append(f"release validation: {count} {label}")

    def store_findings(self, seconds: float) -> None:
        frame = pd.DataFrame([f.__dict__ for f in self.findings], columns=list(Finding.__dataclass_fields__))
        if not frame.empty:
            self.con.register("findings", frame)
            self.con.execute("INSERT INTO check_result BY NAME SELECT * FROM findings")
            self.con.unregister("findings")
        self.con.execute(
            "INSERT INTO release_info VALUES (?, ?, ?, ?, ?)",
            [self.release_id, self.retrieved_at, __version__, str(self.settings.raw_dir()), seconds],
        )

    def publish(self) -> releases.Release:
        """Close, rename into place, point CURRENT at it, prune old releases."""
        self.con.execute("CHECKPOINT")
        self.con.close()
        final = self.settings.releases_dir / f"{self.release_id}{releases.SUFFIX}"
        self.path.rename(final)
        release = releases.set_current(self.settings, self.release_id)
        releases.prune(self.settings)
        return release

    def discard(self) -> None:
        try:
            self.con.close()
        finally:
            self.path.unlink(missing_ok=True)
            Path(str(self.path) + ".wal").unlink(missing_ok=True)

    def cleanup(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)


def _declared_datasets() -> frozenset[str]:
    """Ids of every declared source, whether or not this build loads it: never a contributed dataset's id."""
    return frozenset(spec.id for spec in registry.all_specs())


def _declared_measures() -> frozenset[str]:
    """Measure ids of every declared source, whether or not this build loads it: never a contributed measure's id."""
    return frozenset(measure.id for spec in registry.all_specs() for measure in spec.measures)


def _make_scratch(settings: Settings, release_id: str) -> Path:
    """The build's private scratch folder, in the releases folder so that the next build finds it after a kill."""
    scratch = settings.releases_dir / f"{SCRATCH_PREFIX}{release_id}"
    scratch.mkdir(mode=0o700)
    return scratch


def _remove_stale_builds(settings: Settings) -> None:
    """Files and scratch folders left by a build that was killed; safe because the build lock is held."""
    for leftover in settings.releases_dir.glob("*.building*"):
        leftover.unlink(missing_ok=True)
    for scratch in settings.releases_dir.glob(f"{SCRATCH_PREFIX}*"):
        if scratch.is_symlink() or not scratch.is_dir():
            scratch.unlink(missing_ok=True)  # never follow a link out of the releases folder
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def _fingerprints(
    settings: Settings,
    specs: list[SourceSpec],
    connectors: dict[str, ModuleType],
    declared: dict[str, Series],
    strict_checksums: bool,
    catalogue: tuple[IndicatorSpec, ...],
    records: dict[str, list[dict]],
) -> incremental.Fingerprints:
    """Fingerprints of everything this build reads; the raw files' records are kept for the build."""
    code = incremental.code_fingerprint(declared)
    sources: dict[str, str | None] = {}
    for spec in specs:
        try:
            paths = locate(settings, spec)
            records[spec.id] = [file_record(raw, paths[raw.path]) for raw in spec.files]
        except (SourceError, OSError):
            sources[spec.id] = None  # the load reports the missing or unreadable file
            continue
        own = incremental.source_fingerprint(spec, records[spec.id], code, strict_checksums)
        sources[spec.id] = None if spec.id in connectors else own
    upstream = {spec.id: sources[spec.id] for spec in specs if spec.provides != "derived"}
    for spec in specs:
        if spec.provides == "derived" and sources[spec.id] is not None:
            read = {key: upstream.get(key, "absent") for key in spec.derived_from} if spec.derived_from else upstream
            sources[spec.id] = incremental.derived_fingerprint(cast(str, sources[spec.id]), read)
    indicators = {spec.id: incremental.indicator_fingerprint(spec) for spec in catalogue}
    return incremental.Fingerprints(code, sources, indicators)


def build_release(
    settings: Settings,
    *,
    specs: list[SourceSpec] | None = None,
    connectors: dict[str, ModuleType] | None = None,
    strict_checksums: bool = True,
    console: Console | None = None,
    series: dict[str, Series] | None = None,
    incremental_build: bool = True,
) -> BuildReport:
    """Build a new release from every declared source (or the given ones) and make it current.

    With `incremental_build`, sources unchanged since the current release are copied from it, not parsed again.
    """
    console = console or Console(stderr=True)
    specs = list(specs) if specs is not None else list(registry.all_specs())
    started = time.perf_counter()
    with _BuildLock(settings.home):
        settings.releases_dir.mkdir(parents=True, exist_ok=True)
        _remove_stale_builds(settings)
        declared = series if series is not None else declared_series()
        catalogue = load_catalogue()
        records: dict[str, list[dict]] = {}
        prints = _fingerprints(settings, specs, connectors or {}, declared, strict_checksums, catalogue, records)
        current = releases.current_release(settings) if incremental_build else None
        plan = incremental.plan(
            incremental.read_base(current.path) if current else None, specs, prints, catalogue, declared
        )
        builder = ReleaseBuilder(settings, connectors, series, plan.base if plan else None)
        builder.records = records
        try:
            if plan is not None:
                builder.findings += incremental.prepare_copy(builder.con, plan)
                builder.rows.update(
                    builder.con.execute(
                        "SELECT id, row_count FROM dataset WHERE id IN (SELECT unnest(?::VARCHAR[]))",
                        [sorted(plan.reused)],
                    ).fetchall()
                )
            progress = Progress(
                TextColumn("{task.description:<34}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
                disable=not console.is_terminal,
            )
            with progress:
                task = progress.add_task("building release", total=len(specs) + 1)
                series_chosen = False
                for spec in specs:
                    progress.update(task, description=spec.id)
                    if spec.provides == "derived" and not series_chosen:
                        _choose_series(builder, plan)  # derived sources read the chosen series
                        series_chosen = True
                    if plan is not None and spec.id in plan.reused and spec.provides != "areas":
                        progress.advance(task)
                        continue
                    try:
                        loader = {"areas": builder.load_reference, "frameworks": builder.load_frameworks}.get(
                            spec.provides, builder.load_source
                        )
                        loader(spec, strict_checksums)
                    except (SourceError, UnresolvedAreasError) as error:
                        builder.problems.append(f"{spec.id}: {error}")
                        builder.con.execute("DROP VIEW IF EXISTS resolved; DROP TABLE IF EXISTS stage")
                        if spec.provides == "areas":
                            break  # nothing can resolve without the reference
                    progress.advance(task)
                progress.update(task, description="contributed datasets")
                if not series_chosen:
                    _choose_series(builder, plan)
                builder.load_contributed()
                if not builder.problems:
                    progress.update(task, description="indicators")
                    again = plan.indicators if plan is not None else {spec.id for spec in catalogue}
                    builder.compute_indicators(tuple(spec for spec in catalogue if spec.id in again))
                builder.validate()
            if builder.problems:
                raise BuildError(builder.problems)
            loaded = {spec.id for spec in specs if spec.id in builder.rows}
            incremental.store(builder.con, prints.rows(loaded))
            seconds = time.perf_counter() - started
            builder.store_findings(seconds)
            release = builder.publish()
        except BaseException:
            builder.discard()
            raise
        finally:
            builder.cleanup()
    reused = sorted(plan.reused) if plan is not None else []
    return BuildReport(
        release, builder.rows, builder.findings, time.perf_counter() - started, builder.indicator_values, reused
    )


def _choose_series(builder: ReleaseBuilder, plan: incremental.Plan | None) -> None:
    """The series choice over every declared measure, or (incremental) over the measures whose sources changed."""
    builder.choose_series(None if plan is None else plan.series_measures)
