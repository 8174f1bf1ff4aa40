"""Datasets published from the firewall vault (`<home>/contributed/<id>/`): disclosure-controlled aggregates only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from observatory.settings import Settings
from observatory.sources.context import OBSERVATION_COLUMNS


@dataclass(frozen=True)
class ContributedDataset:
    folder: Path
    meta: dict
    observations: pd.DataFrame

    @property
    def dataset_id(self) -> str:
        return self.meta["id"]

    @property
    def measures(self) -> list[dict]:
        return self.meta.get("measures", [])

    def dataset_row(self, retrieved_at: datetime) -> dict:
        meta = self.meta
        return {
            "id": meta["id"], "title": meta["title"], "publisher": meta["publisher"], "producer": meta.get("producer", meta["publisher"]),
            "version_producer": meta.get("version_producer", ""), "url_main": meta.get("url_main", ""), "date_published": meta.get("date_published", ""),
            "date_accessed": None, "retrieved_at": retrieved_at, "licence": meta.get("licence", ""), "citation_full": meta.get("citation", meta["title"]),
            "note": meta.get("note", ""), "repackaged": False, "row_count": len(self.observations),
        }


def load_contributed(settings: Settings) -> list[ContributedDataset]:
    """Every complete contributed folder; half-written ones (no dataset.json) are skipped by design of the atomic rename."""
    root = settings.home / "contributed"
    found = []
    for folder in sorted(root.glob("*/")) if root.is_dir() else []:
        meta_path, data_path = folder / "dataset.json", folder / "observations.parquet"
        if not (meta_path.is_file() and data_path.is_file()) or folder.name.startswith("."):
            continue
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        frame = pd.read_parquet(data_path)
        missing = [column for column in ("dataset_id",) + OBSERVATION_COLUMNS if column not in frame.columns]
        if missing:
            raise ValueError(f"{data_path}: missing columns {missing}")
        found.append(ContributedDataset(folder, meta, frame[["dataset_id", *OBSERVATION_COLUMNS]]))
    return found
