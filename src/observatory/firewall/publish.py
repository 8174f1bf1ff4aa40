"""Write approved aggregates as contributed datasets for the next warehouse release (atomic folder swap, owner-only).

The folder format is the contract with `observatory.warehouse.contributed` and is documented in docs/firewall.md."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field

from observatory.firewall.declarations import CaseSchema, MeasureSpec
from observatory.firewall.errors import InvalidQuery
from observatory.firewall.metadata import private_dir
from observatory.firewall.rules import DisclosureRules
from observatory.settings import Settings

PUBLICATION_ID = re.compile(r"[a-z0-9][a-z0-9_-]{1,63}")
URL = re.compile(r"https?://[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]{1,290}")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PERIOD = re.compile(r"(|[0-9]{4}-(0[1-9]|1[0-2]))")
DIMENSION_COLUMNS = {"nationality": "origin", "sex": "sex", "age_band": "age", "month": "period"}
OBSERVATION_SCHEMA = pa.schema(
    [
        ("dataset_id", pa.string()),
        ("measure_id", pa.string()),
        ("area", pa.string()),
        ("origin", pa.string()),
        ("destination", pa.string()),
        ("year", pa.int64()),
        ("period", pa.string()),
        ("sex", pa.string()),
        ("age", pa.string()),
        ("category", pa.string()),
        ("value", pa.float64()),
        ("lower", pa.float64()),
        ("upper", pa.float64()),
        ("status", pa.string()),
        ("note", pa.string()),
    ]
)


class ContributedMeta(BaseModel):
    """dataset.json of a published folder: every field a non-null string except `measures`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=PUBLICATION_ID.pattern)
    publisher: str = Field(min_length=1)
    title: str = Field(min_length=1, max_length=200)
    version_producer: str = Field(pattern=r"^[1-9][0-9]*$")
    licence: str = Field(min_length=1, max_length=80)
    citation: str = Field(min_length=1, max_length=700)
    url_main: str = Field(max_length=300)
    date_published: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    note: str = Field(min_length=1)
    measures: tuple[MeasureSpec, ...] = Field(min_length=1, max_length=1)


def check_publication_text(name: str, text: str, limit: int) -> str:
    """Refuse publication metadata that a spreadsheet or browser would run: formulas, control characters, odd URLs."""
    if len(text) > limit:
        raise InvalidQuery(f"{name} is longer than {limit} characters")
    if any(not ch.isprintable() for ch in text):
        raise InvalidQuery(f"{name} holds control characters")
    if text.startswith(FORMULA_START):
        raise InvalidQuery(f"{name} may not start with =, +, -, @ (a spreadsheet would run it as a formula)")
    if name == "url_main" and text and not URL.fullmatch(text):
        raise InvalidQuery("url_main must be empty or an http(s) address")
    return text


def contributed_dir(settings: Settings) -> Path:
    """Folder the warehouse build reads contributed datasets from."""
    return settings.home / "contributed"


def list_contributed(settings: Settings) -> list[Path]:
    """Published contributed dataset folders (each with dataset.json and observations.parquet)."""
    root = contributed_dir(settings)
    if not root.is_dir():
        return []
    return sorted(
        p
        for p in root.iterdir()
        if p.is_dir()
        and not p.name.startswith(".")
        and (p / "dataset.json").is_file()
        and (p / "observations.parquet").is_file()
    )


def check_publication_id(pub_id: str) -> str:
    """A publication id is a lower-case slug (it becomes a folder name)."""
    if not PUBLICATION_ID.fullmatch(pub_id):
        raise InvalidQuery("publication id must be 2-64 characters: lower-case letters, digits, '-' or '_'")
    return pub_id


def column_of(dim: str) -> str:
    """The canonical observation column a frame dimension is published in."""
    return DIMENSION_COLUMNS.get(dim, "category")


def check_publishable(by: Sequence[str], filters: dict[str, str]) -> None:
    """At most one dimension may go to the free 'category' column."""
    extra = [d for d in (*by, *filters) if column_of(d) == "category"]
    if len(extra) > 1:
        raise InvalidQuery(f"only one extra dimension fits the 'category' column; got {', '.join(extra)}")


def canonical_rows(
    pub_id: str, schema: CaseSchema, rules: DisclosureRules, filters: dict[str, str], cells: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    (
        """Map answer cells to the canonical observation columns; suppressed cells keep a null value and note """
        """'suppressed'."""
    )
    rows = []
    for cell in cells:
        given = {d: v for d, v in cell.items() if d in rules.dimensions}
        given.update(filters)
        values = {column_of(d): (None if v == "total" else v) for d, v in given.items()}
        period = values.get("period") or ""  # '' is the whole reference year; a month is 'YYYY-MM' of that year
        if not PERIOD.fullmatch(period) or (period and not period.startswith(f"{rules.year:04d}-")):
            raise InvalidQuery("a published period must be a month of the dataset's reference year")
        rows.append(
            {
                "dataset_id": pub_id,
                "measure_id": schema.measure.id,
                "area": rules.country,
                "origin": values.get("origin"),
                "destination": None,
                "year": rules.year,
                "period": period,
                "sex": values.get("sex") or "total",
                "age": values.get("age") or "total",
                "category": values.get("category") or "",
                "value": None if cell["suppressed"] else cell["value"],
                "lower": cell.get("lower"),
                "upper": cell.get("upper"),
                "status": "reported",
                "note": "suppressed" if cell["suppressed"] else "",
            }
        )
    return rows


def _write_file(path: Path, data: bytes) -> None:
    """Write bytes to a new owner-only file and flush them to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def write_contributed(settings: Settings, pub_id: str, meta: dict[str, Any], rows: Sequence[dict[str, Any]]) -> Path:
    """Write dataset.json and observations.parquet into a temp folder, then swap it in by rename."""
    checked = ContributedMeta.model_validate(meta)
    root = private_dir(contributed_dir(settings))
    target = root / check_publication_id(pub_id)
    temp = root / f".tmp-{pub_id}-{secrets.token_hex(4)}"
    temp.mkdir(mode=0o700)
    try:
        _write_file(
            temp / "dataset.json", json.dumps(checked.model_dump(mode="json"), indent=2, ensure_ascii=False).encode()
        )
        table = pa.Table.from_pylist(list(rows), schema=OBSERVATION_SCHEMA)
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        _write_file(temp / "observations.parquet", sink.getvalue().to_pybytes())
        old = None
        if target.exists():
            old = root / f".old-{pub_id}-{secrets.token_hex(4)}"
            os.rename(target, old)
        os.rename(temp, target)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return target


def remove_contributed(settings: Settings, pub_id: str) -> bool:
    """Unpublish: move the folder out of sight by rename, then delete it."""
    target = contributed_dir(settings) / check_publication_id(pub_id)
    if not target.exists():
        return False
    doomed = contributed_dir(settings) / f".old-{pub_id}-{secrets.token_hex(4)}"
    os.rename(target, doomed)
    shutil.rmtree(doomed)
    return True
