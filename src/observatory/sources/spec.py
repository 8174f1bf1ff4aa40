"""The declared contract of a source: provenance, raw files, measures and data checks (pydantic)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

MeasureKind = Literal["stock", "flow", "rate", "cost", "index", "count"]
Status = Literal["reported", "estimated", "modelled", "minimum"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConvertedFrom(Strict):
    """The publisher's original file a mirror file was converted from (e.g. an R .rda)."""

    path: str
    url_download: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    reader: Literal["rda", "dta"]
    object: str | None = None
    rename: dict[str, str] = {}  # original name -> name in the mirror file
    # Applied after `rename`, so they name the mirror file's columns.
    dates: list[str] = []  # R `Date` columns (day counts since 1970-01-01 once read) written as ISO dates YYYY-MM-DD
    integers: list[str] = []  # whole numbers stored as R doubles, written without a trailing `.0` (NA stays empty)


class RawFile(Strict):
    """One raw file, addressed as `<folder>/<file>` in the cache and in a mirror."""

    path: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    url_download: str | None = None
    converted_from: ConvertedFrom | None = None
    mirror_only: str | None = None  # why no public copy of this exact file exists (it can only come from a mirror)
    encoding: str = "utf-8"

    @field_validator("path")
    @classmethod
    def _relative(cls, value: str) -> str:
        if value.startswith("/") or ".." in Path(value).parts:
            raise ValueError(f"raw file path must be relative and inside the cache: {value!r}")
        return value


class Measure(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    kind: MeasureKind
    unit: str
    definition: str
    level: Literal["area", "corridor"] = "area"
    status: Status = "reported"
    category_label: str | None = None  # what the observation's `category` column means for this measure


class SumCheck(Strict):
    """Parts must add up to their total within a relative tolerance."""

    measure: str
    parts: dict[str, list[str]]  # column -> values that are parts, e.g. {sex: [female, male]}
    total: dict[str, str]  # column -> value of the total, e.g. {sex: total}
    tolerance: float = 0.001  # relative to the total
    absolute_tolerance: float = 0.0  # gaps up to this many units are rounding (e.g. values published in thousands)
    severity: Literal["error", "warning"] = "warning"


class JumpCheck(Strict):
    """Year-on-year change beyond a factor is suspicious."""

    measure: str
    factor: float = Field(gt=1)
    min_value: float = 1000.0  # ignore tiny series where factors are meaningless


class Checks(Strict):
    non_negative: list[str] = []  # measure ids whose values must be >= 0 (default: every stock and count)
    negative_is_warning: list[str] = []  # measure ids where a negative value is possible but rare enough to list
    origin_not_destination: bool = True
    sums: list[SumCheck] = []
    jumps: list[JumpCheck] = []


class PartialPeriod(Strict):
    """A year (or period) the source covers only in part: its values carry the cut-off and are not ranked."""

    year: int
    period: str = ""  # '' = the yearly values of `year` (its quarters or months may each be complete)
    until: date  # last day covered
    note: str = ""


class SourceSpec(Strict):
    """Everything declared about one dataset; the connector only parses."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    publisher: str
    producer: str
    version_producer: str
    url_main: str
    date_published: str
    date_accessed: date
    licence: str
    citation_full: str
    note: str = ""
    repackaged: bool = False  # the mirror file is an extract or conversion, not the publisher's own download
    area_scheme: Literal["iso3", "iso2", "m49", "unhcr", "name", "auto"] = "iso3"
    # What the source feeds: the area reference, the framework objectives, observations (most sources), or
    # observations derived from what the other sources loaded in the same build (no raw files).
    provides: Literal["areas", "frameworks", "observations", "derived"] = "observations"
    # A derived source: the sources whose rows it reads (an incremental build reuses it while none of them changed);
    # empty = every other source.
    derived_from: list[str] = []
    # The publisher's edition this dataset is (e.g. "2024" for International Migrant Stock 2024). Where several
    # sources give one measure, `sources/series.yml` declares which one is used for each period.
    revision: str | None = None
    partial_periods: list[PartialPeriod] = []
    files: list[RawFile]
    measures: list[Measure] = []
    checks: Checks = Checks()

    @property
    def reference_only(self) -> bool:
        """A reference table (areas, frameworks) that every build needs, not a dataset of observations."""
        return self.provides in ("areas", "frameworks")

    @property
    def folder(self) -> Path:
        return Path(__file__).parent / self.id

    def file(self, name: str) -> RawFile:
        """The declared raw file whose path ends with `name`."""
        for raw in self.files:
            if raw.path == name or raw.path.endswith("/" + name):
                return raw
        raise KeyError(f"{self.id}: no declared file {name!r}")


def load_spec(path: Path) -> SourceSpec:
    """Read and validate one `source.yml`."""
    with path.open(encoding="utf-8") as handle:
        return SourceSpec.model_validate(yaml.safe_load(handle))
