"""Which source supplies a measure that several sources give: declared once in `series.yml`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

SERIES_FILE = Path(__file__).parent / "series.yml"


class Series(BaseModel):
    """The sources of one measure in order of preference, and the rule in words for users."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str
    order: list[str] = Field(min_length=2)
    # edition: the whole default series comes from the first source present (editions of one publication that
    # revise earlier years); period: each year and period from the first source that has it (overlapping sources).
    choose_by: Literal["edition", "period"]


@lru_cache(maxsize=1)
def declared_series() -> dict[str, Series]:
    """Measure id -> its declared series."""
    with SERIES_FILE.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle) or {}
    return {measure: Series.model_validate(entry) for measure, entry in raw.items()}
