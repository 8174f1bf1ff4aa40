"""GCM and GCR objectives from the transcribed tables, plus the declared SDG targets."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from observatory.sources.context import ParseContext
from observatory.sources.errors import SourceError

EXPECTED = {"GCM": 23, "GCR": 4}


def parse(ctx: ParseContext) -> pd.DataFrame:
    frames = []
    for name, compact in (("gcm_objectives.csv", "GCM"), ("gcr_objectives.csv", "GCR")):
        table = ctx.read_csv(
            name,
            columns={
                "compact": "VARCHAR",
                "objective_no": "INTEGER",
                "short_name": "VARCHAR",
                "objective_text": "VARCHAR",
            },
        )
        ctx.require(table, f"compact = '{compact}'", "compact", compact)
        frame = table.df()
        if sorted(frame["objective_no"]) != list(range(1, EXPECTED[compact] + 1)):
            raise SourceError(
                ctx.label(name),
                f"expected objectives 1–{EXPECTED[compact]}, found {sorted(frame['objective_no'])}",
                field="objective_no",
            )
        frames.append(
            pd.DataFrame(
                {
                    "framework": compact,
                    "code": frame["objective_no"].astype(str),
                    "short_name": frame["short_name"],
                    "text": frame["objective_text"],
                }
            )
        )
    with (Path(__file__).parent / "sdg_targets.yml").open(encoding="utf-8") as handle:
        targets = yaml.safe_load(handle)
    frames.append(
        pd.DataFrame(
            [{"framework": "SDG", "code": t["code"], "short_name": t["short_name"], "text": t["text"]} for t in targets]
        )
    )
    return pd.concat(frames, ignore_index=True)
