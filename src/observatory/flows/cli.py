"""Command line for flow estimation: run any migest-named call from a reference-case JSON file."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, cast

import pandas as pd
import typer

from observatory.flows.labelled import FUNCTIONS, LabelledArray, run_call, to_jsonable

app = typer.Typer(
    help=(
        "Bilateral migration flows from stock tables (migest methods in NumPy).\n\n"
        "Example: observatory flows estimate ffs_demo_e0_dr2013_closed.json --format table"
    ),
    no_args_is_help=True,
)


class OutputFormat(str, Enum):  # noqa: UP042 - StrEnum changes str()/format() of members (value instead of Class.member)
    """How estimate prints its result."""

    json = "json"
    table = "table"


@app.callback()
def main() -> None:
    """Flow estimation commands (a group, so `estimate` keeps its name when mounted)."""


def _frame(arr: LabelledArray) -> pd.DataFrame:
    """A 2-d labelled array as a DataFrame with its labels."""
    rows, cols = arr.axis_labels(0), arr.axis_labels(1)
    frame = pd.DataFrame(arr.data, index=rows, columns=cols)
    frame.index.name, frame.columns.name = arr.dims[0], arr.dims[1]
    return frame


def _table_text(name: str, value) -> str:
    """Human-readable text for one result element."""
    if not isinstance(value, LabelledArray):
        return f"{name}: {value}"
    arr = value
    if arr.data.ndim == 1:
        labels = arr.axis_labels(0) or [str(i + 1) for i in range(arr.data.size)]
        return f"{name}:\n" + pd.Series(arr.data, index=labels).to_string()
    if arr.data.ndim == 2:
        return f"{name} [{arr.dims[0]} x {arr.dims[1]}]:\n" + _frame(arr).round(3).to_string()
    # A 3-d array prints one [dim1 x dim2] slice per label of its third dimension.
    third = arr.axis_labels(2) or [str(k + 1) for k in range(arr.data.shape[2])]
    parts = []
    for k, lab in enumerate(third):
        sl = LabelledArray(
            arr.data[:, :, k],
            arr.dims[:2],
            None if arr.labels is None else {d: cast(list[str], arr.labels.get(d)) for d in arr.dims[:2]},
        )
        parts.append(f"{name} [{arr.dims[2]} = {lab}]:\n" + _frame(sl).round(3).to_string())
    return "\n\n".join(parts)


@app.command()
def estimate(
    case: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="JSON file with `function` (migest name) and `arguments` (labelled arrays).",
        ),
    ],
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="json: labelled arrays; table: readable matrices.")
    ] = OutputFormat.json,
) -> None:
    """Run ffs_demo, ffs_diff, ffs_rates, ipf2, ipf3, cm2 or cm3 on a case file and print the result.

    Example: observatory flows estimate $OBSERVATORY_MIRROR/flow_examples/ffs_demo_e6_open.json --format json
    """
    try:
        spec = json.loads(case.read_text())
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(f"{case} is not valid JSON: {exc}") from exc
    function = spec.get("function")
    if function not in FUNCTIONS:
        raise typer.BadParameter(f"`function` must be one of {', '.join(FUNCTIONS)}; got {function!r}")
    try:
        result = run_call(function, spec.get("arguments", {}))
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    if output_format is OutputFormat.json:
        typer.echo(json.dumps(to_jsonable(result)))
        return
    # The table view leads with the origin-destination totals, the figure most readers want.
    keys = sorted(result, key=lambda k: (k != "sum_od", k == "account"))
    typer.echo("\n\n".join(_table_text(k, result[k]) for k in keys if k != "account"))
