"""Datasets published from the firewall vault (`<home>/contributed/<id>/`), validated as strictly as any source.

Each folder holds `dataset.json` (provenance and measures) and `observations.parquet` (canonical observation
columns). Both are treated as an adversary's files: read with size limits, never through links, validated field by
field; errors name the file, row and field, never a value. Metadata texts are stored inert (no spreadsheet formula,
no non-http(s) link).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from observatory.settings import Settings
from observatory.sources.context import OBSERVATION_COLUMNS
from observatory.sources.errors import SourceError
from observatory.warehouse.checks import KEY, Finding

CONTRIBUTED_DIR = "contributed"
META_FILE = "dataset.json"
OBSERVATIONS_FILE = "observations.parquet"
PUBLICATION_ID = re.compile(r"[a-z0-9][a-z0-9_-]{1,63}")  # the vault's publication ids: they name the folders
MEASURE_ID = r"^[a-z][a-z0-9_]{1,63}$"
MAX_DATASETS = 1000
MAX_META_BYTES = 64 * 1024
MAX_OBSERVATIONS_BYTES = 64 * 1024 * 1024
MAX_ROWS = 500_000
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
MAX_CELL_CHARS = 200  # no canonical text cell is longer; bounds what a dictionary-encoded column can expand to
COLUMNS = ("dataset_id", *OBSERVATION_COLUMNS)
STRING_COLUMNS = (
    "dataset_id",
    "measure_id",
    "area",
    "origin",
    "destination",
    "period",
    "sex",
    "age",
    "category",
    "status",
    "note",
)
NUMBER_COLUMNS = ("value", "lower", "upper")
STATUSES = ("reported", "estimated", "modelled", "minimum")
# Spreadsheets run a cell that starts with one of these as a formula (full-width forms included).
FORMULA_START = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# Control characters and the bidirectional overrides that make text read differently from what it is.
_UNSAFE_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]+")
PROVENANCE = re.compile(r"contributed by .+, disclosure-controlled \(.+\)", re.DOTALL)
# Pydantic messages of these kinds describe the expectation only; any other kind is reported by its type name.
_SAFE_ERROR_TYPES = {
    "missing",
    "string_type",
    "string_too_short",
    "string_too_long",
    "string_pattern_mismatch",
    "literal_error",
    "list_type",
    "too_short",
    "too_long",
    "model_type",
    "model_attributes_type",
    "dict_type",
    "int_type",
    "bool_type",
    "value_error",
}


class ContributedError(SourceError):
    """A contributed file fails validation: names the file (relative to the home) and the field, never a value."""


Label = Annotated[str, Field(min_length=1, max_length=200)]
ShortText = Annotated[str, Field(max_length=80)]
LongText = Annotated[str, Field(max_length=1000)]


class ContributedMeasure(BaseModel):
    """A measure a contributed dataset declares (the vault publishes one count per schema)."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)
    id: str = Field(pattern=MEASURE_ID)
    label: Label
    kind: Literal["stock", "flow", "rate", "cost", "index", "count"]
    unit: Annotated[str, Field(min_length=1, max_length=40)]
    definition: Annotated[str, Field(min_length=1, max_length=1000)]
    level: Literal["area"] = "area"  # contributed aggregates describe one country
    category_label: Annotated[str, Field(max_length=200)] | None = None
    status: Literal["reported", "estimated", "modelled", "minimum"] = "reported"


