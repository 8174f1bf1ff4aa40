"""KNOMAD 2021 bilateral matrices: square workbooks unpivoted, totals checked then left out, corridors by migration."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from observatory.sources.context import ParseContext
from observatory.sources.errors import SourceError

YEAR = 2021
# Text KNOMAD writes in a cell it has no estimate for (one "…" in the migration matrix); any other text is an error.
NOT_AVAILABLE = ("…", "...", "..")
# A row or column agrees with its published total when the gap is float noise or below half a published unit.
ABSOLUTE_TOLERANCE = 0.5
RELATIVE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Matrix:
    """How one workbook is laid out and what its cells become."""

    file: str
    sheet: str
    measure_id: str
    across: str  # words the corner cell uses for the columns, proving the orientation
    down: str  # words the corner cell uses for the rows
    total: str  # label of the total row and column
    rows_are_origin: bool  # True: rows = where migrants come from; False: rows = where they live (money senders)
    scale: float  # multiplier to the declared unit


MATRICES = (
    Matrix(
        "bilateral_remittance_matrix_2021.xlsx",
        "FINAL BRM 2021 ",
        "remittances_bilateral",
        "remittance-receiving country (across)",
        "remittance-sending country (down)",
        "WORLD",
        rows_are_origin=False,
        scale=1e6,
    ),
    Matrix(
        "bilateral_migration_matrix_2021_latest.xlsx",
        "BRM 2021",
        "migrant_stock_knomad",
        "destination country (across)",
        "source country (down)",
        "World",
        rows_are_origin=True,
        scale=1.0,
    ),
)


def parse(ctx: ParseContext):
    """Both matrices as corridor observations keyed by migration direction (origin = migrants' home)."""
    frames = [_matrix(ctx, matrix) for matrix in MATRICES]
    return [ctx.relation_from_frame(pd.concat(frames, ignore_index=True), "knomad_2021")]


def _matrix(ctx: ParseContext, matrix: Matrix) -> pd.DataFrame:
    """One workbook as corridor rows; total, blank and zero cells counted and left out."""
    numbers, first_row = _table(ctx, matrix)
    _check_totals(ctx, numbers, matrix)
    total = matrix.total
    published = _count(numbers.loc[total]) + _count(numbers[total]) - int(pd.notna(numbers.at[total, total]))
    ctx.note(
        "world_total_excluded",
        f"{matrix.file}: {published} cell(s) of the published {total!r} row and column "
        "left out (checked against the corridor sums)",
        published,
    )
    cells = numbers.drop(index=total, columns=total)
    excel_rows = pd.Series(range(first_row, first_row + len(cells)), index=cells.index)
    long = cells.rename_axis(index="row_name", columns="column_name").stack(future_stack=True)
    long = long.rename("value").reset_index()
    blank = int(long["value"].isna().sum())
    zero = int((long["value"] == 0).sum())
    ctx.note("empty_cells_not_stored", f"{matrix.file}: {blank} blank cell(s) (no estimate) not stored", blank)
    ctx.note("zero_cells_not_stored", f"{matrix.file}: {zero} cell(s) equal to 0 not stored (no corridor)", zero)
    long = long[long["value"].notna() & (long["value"] != 0)]
    origin, destination = ("row_name", "column_name") if matrix.rows_are_origin else ("column_name", "row_name")
    return pd.DataFrame(
        {
            "measure_id": matrix.measure_id,
            "origin": long[origin],
            "destination": long[destination],
            "year": YEAR,
            "value": long["value"].astype(float) * matrix.scale,
            "_file": ctx.label(matrix.file),
            "_row": long["row_name"].map(excel_rows).astype("int64"),
        }
    )


def _table(ctx: ParseContext, matrix: Matrix) -> tuple[pd.DataFrame, int]:
    """The matrix through its total row, labelled and numeric, and the Excel row of its first data row."""
    label = ctx.label(matrix.file)
    sheet = ctx.read_excel(matrix.file, matrix.sheet, header=None, dtype=object)
    corner_row = _corner_row(sheet, matrix, label)
    columns = [_name(value) for value in sheet.iloc[corner_row, 1:]]
    width = max(position for position, name in enumerate(columns) if name) + 1
    columns = columns[:width]
    row_names = [_name(value) for value in sheet.iloc[corner_row + 1 :, 0]]
    if matrix.total not in row_names:
        raise SourceError(label, f"no {matrix.total!r} total row below the table", field="A")
    last = row_names.index(matrix.total)  # the methodological notes start after the total row
    row_names = row_names[: last + 1]
    if matrix.total not in columns:
        raise SourceError(label, f"no {matrix.total!r} total column", row=corner_row + 1)
    for names, where in ((columns, "column"), (row_names, "row")):
        if "" in names or len(set(names)) != len(names):
            raise SourceError(label, f"a {where} label is empty or repeated", row=corner_row + 1)
    body = sheet.iloc[corner_row + 1 : corner_row + 2 + last, 1 : 1 + width]
    body.index, body.columns = row_names, columns
    return _numbers(ctx, body, matrix.file, corner_row), corner_row + 2


def _corner_row(sheet: pd.DataFrame, matrix: Matrix, label: str) -> int:
    """The header row, found by its corner cell; its wording must name both axes as expected."""
    for position, value in enumerate(sheet.iloc[:10, 0]):
        text = " ".join(str(value).split()).lower()
        if "(across)" in text:
            if matrix.across not in text or matrix.down not in text:
                raise SourceError(
                    label,
                    "the corner cell does not name the expected axes (rows and columns swapped?)",
                    row=position + 1,
                    field="A",
                )
            return position
    raise SourceError(label, "no header row with '(across)' in column A among the first 10 rows", field="A")


def _name(value) -> str:
    return "" if pd.isna(value) else " ".join(str(value).split())


def _numbers(ctx: ParseContext, body: pd.DataFrame, name: str, corner_row: int) -> pd.DataFrame:
    """Cells as floats; the publisher's not-available marks become blanks (counted), other text is an error."""
    numbers = body.apply(pd.to_numeric, errors="coerce")
    text = body.notna() & numbers.isna()
    marked = text & body.isin(NOT_AVAILABLE)
    if (text & ~marked).any().any():
        row, column = next((r, c) for r, c in zip(*text.to_numpy().nonzero(), strict=True) if not marked.iat[r, c])
        raise SourceError(
            ctx.label(name),
            f"value {body.iat[row, column]!r} is not a number",
            row=corner_row + 2 + row,
            field=body.columns[column],
        )
    if marked.any().any():
        where = [f"{r} → {c}" for r, c in marked.stack().loc[lambda s: s].index]
        ctx.note(
            "not_available_cells",
            f"{name}: cell(s) marked '…' (not available) not stored: {', '.join(where)}",
            len(where),
        )
    return numbers


def _check_totals(ctx: ParseContext, numbers: pd.DataFrame, matrix: Matrix) -> None:
    """Every row and column must add up to the published total, within rounding; a gap is a warning."""
    parts = numbers.drop(index=matrix.total, columns=matrix.total)
    gaps = []
    for sums, totals in (
        (parts.sum(axis=1), numbers[matrix.total].drop(matrix.total)),
        (parts.sum(axis=0), numbers.loc[matrix.total].drop(matrix.total)),
        (pd.Series([parts.sum().sum()]), pd.Series([numbers.loc[matrix.total, matrix.total]])),
    ):
        published = totals.notna()
        gap = (sums - totals).abs()
        bad = published & (gap > (RELATIVE_TOLERANCE * totals.abs()).clip(lower=ABSOLUTE_TOLERANCE))
        # A total left empty is only a gap when the line it should sum has values.
        bad |= ~published & (sums != 0)
        gaps += [str(name) for name in bad[bad].index]
    if gaps:
        ctx.note(
            "world_total_mismatch",
            f"{matrix.file}: the sum of the corridors differs from the published "
            f"{matrix.total!r} total for: {', '.join(gaps[:20])}",
            len(gaps),
            severity="warning",
        )


def _count(values: pd.Series) -> int:
    return int(values.notna().sum())
