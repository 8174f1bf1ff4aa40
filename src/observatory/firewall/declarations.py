"""Pydantic models for the YAML declarations: contribution schemas and direct-identifier rules."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from observatory.firewall.errors import NotFound

AGE_BAND_LIMITS = (
    ("0-17", 0, 17),
    ("18-24", 18, 24),
    ("25-34", 25, 34),
    ("35-49", 35, 49),
    ("50-64", 50, 64),
    ("65+", 65, 130),
)


class MeasureSpec(BaseModel):
    """The count a schema's records aggregate into."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    label: str
    kind: Literal["stock", "flow", "rate", "cost", "index", "count"]
    unit: str
    definition: str


class UploadLimits(BaseModel):
    """Size limits that reject an upload whole."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    max_bytes: int = Field(default=5_000_000, gt=0)
    max_rows: int = Field(default=50_000, gt=0)
    max_zip_entries: int = Field(default=40, gt=0)
    max_unzipped_bytes: int = Field(default=50_000_000, gt=0)
    max_zip_ratio: int = Field(default=100, gt=1)


class FieldSpec(BaseModel):
    """One declared column: a closed list of values, a coded value (pattern) or a month."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    type: Literal["enum", "code", "month"]
    values: tuple[str, ...] = ()
    pattern: str | None = None
    open: bool = False
    other: str | None = None
    from_column: str | None = None
    description: str = ""

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value

    def accepts(self, value: str) -> bool:
        """Whether a cleaned cell value is valid for this field."""
        if self.type == "enum":
            return value in self.values
        return self.pattern is not None and re.fullmatch(self.pattern, value) is not None


class CaseSchema(BaseModel):
    """A declared schema that uploads are validated against."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    title: str
    measure: MeasureSpec
    limits: UploadLimits = UploadLimits()
    fields: dict[str, FieldSpec]
    required: tuple[str, ...] = ()

    def source_columns(self) -> dict[str, str]:
        """Accepted upload column name -> field it fills (a field may also come from a derived column)."""
        columns = {name: name for name in self.fields}
        for name, spec in self.fields.items():
            if spec.from_column:
                columns[spec.from_column] = name
        return columns


class IdentifierRules(BaseModel):
    """Column names and content patterns that mark a direct identifier."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    column_names: frozenset[str]
    column_name_fragments: tuple[str, ...] = ()
    content_patterns: dict[str, str]


def _read_yaml(name: str) -> dict:
    """Read one YAML declaration shipped in the schemas package."""
    text = resources.files("observatory.firewall.schemas").joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def available_schemas() -> list[str]:
    """Ids of the declared contribution schemas."""
    folder = resources.files("observatory.firewall.schemas")
    return sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".yml") and p.name != "identifiers.yml")


@lru_cache(maxsize=16)
def load_schema(schema_id: str) -> CaseSchema:
    """Load and validate a contribution schema by id."""
    if schema_id not in available_schemas():
        raise NotFound(f"unknown schema {schema_id!r}; declared schemas: {', '.join(available_schemas())}")
    return CaseSchema.model_validate(_read_yaml(f"{schema_id}.yml"))


@lru_cache(maxsize=1)
def load_identifier_rules() -> IdentifierRules:
    """Load the direct-identifier declaration."""
    return IdentifierRules.model_validate(_read_yaml("identifiers.yml"))


def age_to_band(age: int) -> str | None:
    """The declared age band of an exact age, or None when out of range."""
    for band, low, high in AGE_BAND_LIMITS:
        if low <= age <= high:
            return band
    return None