class ContributedMeta(BaseModel):
    """`dataset.json` of a contributed dataset; fields the warehouse does not use are ignored, never stored."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)
    id: str = Field(pattern=f"^{PUBLICATION_ID.pattern}$")
    title: Annotated[str, Field(min_length=1, max_length=300)]
    publisher: Annotated[str, Field(min_length=1, max_length=500)]
    producer: Annotated[str, Field(max_length=500)] = ""
    version_producer: ShortText = ""
    licence: ShortText = ""
    citation: LongText = ""
    url_main: Annotated[str, Field(max_length=300)] = ""
    date_published: str = Field("", pattern=r"^(\d{4}(-\d{2}(-\d{2})?)?)?$")
    note: Annotated[str, Field(min_length=1, max_length=1200)]  # the provenance sentence, checked once made inert
    measures: list[ContributedMeasure] = Field(..., min_length=1, max_length=20)


_META_FIELDS = set(ContributedMeta.model_fields) | set(ContributedMeasure.model_fields)
_META_TEXTS = ("title", "publisher", "producer", "version_producer", "licence", "citation", "note")
_MEASURE_TEXTS = ("label", "unit", "definition", "category_label")


def inert_text(value: str) -> str:
    """Text no spreadsheet or browser will run: unsafe characters become spaces, a leading formula sign is quoted."""
    cleaned = " ".join(_UNSAFE_CHARACTERS.sub(" ", value).split())
    return "'" + cleaned if cleaned.startswith(FORMULA_START) else cleaned


def http_url(value: str) -> str | None:
    """The address if it is a plain http(s) URL (no credentials, spaces or control characters), else None."""
    match = re.fullmatch(r"https?://([^/?#\s@\\]+)([/?#][^\s\\]*)?", value, flags=re.IGNORECASE | re.ASCII)
    if match is None or _UNSAFE_CHARACTERS.search(value) or not re.fullmatch(r"[A-Za-z0-9.-]+(:\d{1,5})?", match[1]):
        return None
    return value


@dataclass(frozen=True)
class ContributedFile:
    path: str  # relative to the home, e.g. contributed/<id>/dataset.json
    sha256: str
    bytes: int


@dataclass(frozen=True)
class ContributedDataset:
    """One validated contributed dataset, ready to insert into a release."""

    folder: Path
    meta: ContributedMeta
    observations: pa.Table  # exactly COLUMNS, canonical types
    files: tuple[ContributedFile, ...]
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def dataset_id(self) -> str:
        return self.meta.id

    @property
    def measures(self) -> list[ContributedMeasure]:
        return self.meta.measures

    def dataset_row(self, retrieved_at: datetime) -> list[Any]:
        """Values of the release's `dataset` table in column order; the provenance note is part of the citation."""
        meta = self.meta
        citation = meta.citation or meta.title
        if meta.note not in citation:  # every surface that cites the dataset shows who contributed it and how
            citation = f"{citation} [{meta.note}]"
        return [
            meta.id,
            meta.title,
            meta.publisher,
            meta.producer or meta.publisher,
            meta.version_producer,
            meta.url_main or None,
            meta.date_published,
            None,
            retrieved_at,
            meta.licence,
            citation,
            meta.note,
            False,
            self.observations.num_rows,
            None,
        ]


@dataclass(frozen=True)
class ReleaseNames:
    """What a contributed dataset must fit into: the release's areas, and ids already used by declared sources."""

    areas: frozenset[str]
    datasets: frozenset[str]
    measures: frozenset[str]


def _where(folder: Path, name: str) -> str:
    return f"{CONTRIBUTED_DIR}/{folder.name}/{name}"


