"""Data checks run on every load: keys, signs, corridors, parts versus totals, year-on-year jumps."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from observatory.sources.spec import SourceSpec

KEY = ("measure_id", "area", "origin", "destination", "year", "period", "sex", "age", "category")


@dataclass(frozen=True)
class Finding:
    dataset_id: str
    check_name: str
    severity: str  # error | warning | info
    message: str
    count: int = 1
    file: str | None = None
    row_number: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file or self.dataset_id
        if self.row_number is not None:
            where += f", row {self.row_number}"
        if self.field:
            where += f", field {self.field!r}"
        return f"[{self.severity}] {self.dataset_id} {self.check_name}: {where}: {self.message}"


def _key_sql(alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{column}" for column in KEY)


def run_checks(con: duckdb.DuckDBPyConnection, table: str, spec: SourceSpec) -> list[Finding]:
    """All declared and built-in checks on one dataset's resolved rows in `table`."""
    findings: list[Finding] = []
    dataset = spec.id
    # Group on one hash first (fast); only colliding hashes are compared on the full key.
    suspects = con.execute(
        f"SELECT count(*) FROM (SELECT hash({_key_sql()}) AS h FROM {table} GROUP BY h HAVING count(*) > 1)"
    ).fetchall()[0][0]
    duplicates = []
    if suspects:
        duplicates = con.execute(
            f"SELECT {_key_sql()}, count(*) AS n, min(_file), min(_row) FROM {table} WHERE hash({_key_sql()}) IN "
            f"(SELECT hash({_key_sql()}) FROM {table} GROUP BY ALL HAVING count(*) > 1) GROUP BY ALL HAVING count(*) "
            "> 1 ORDER BY min(_row)"
        ).fetchall()
    if duplicates:
        first = duplicates[0]
        findings.append(
            Finding(
                dataset,
                "duplicate_key",
                "error",
                f"{len(duplicates)} key(s) occur more than once, e.g. {dict(zip(KEY, first[:9], strict=True))} "
                f"({first[9]} times)",
                len(duplicates),
                first[10],
                first[11],
            )
        )
    measures = {measure.id: measure for measure in spec.measures}
    findings += _row_checks(con, table, spec)
    for check in spec.checks.sums:
        findings += _sum_check(con, table, dataset, check)
    for jump in spec.checks.jumps:
        findings += _jump_check(con, table, dataset, jump, measures)
    return findings


def _listed(measures) -> str:
    return ", ".join(f"'{m}'" for m in sorted(measures))


def _row_checks(con: duckdb.DuckDBPyConnection, table: str, spec: SourceSpec) -> list[Finding]:
    """Negative values and corridors from a country to itself, all counted in one scan of the rows."""
    dataset = spec.id
    non_negative = set(spec.checks.non_negative) or {m.id for m in spec.measures if m.kind in ("stock", "count")}
    # (check, severity, field, row condition, the example's column)
    checks = [
        (
            "negative_value",
            severity,
            "value",
            f"measure_id IN ({_listed(ids)}) AND value < 0",
            "value",
        )
        for severity, ids in (("error", non_negative), ("warning", set(spec.checks.negative_is_warning)))
        if ids
    ]
    corridor = [m.id for m in spec.measures if m.level == "corridor"]
    if corridor and spec.checks.origin_not_destination:
        listed = _listed(corridor)
        checks.append(
            (
                "origin_equals_destination",
                "warning",
                "origin",
                f"measure_id IN ({listed}) AND origin = destination",
                "origin",
            )
        )
    if not checks:
        return []
    aggregates = ", ".join(
        f"count(*) FILTER ({condition}), min(_file) FILTER ({condition}), min(_row) FILTER ({condition}), "
        f"min({example}) FILTER ({condition})"
        for _, _, _, condition, example in checks
    )
    counted = con.execute(f"SELECT {aggregates} FROM {table}").fetchall()[0]
    findings = []
    for index, (check, severity, field, _, _) in enumerate(checks):
        count, file, row, example = counted[4 * index : 4 * index + 4]
        if not count:
            continue
        if check == "negative_value":
            message = f"{count} negative value(s) (smallest {example:g})"
        else:
            message = f"{count} corridor row(s) with origin = destination (e.g. {example})"
        findings.append(Finding(dataset, check, severity, message, count, file, row, field))
    return findings


def _sum_check(con, table: str, dataset: str, check) -> list[Finding]:
    ((part_column, part_values),) = check.parts.items()
    ((total_column, total_value),) = check.total.items()
    others = [column for column in KEY if column != part_column]
    parts = ", ".join(f"'{value}'" for value in part_values)
    rows = con.execute(
        f"""
        WITH parts AS (
            SELECT {", ".join(others)}, sum(value) AS part_sum, count(*) AS n
            FROM {table} WHERE measure_id = ? AND {part_column} IN ({parts}) GROUP BY ALL),
        totals AS (
            SELECT {", ".join(others)}, value AS total, _file, _row
            FROM {table} WHERE measure_id = ? AND {total_column} = ?)
        SELECT count(*), min(_file), min(_row), max(abs(part_sum - total) / greatest(abs(total), 1))
        FROM totals JOIN parts ON {" AND ".join(f"totals.{c} IS NOT DISTINCT FROM parts.{c}" for c in others)}
        WHERE n = {len(part_values)} AND abs(part_sum - total) > greatest(? * greatest(abs(total), 1), ?)
        """,
        [check.measure, check.measure, total_value, check.tolerance, check.absolute_tolerance],
    ).fetchall()[0]
    if not rows[0]:
        return []
    return [
        Finding(
            dataset,
            "parts_vs_total",
            check.severity,
            f"{check.measure}: {rows[0]} total(s) differ from the sum of {part_column} {list(part_values)} by more "
            "than "
            f"{check.tolerance:.1%} (largest gap {rows[3]:.1%})",
            rows[0],
            rows[1],
            rows[2],
            "value",
        )
    ]


def _jump_check(con, table: str, dataset: str, check, measures) -> list[Finding]:
    group = [column for column in KEY if column not in ("year", "period")]
    rows = con.execute(
        f"""
        WITH series AS (
            SELECT *, lag(value) OVER (PARTITION BY {", ".join(group)} ORDER BY year) AS previous,
                      lag(year) OVER (PARTITION BY {", ".join(group)} ORDER BY year) AS previous_year
            FROM {table} WHERE measure_id = ?)
        SELECT count(*), min(_file), min(_row), arg_max(coalesce(area, origin || '→' || destination) || ' ' || """
        """previous_year || '→' || year, value / previous)
        FROM series
        WHERE previous IS NOT NULL AND greatest(value, previous) >= ? AND
              (value > previous * ? OR value * ? < previous)
        """,
        [check.measure, check.min_value, check.factor, check.factor],
    ).fetchall()[0]
    if not rows[0]:
        return []
    return [
        Finding(
            dataset,
            "year_on_year_jump",
            "warning",
            f"{check.measure}: {rows[0]} change(s) between consecutive years beyond ×{check.factor:g} (largest: "
            f"{rows[3]})",
            rows[0],
            rows[1],
            rows[2],
            "value",
        )
    ]
