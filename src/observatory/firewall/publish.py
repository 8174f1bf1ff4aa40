"""Write approved aggregates as contributed datasets for the next warehouse release (atomic folder swap)."""

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

from observatory.firewall.declarations import CaseSchema
from observatory.firewall.errors import InvalidQuery
from observatory.firewall.rules import DisclosureRules
from observatory.settings import Settings

PUBLICATION_ID = re.compile(r"[a-z0-9][a-z0-9_-]{1,63}")
DIMENSION_COLUMNS = {"nationality": "origin", "sex": "sex", "age_band": "age", "month": "period"}
OBSERVATION_SCHEMA = pa.schema([
    ("dataset_id", pa.string()), ("measure_id", pa.string()), ("area", pa.string()), ("origin", pa.string()),
    ("destination", pa.string()), ("year", pa.int64()), ("period", pa.string()), ("sex", pa.string()),
    ("age", pa.string()), ("category", pa.string()), ("value", pa.float64()), ("lower", pa.float64()),
    ("upper", pa.float64()), ("status", pa.string()), ("note", pa.string()),
])


def contributed_dir(settings: Settings) -> Path:
    """Folder the warehouse build reads contributed datasets from."""
    return settings.home / "contributed"


def list_contributed(settings: Settings) -> list[Path]:
    """Published contributed dataset folders (each with dataset.json and observations.parquet)."""
    root = contributed_dir(settings)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and (p / "dataset.json").is_file()
                  and (p / "observations.parquet").is_file())


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


def canonical_rows(pub_id: str, schema: CaseSchema, rules: DisclosureRules, filters: dict[str, str],
                   cells: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Map answer cells to the canonical observation columns; suppressed cells keep a null value and note 'suppressed'."""
    rows = []
    for cell in cells:
        given = {d: v for d, v in cell.items() if d in rules.dimensions}
        given.update(filters)
        values = {column_of(d): (None if v == "total" else v) for d, v in given.items()}
        rows.append({
            "dataset_id": pub_id, "measure_id": schema.measure.id, "area": rules.country,
            "origin": values.get("origin"), "destination": None, "year": rules.year, "period": values.get("period"),
            "sex": values.get("sex") or "total", "age": values.get("age") or "total", "category": values.get("category") or "",
            "value": None if cell["suppressed"] else cell["value"], "lower": cell.get("lower"), "upper": cell.get("upper"),
            "status": "reported", "note": "suppressed" if cell["suppressed"] else "",
        })
    return rows


def _write_file(path: Path, data: bytes) -> None:
    """Write bytes and flush them to disk."""
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def write_contributed(settings: Settings, pub_id: str, meta: dict[str, Any], rows: Sequence[dict[str, Any]]) -> Path:
    """Write dataset.json and observations.parquet into a temp folder, then swap it in by rename."""
    root = contributed_dir(settings)
    root.mkdir(parents=True, exist_ok=True)
    target = root / check_publication_id(pub_id)
    temp = root / f".tmp-{pub_id}-{secrets.token_hex(4)}"
    temp.mkdir()
    try:
        _write_file(temp / "dataset.json", json.dumps(meta, indent=2, ensure_ascii=False).encode())
        table = pa.Table.from_pylist(list(rows), schema=OBSERVATION_SCHEMA)
        pq.write_table(table, temp / "observations.parquet")
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