def _read_limited(path: Path, limit: int, where: str) -> bytes:
    """A regular file's bytes, never through a link or from a pipe, refused beyond `limit` bytes."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise ContributedError(where, f"missing (a publication holds {META_FILE} and {OBSERVATIONS_FILE})") from None
    except OSError:
        raise ContributedError(where, "cannot be opened as a plain file (a link, or not readable)") from None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ContributedError(where, "not a regular file")
        if info.st_size > limit:
            raise ContributedError(where, f"larger than the limit of {limit} bytes")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ContributedError(where, f"larger than the limit of {limit} bytes")
    return data


def _explain(error: ValidationError) -> tuple[str | None, str]:
    """The first problem of a validation error as (field, message), from the field path and the kind of error only."""
    problems = error.errors(include_url=False, include_input=False, include_context=False)
    first = problems[0]
    if first["type"] in ("json_invalid", "json_type"):
        return None, "not valid JSON (malformed or truncated)"
    location = ".".join(str(part) if isinstance(part, int) or part in _META_FIELDS else "?" for part in first["loc"])
    message = first["msg"] if first["type"] in _SAFE_ERROR_TYPES else f"invalid value ({first['type']})"
    if len(problems) > 1:
        message += f" (and {len(problems) - 1} more problem(s) in this file)"
    return location or None, message


def read_meta(folder: Path) -> tuple[ContributedMeta, bytes, list[Finding]]:
    """Parse and validate `dataset.json`, then make its texts inert; findings say which fields were changed."""
    where = _where(folder, META_FILE)
    data = _read_limited(folder / META_FILE, MAX_META_BYTES, where)
    try:
        meta = ContributedMeta.model_validate_json(data)
    except ValidationError as error:
        field_name, message = _explain(error)
        raise ContributedError(where, message, field=field_name) from None
    if meta.id != folder.name:
        raise ContributedError(where, "the id differs from the folder name", field="id")
    changed: list[str] = []
    updates: dict[str, Any] = {}
    for name in _META_TEXTS:
        value = getattr(meta, name)
        if inert_text(value) != value:
            updates[name] = inert_text(value)
            changed.append(name)
    measures = []
    for index, measure in enumerate(meta.measures):
        measure_updates = {}
        for name in _MEASURE_TEXTS:
            value = getattr(measure, name)
            if value is not None and inert_text(value) != value:
                measure_updates[name] = inert_text(value)
                changed.append(f"measures.{index}.{name}")
        measures.append(measure.model_copy(update=measure_updates))
    findings = []
    if meta.url_main and http_url(meta.url_main) is None:
        updates["url_main"] = ""
        findings.append(
            Finding(
                meta.id,
                "unsafe_url",
                "warning",
                "not a plain http(s) address: left out of the release",
                1,
                where,
                None,
                "url_main",
            )
        )
    meta = meta.model_copy(update={**updates, "measures": measures})
    for name in ("title", "publisher"):
        if not getattr(meta, name):
            raise ContributedError(where, "empty once control characters are removed", field=name)
    if not PROVENANCE.fullmatch(meta.note):
        raise ContributedError(where, "must read 'contributed by ORG, disclosure-controlled (RULE)'", field="note")
    if changed:
        findings.append(
            Finding(
                meta.id,
                "inert_text",
                "info",
                f"{len(changed)} text field(s) stored inert (formula "
                "sign quoted, control characters removed): " + ", ".join(changed),
                len(changed),
                where,
            )
        )
    ids = [measure.id for measure in meta.measures]
    if len(set(ids)) != len(ids):
        raise ContributedError(where, "a measure is declared twice", field="measures")
    return meta, data, findings


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)


def _canonical_table(data: bytes, where: str) -> pa.Table:
    """The Parquet file as a table of exactly COLUMNS with canonical types; refuses what does not fit, by position."""
    try:
        parquet = pq.ParquetFile(pa.BufferReader(data))
        metadata = parquet.metadata
        leaves = [parquet.schema.column(i) for i in range(len(parquet.schema))]
        names = [leaf.path for leaf in leaves]  # a nested column's leaves ('a.b') are never canonical names
        physical = {leaf.path: leaf.physical_type for leaf in leaves}
    except (pa.ArrowException, OSError, ValueError):
        raise ContributedError(where, "not a readable Parquet file (malformed or truncated)") from None
    if metadata.num_rows == 0:
        raise ContributedError(where, "holds no rows")
    if metadata.num_rows > MAX_ROWS:
        raise ContributedError(where, f"more than {MAX_ROWS} rows")
    if sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups)) > MAX_UNCOMPRESSED_BYTES:
        raise ContributedError(where, f"expands beyond {MAX_UNCOMPRESSED_BYTES} bytes")
    _only_canonical(names, where)
    missing = [name for name in COLUMNS if name not in names and name != "period"]  # period: see _fill_period
    if missing:
        raise ContributedError(where, "the canonical column is missing", field=missing[0])
    try:
        # Text columns stay dictionary-encoded until their lengths are checked: a short file cannot expand in memory.
        table = pq.read_table(pa.BufferReader(data), read_dictionary=[n for n in names if physical[n] == "BYTE_ARRAY"])
    except (pa.ArrowException, OSError, ValueError):
        raise ContributedError(where, "not a readable Parquet file (malformed or truncated)") from None
    _only_canonical(table.column_names, where)
    columns = {}
    for name in table.column_names:
        columns[name] = _canonical_column(name, table.column(name).combine_chunks(), where)
    if "period" not in columns:
        columns["period"] = pa.nulls(table.num_rows, pa.string())
    return pa.table({name: columns[name] for name in COLUMNS})


def _only_canonical(names: list[str], where: str) -> None:
    """Refuse unknown or repeated columns, named by position only (a column name is the writer's text)."""
    unexpected = [position for position, name in enumerate(names, start=1) if name not in COLUMNS]
    if unexpected or len(set(names)) != len(names):
        which = ", ".join(str(p) for p in unexpected[:5]) or "repeated"
        raise ContributedError(
            where, f"column(s) {which}: not a canonical observation column (expected exactly: {', '.join(COLUMNS)})"
        )


def _canonical_column(name: str, column: pa.Array | pa.ChunkedArray, where: str) -> pa.Array | pa.ChunkedArray:
    kind = column.type
    if pa.types.is_null(kind):
        empty = pa.int64() if name == "year" else pa.float64() if name in NUMBER_COLUMNS else pa.string()
        return pa.nulls(len(column), empty)
    if name in STRING_COLUMNS:
        values = kind.value_type if pa.types.is_dictionary(kind) else kind
        if not _is_text(values):
            raise ContributedError(where, "expected text", field=name)
        lengths = pc.utf8_length(column.dictionary if pa.types.is_dictionary(kind) else column)
        longest = pc.max(lengths).as_py()
        if longest is not None and longest > MAX_CELL_CHARS:
            raise ContributedError(where, f"a value is longer than {MAX_CELL_CHARS} characters", field=name)
        return column.cast(pa.string())
    if name == "year":
        if not pa.types.is_integer(kind):
            raise ContributedError(where, "expected whole numbers", field=name)
        try:
            return column.cast(pa.int64())
        except pa.ArrowInvalid:
            raise ContributedError(where, "out of range", field=name) from None
    if not (pa.types.is_floating(kind) or pa.types.is_integer(kind)):
        raise ContributedError(where, "expected numbers", field=name)
    return column.cast(pa.float64(), safe=False)


# (field, condition every row must meet, what it must be). Rows are numbered from 1 in the order of the file.
_ROW_CHECKS = (
    ("dataset_id", "dataset_id = $dataset", "the folder's dataset id"),
    ("measure_id", "list_contains($measures, measure_id)", "a measure declared in dataset.json"),
    ("area", "area IN (SELECT code FROM known_area)", "an area code of the release"),
    ("origin", "origin IS NULL OR origin IN (SELECT code FROM known_area)", "empty or an area code of the release"),
    ("destination", "destination IS NULL", "empty (contributed measures describe one area)"),
    ("year", "year BETWEEN 1900 AND 2100", "a year from 1900 to 2100"),
    (
        "period",
        (
            "period = '' OR (regexp_full_match(period, '[0-9]{4}-(0[1-9]|1[0-2])') AND "
            "left(period, 4) = CAST(year AS VARCHAR))"
        ),
        "'' for the year or 'YYYY-MM' of the row's year",
    ),
    ("sex", "sex IN ('total', 'female', 'male')", "total, female or male"),
    ("age", "regexp_full_match(age, 'total|[0-9]{1,3}(-[0-9]{1,3}|\\+)?')", "total, an age or an age band"),
    ("category", "regexp_full_match(category, '([A-Za-z0-9][A-Za-z0-9_.+-]{0,63})?')", "'' or a category code"),
    ("value", "value IS NULL OR (isfinite(value) AND value >= 0)", "empty (suppressed) or a finite count >= 0"),
    ("lower", "lower IS NULL OR (isfinite(lower) AND lower >= 0)", "empty or a finite number >= 0"),
    ("upper", "upper IS NULL OR (isfinite(upper) AND upper >= coalesce(lower, 0))", "empty or a number >= lower"),
    ("status", f"status IN ({', '.join(repr(s) for s in STATUSES)})", "a status of the release schema"),
    (
        "note",
        "note IS NULL OR regexp_full_match(note, '([A-Za-z][A-Za-z0-9 ,.;:()_-]*)?')",
        "empty or plain words (letters first)",
    ),
)


def _fill_period(con: duckdb.DuckDBPyConnection, where: str) -> None:
    """A row without a period is the year in a yearly frame (no row carries a month); in a monthly frame, an error."""
    missing, first, monthly = con.execute(
        "SELECT count(*) FILTER (WHERE period IS NULL), min(_row) FILTER (WHERE period IS NULL), "
        "count(*) FILTER (WHERE period <> '') FROM observations"
    ).fetchall()[0]
    if not missing:
        return
    if monthly:
        raise ContributedError(
            where,
            f"{missing} row(s) of a monthly frame have no period (a year total carries '')",
            row=first,
            field="period",
        )
    con.execute("UPDATE observations SET period = '' WHERE period IS NULL")


def read_observations(folder: Path, meta: ContributedMeta, names: ReleaseNames) -> tuple[pa.Table, bytes]:
    """Read and validate `observations.parquet` against the metadata and the release; the canonical rows."""
    where = _where(folder, OBSERVATIONS_FILE)
    data = _read_limited(folder / OBSERVATIONS_FILE, MAX_OBSERVATIONS_BYTES, where)
    table = _canonical_table(data, where)
    if table.num_rows == 0:
        raise ContributedError(where, "holds no rows")
    table = table.append_column("_row", pa.array(range(1, table.num_rows + 1), pa.int64()))
    con = duckdb.connect(config={"enable_external_access": False})
    try:
        con.register("observation_input", table)
        con.register("known_area", pa.table({"code": pa.array(sorted(names.areas), pa.string())}))
        con.execute("CREATE TABLE observations AS SELECT * FROM observation_input")
        _fill_period(con, where)
        parameters = {"dataset": meta.id, "measures": [m.id for m in meta.measures]}
        for column, condition, expected in _ROW_CHECKS:
            used = {name: value for name, value in parameters.items() if f"${name}" in condition}
            bad, first = con.execute(
                f"SELECT count(*), min(_row) FROM observations WHERE NOT coalesce(({condition}), false)", used
            ).fetchall()[0]
            if bad:
                raise ContributedError(where, f"must be {expected}; {bad} row(s) are not", row=first, field=column)
        keys = ", ".join(KEY)
        repeated, first = con.execute(
            "SELECT count(*), min(_row) FROM (SELECT _row, count(*) OVER "
            f"(PARTITION BY {keys}) AS n FROM observations) WHERE n > 1"
        ).fetchall()[0]
        if repeated:
            raise ContributedError(where, f"{repeated} row(s) repeat the key of another row ({keys})", row=first)
        canonical = con.sql(f"SELECT {', '.join(COLUMNS)} FROM observations ORDER BY _row").to_arrow_table()
    finally:
        con.close()
    return canonical, data


def read_contributed(folder: Path, names: ReleaseNames) -> ContributedDataset:
    """One published folder, validated as a whole; raises ContributedError naming the file and field."""
    meta, meta_bytes, findings = read_meta(folder)
    where = _where(folder, META_FILE)
    if meta.id in names.datasets:
        raise ContributedError(where, "the id belongs to a declared source or another dataset", field="id")
    for index, measure in enumerate(meta.measures):
        if measure.id in names.measures:  # a contributed value must never stand in for a declared source's measure
            raise ContributedError(where, "the measure id belongs to a declared source", field=f"measures.{index}.id")
    observations, observation_bytes = read_observations(folder, meta, names)
    files = tuple(
        ContributedFile(_where(folder, name), hashlib.sha256(data).hexdigest(), len(data))
        for name, data in ((META_FILE, meta_bytes), (OBSERVATIONS_FILE, observation_bytes))
    )
    return ContributedDataset(folder, meta, observations, files, tuple(findings))


def contributed_folders(settings: Settings) -> tuple[list[Path], list[ContributedError], list[Finding]]:
    """Published folders in name order; entries the vault cannot have written are errors (named by position only)."""
    root = settings.home / CONTRIBUTED_DIR
    if not root.is_dir():
        return [], [], []
    folders, errors, ignored = [], [], 0
    entries = sorted(os.scandir(root), key=lambda entry: entry.name)
    for position, entry in enumerate(entries, start=1):
        if entry.name.startswith("."):
            continue  # the vault's temporary and outgoing folders of its atomic swap
        if entry.is_file(follow_symlinks=False):
            ignored += 1
        elif not PUBLICATION_ID.fullmatch(entry.name):
            errors.append(ContributedError(f"{CONTRIBUTED_DIR}/ entry {position}", "the name is not a publication id"))
        elif entry.is_symlink() or not entry.is_dir(follow_symlinks=False):
            errors.append(ContributedError(f"{CONTRIBUTED_DIR}/{entry.name}", "not a plain folder (a link or device)"))
        else:
            folders.append(Path(entry.path))
    if len(folders) > MAX_DATASETS:
        errors.append(ContributedError(CONTRIBUTED_DIR, f"more than {MAX_DATASETS} published folders"))
        folders = []
    findings = (
        [
            Finding(
                "contributed",
                "not_a_publication",
                "info",
                f"{ignored} plain file(s) in {CONTRIBUTED_DIR}/ ignored",
                ignored,
                CONTRIBUTED_DIR,
            )
        ]
        if ignored
        else []
    )
    return folders, errors, findings


def read_all_contributed(
    settings: Settings, names: ReleaseNames
) -> tuple[list[ContributedDataset], list[str], list[Finding]]:
    """Every published folder: the valid datasets, the problems (one per invalid folder) and the findings."""
    folders, errors, findings = contributed_folders(settings)
    problems = [str(error) for error in errors]
    datasets = []
    taken = set(names.datasets)
    for folder in folders:
        try:
            dataset = read_contributed(folder, ReleaseNames(names.areas, frozenset(taken), names.measures))
        except ContributedError as error:
            problems.append(str(error))
            continue
        taken.add(dataset.dataset_id)
        datasets.append(dataset)
        findings.extend(dataset.findings)
    return datasets, problems, findings
