"""Disclosure rules a steward sets per dataset, validated against the dataset's schema."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from observatory.firewall.declarations import load_schema

DATASET_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,63}")
HARD_MAX_DIMENSIONS = 4


class DisclosureRules(BaseModel):
    """How one dataset's aggregates are protected before they leave the vault."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    schema_id: str = "case_records"
    title: str = Field("", max_length=200)
    country: str = Field(..., pattern=r"^[A-Z]{3}$", description="ISO3 of the country the records come from.")
    year: int = Field(..., ge=1990, le=2100, description="Reference year: only records of this year are aggregated.")
    dimensions: tuple[str, ...] = Field(
        ..., min_length=1, description="The one release frame: every answer is a slice of it."
    )
    max_dimensions: int = Field(3, ge=1, le=HARD_MAX_DIMENSIONS)
    min_cell: int = Field(10, ge=2, le=1000)
    rounding_base: int = Field(5, ge=1, le=100)
    mode: Literal["suppression", "dp"] = "suppression"
    epsilon: float = Field(1.0, gt=0, le=10, description="Privacy loss of one noisy release (dp mode).")
    budget: float = Field(3.0, gt=0, le=100, description="Total privacy loss allowed for the dataset (dp mode).")
    analyst_budget: float | None = Field(
        None, gt=0, le=100, description="Privacy loss allowed to one analyst (token) in dp mode; default: budget."
    )
    categories: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Fixed categories of open dimensions."
    )

    @model_validator(mode="after")
    def _fits_schema(self) -> DisclosureRules:
        schema = load_schema(self.schema_id)
        if len(set(self.dimensions)) != len(self.dimensions):
            raise ValueError("dimensions repeat")
        if len(self.dimensions) > self.max_dimensions:
            raise ValueError(f"{len(self.dimensions)} dimensions exceed max_dimensions={self.max_dimensions}")
        # Names the caller sent are not repeated (they may be anything); declared field names are.
        for position, dim in enumerate(self.dimensions, start=1):
            if dim not in schema.fields:
                raise ValueError(f"dimension {position} is not a field of schema {schema.id!r}")
        for dim, values in self.categories.items():
            spec = schema.fields.get(dim)
            if spec is None or not spec.open:
                raise ValueError("categories may only be fixed for open dimensions of the schema")
            bad = [v for v in values if not spec.accepts(v)]
            if bad or len(set(values)) != len(values):
                raise ValueError(f"categories of {dim!r} must be distinct valid codes")
        if self.mode == "dp":
            missing = [d for d in self.dimensions if schema.fields[d].open and d not in self.categories]
            if missing:
                raise ValueError(f"dp mode needs fixed categories for open dimensions: {', '.join(missing)}")
        if self.rounding_base > self.min_cell:
            raise ValueError("rounding_base may not exceed min_cell")
        if self.analyst_budget is not None and self.analyst_budget > self.budget:
            raise ValueError("analyst_budget may not exceed budget")
        return self

    @property
    def per_analyst(self) -> float:
        """The privacy loss one analyst may incur on this dataset (dp mode)."""
        return self.budget if self.analyst_budget is None else self.analyst_budget

    def describe(self) -> str:
        """The rule in words, used in notes and the audit log."""
        base = (
            f"cells under {self.min_cell} suppressed, rounded to base {self.rounding_base}, at most "
            f"{self.max_dimensions} dimensions"
        )
        if self.mode == "dp":
            return (
                f"differential privacy, epsilon {self.epsilon:g} per release of a total budget {self.budget:g}, "
                f"{self.per_analyst:g} per analyst (OpenDP discrete Laplace); {base}"
            )
        return f"cell-key perturbation, minimum cell {self.min_cell} with primary and secondary suppression; {base}"

    def loosens(self, before: DisclosureRules) -> str | None:
        """Why a change after the first release would weaken protection, or None if it does not."""
        if self.dimensions != before.dimensions or self.categories != before.categories:
            return "the release frame (dimensions, categories) is frozen after the first release"
        if self.min_cell < before.min_cell or self.rounding_base < before.rounding_base:
            return "min_cell and rounding_base may only be raised after the first release"
        if self.mode != before.mode or self.year != before.year or self.country != before.country:
            return "mode, year and country are frozen after the first release"
        if self.budget > before.budget or self.per_analyst > before.per_analyst:
            return "the privacy budget may not be raised after the first release"
        return None
