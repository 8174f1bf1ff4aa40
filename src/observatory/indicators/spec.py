"""The indicator catalogue: one validated YAML entry per indicator (IAMC nomenclature style)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

CATALOGUE_DIR = Path(__file__).parent / "catalogue"
Status = Literal["reported", "estimated", "modelled", "minimum"]


class Frameworks(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sdg: list[str] = []  # SDG targets, e.g. ["10.7"]
    gcm: list[int] = []  # GCM objective numbers 1..23
    gcr: list[int] = []  # GCR objective numbers 1..4

    @model_validator(mode="after")
    def _in_range(self):
        if any(not 1 <= number <= 23 for number in self.gcm) or any(not 1 <= number <= 4 for number in self.gcr):
            raise ValueError("GCM objectives are numbered 1–23 and GCR objectives 1–4")
        return self


class IndicatorSpec(BaseModel):
    """One indicator: what it means, how it is computed (portable SQL over the release), how groups aggregate."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    definition: str
    unit: str
    kind: Literal["stock", "flow", "rate", "cost", "index", "count"]
    level: Literal["area", "corridor"]
    sdg_indicator: str | None = None
    frameworks: Frameworks = Frameworks()
    inputs: list[str] = Field(min_length=1)  # measure ids read by the formula: give sources and status
    disaggregations: list[Literal["sex", "age", "category", "period"]] = []
    # The category a single headline number shows when the indicator has no all-categories value (e.g. the
    # recommended estimation method of a modelled flow): every surface shows this one unless asked for another.
    headline_category: str | None = None
    headline_age: str | None = None  # likewise the age band, where the indicator has no all-ages value (e.g. 20-64)
    # What each category code means (UNHCR application types, decision levels, flow methods), in display order, so
    # no surface shows a bare code; where no headline is declared and there is no all-categories value, the first
    # code listed that has a value is the headline. Codes of different kinds are never summed into one number.
    category_labels: dict[str, str] = {}
    # Further measures coded the same way as the inputs (e.g. the cases twin of a persons measure): the labels
    # explain their categories too.
    labelled_measures: list[str] = []
    status: Status | None = None  # None: inherited from the inputs (the least certain one wins)
    # SQL over `observation`, `area`, `area_membership` returning the key columns and `value`
    # (or `numerator` and `denominator` when the indicator is a ratio); standard SQL so Spark can run it too.
    formula: str
    ratio_scale: float | None = None  # value = numerator / denominator × scale
    aggregate: Literal["sum", "ratio", "none"] = "none"  # how country values roll up to groups
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self):
        if self.aggregate == "ratio" and self.ratio_scale is None:
            raise ValueError(
                f"{self.id}: a ratio aggregate needs ratio_scale and a formula giving numerator and denominator"
            )
        if self.level == "corridor" and self.aggregate != "none":
            raise ValueError(f"{self.id}: corridor indicators are not aggregated to groups")
        if self.category_labels and self.headline_category and self.headline_category not in self.category_labels:
            raise ValueError(f"{self.id}: the headline category needs a label in category_labels")
        if self.labelled_measures and not self.category_labels:
            raise ValueError(f"{self.id}: labelled_measures needs category_labels")
        return self


@lru_cache(maxsize=1)
def load_catalogue() -> tuple[IndicatorSpec, ...]:
    """Every indicator in catalogue/*.yml, ids unique."""
    specs = []
    for path in sorted(CATALOGUE_DIR.glob("*.yml")):
        with path.open(encoding="utf-8") as handle:
            for entry in yaml.safe_load(handle) or []:
                specs.append(IndicatorSpec.model_validate(entry))
    ids = [spec.id for spec in specs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"indicator ids declared twice: {duplicates}")
    return tuple(specs)


def measure_category_labels(measure_id: str) -> dict[str, str]:
    """What the category codes of a measure mean, from the indicator that declares them ({} when none does)."""
    for spec in load_catalogue():
        if spec.category_labels and measure_id in (*spec.inputs, *spec.labelled_measures):
            return dict(spec.category_labels)
    return {}


def get_indicator(indicator_id: str) -> IndicatorSpec:
    for spec in load_catalogue():
        if spec.id == indicator_id:
            return spec
    raise KeyError(f"unknown indicator {indicator_id!r}; see `observatory indicators`")
