"""Computes the catalogue inside a release being built: country values, group aggregates with coverage, provenance."""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb

from observatory.indicators.spec import IndicatorSpec

KEY_COLUMNS = ("area", "origin", "destination", "year", "period", "sex", "age", "category")
_STATUS_RANK = {"reported": 0, "estimated": 1, "modelled": 2}
# Group coverage weighs members by population; years outside the population series use the nearest year it has.
POPULATION_MEASURE = "population_total"


@dataclass(frozen=True)
class IndicatorResult:
    indicator: str
    rows: int
    skipped: str | None = None  # why the indicator could not be computed in this release


def _inherited_status(statuses: list[str]) -> str:
    """The least certain input decides: a minimum count stays a minimum, else reported < estimated < modelled."""
    if "minimum" in statuses:
        return "minimum"
    return max(statuses, key=lambda status: _STATUS_RANK[status])


def _present_measures(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    """Measure id -> (dataset, status) of every dataset that gives it in this release."""
    present: dict[str, list[tuple[str, str]]] = {}
    for measure, dataset, status in con.execute(
        "SELECT id, dataset_id, status FROM measure ORDER BY id, dataset_id"
    ).fetchall():
        present.setdefault(measure, []).append((dataset, status))
    return present


def _prepare_population(con: duckdb.DuckDBPyConnection) -> None:
    """Population per area and year, and per group and year (the same for every indicator, so made once)."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE coverage_population AS
            SELECT area, year, value AS population FROM observation
            WHERE measure_id = '{POPULATION_MEASURE}' AND value IS NOT NULL"""
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_GROUP_POPULATION} AS {_GROUP_POPULATION_SQL}")


def check_formula_columns(spec: IndicatorSpec, columns: list[str]) -> None:
    """A formula must return its level's keys, the year, and value (or numerator and denominator for a ratio)."""
    needed = ("area",) if spec.level == "area" else ("origin", "destination")
    missing = [c for c in needed + ("year",) if c not in columns]
    if spec.ratio_scale is not None:
        missing += [c for c in ("numerator", "denominator") if c not in columns]
    elif "value" not in columns:
        missing.append("value")
    if missing:
        raise ValueError(f"indicator {spec.id}: the formula does not return {missing}")


def _normalise(con: duckdb.DuckDBPyConnection, spec: IndicatorSpec) -> list[str]:
    """Materialise the formula's result with every key column into `indicator_rows`; returns the formula's columns."""
    # DESCRIBE only binds the formula: the rows are computed once, by the statement below.
    columns = [row[0] for row in con.execute(f"DESCRIBE ({spec.formula})").fetchall()]
    check_formula_columns(spec, columns)
    defaults = {
        "area": "NULL",
        "origin": "NULL",
        "destination": "NULL",
        "period": "''",
        "sex": "'total'",
        "age": "'total'",
        "category": "''",
    }
    select = [
        f"CAST({c} AS VARCHAR) AS {c}" if c in columns else f"CAST({defaults[c]} AS VARCHAR) AS {c}"
        for c in KEY_COLUMNS
        if c != "year"
    ]
    select.insert(3, "CAST(year AS INTEGER) AS year")
    if spec.ratio_scale is not None:
        select += [
            "CAST(numerator AS DOUBLE) AS numerator",
            "CAST(denominator AS DOUBLE) AS denominator",
            f"CAST(numerator AS DOUBLE) / NULLIF(CAST(denominator AS DOUBLE), 0) * {spec.ratio_scale} AS value",
        ]
    else:
        select += [
            "CAST(NULL AS DOUBLE) AS numerator",
            "CAST(NULL AS DOUBLE) AS denominator",
            "CAST(value AS DOUBLE) AS value",
        ]
    for column in ("lower", "upper"):
        select.append(
            f"CAST({column} AS DOUBLE) AS {column}" if column in columns else f"CAST(NULL AS DOUBLE) AS {column}"
        )
    select.append("CAST(note AS VARCHAR) AS note" if "note" in columns else "CAST(NULL AS VARCHAR) AS note")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE indicator_rows AS SELECT {', '.join(select)} FROM ({spec.formula}) "
        "AS indicator_raw WHERE year IS NOT NULL"
    )
    return columns


def _insert_values(
    con: duckdb.DuckDBPyConnection,
    spec: IndicatorSpec,
    status: str,
    sources: list[str],
    has_bounds: bool,
    by_year: bool,
    table: str = "indicator_value",
    revision: str | None = None,
) -> int:
    """Country (or corridor) values and, where declared, group values: one sorted insert; returns the rows written."""
    parts = [
        "SELECT area, origin, destination, year, period, sex, age, category, value, lower, upper, "
        "CAST(NULL AS DOUBLE) AS coverage, note FROM indicator_rows WHERE value IS NOT NULL"
    ]
    if spec.level == "area" and spec.aggregate != "none":
        groups = group_rows_sql(spec, has_bounds, _GROUP_POPULATION)
        if spec.aggregate == "sum":
            groups = f"""SELECT g.* REPLACE (concat_ws('; ', g.note, s.text) AS note) FROM ({groups}) g
                         LEFT JOIN ({_SPECIAL_MEMBERS_SQL}) s USING (area, year, period, sex, age, category)"""
        parts.append(groups)
    value_rows = " UNION ALL ".join(f"SELECT * FROM ({part})" for part in parts)
    return con.execute(
        f"INSERT INTO {table} {_finished_rows_sql(value_rows, by_year)}",
        {"sources": sources, "indicator": spec.id, "status": status, "revision": revision},
    ).fetchall()[0][0]


_GROUP_POPULATION = "coverage_group_population"
_GROUP_POPULATION_SQL = """
    SELECT m."group", p.year, SUM(p.population) AS population
    FROM area_membership m JOIN coverage_population p ON p.area = m.area GROUP BY m."group", p.year"""


def group_rows_sql(spec: IndicatorSpec, has_bounds: bool, group_population: str | None = None) -> str:
    """Portable SQL for group values from `indicator_rows`, `area_membership` and `coverage_population`.

    Coverage = population share of the members that have a value; DuckDB and Spark run this same text. With
    `group_population`, the groups' population is read from that table (made by `_GROUP_POPULATION_SQL`).
    """
    keys = "v.year, v.period, v.sex, v.age, v.category"
    if spec.aggregate == "sum":
        value, filter_ = "SUM(v.value)", "v.value IS NOT NULL"
    else:
        value = f"SUM(v.numerator) / NULLIF(SUM(v.denominator), 0) * {spec.ratio_scale}"
        filter_ = "v.numerator IS NOT NULL AND v.denominator IS NOT NULL"
    clamp = (
        "LEAST(GREATEST(v.year, (SELECT MIN(year) FROM coverage_population)), (SELECT MAX(year) FROM "
        "coverage_population))"
    )
    # Where country values carry a range across categories (estimation methods), the group's range is taken
    # across its own category values again: summing member bounds would mix methods.
    bounds = (
        "MIN(value) OVER (PARTITION BY area, year, period, sex, age) AS lower, "
        "MAX(value) OVER (PARTITION BY area, year, period, sex, age) AS upper"
        if has_bounds
        else "CAST(NULL AS DOUBLE) AS lower, CAST(NULL AS DOUBLE) AS upper"
    )
    return f"""
        WITH members AS (SELECT area, "group" FROM area_membership),
        covered AS (
            SELECT m."group" AS area, {keys}, {value} AS value, COUNT(*) AS members_with_data,
                   SUM(COALESCE(p.population, 0)) AS covered_population, {clamp} AS population_year
            FROM indicator_rows v JOIN members m ON m.area = v.area
            LEFT JOIN coverage_population p ON p.area = v.area AND p.year = {clamp}
            WHERE {filter_}
            GROUP BY m."group", {keys}),
        group_population AS ({
        _GROUP_POPULATION_SQL
        if group_population is None
        else f'SELECT "group", year, population FROM {group_population}'
    }),
        group_rows AS (
            SELECT c.*, c.covered_population / NULLIF(g.population, 0) AS coverage
            FROM covered c LEFT JOIN group_population g ON g."group" = c.area AND g.year = c.population_year
            WHERE c.value IS NOT NULL)
        SELECT area, CAST(NULL AS VARCHAR(20)) AS origin, CAST(NULL AS VARCHAR(20)) AS destination,
               year, period, sex, age, category, value, {bounds}, LEAST(coverage, 1.0) AS coverage,
               CAST(members_with_data AS VARCHAR(20)) || ' member areas with data' AS note
        FROM group_rows"""


# A group sum that includes people of no single country (unknown origin, stateless) says how many they are.
_SPECIAL_MEMBERS_SQL = """
    SELECT m."group" AS area, v.year, v.period, v.sex, v.age, v.category,
           'includes ' || string_agg(format('{:,.0f}', v.value) || ' ' || a.name, ', ' ORDER BY a.code) AS text
    FROM indicator_rows v JOIN area_membership m ON m.area = v.area JOIN area a ON a.code = v.area
    WHERE a.kind = 'special' AND v.value IS NOT NULL AND v.value <> 0 GROUP BY ALL"""


def _register(con: duckdb.DuckDBPyConnection, specs: list[IndicatorSpec]) -> None:
    """The indicators' declarations and framework tags, written into the release (one statement per table)."""
    declarations = [
        (
            spec.id,
            spec.title,
            spec.definition,
            spec.unit,
            spec.kind,
            spec.level,
            spec.sdg_indicator,
            spec.note,
            spec.headline_category,
            spec.headline_age,
            json.dumps(spec.category_labels, ensure_ascii=False) if spec.category_labels else None,
            [*spec.inputs, *spec.labelled_measures] if spec.category_labels else None,
        )
        for spec in specs
    ]
    tags = [
        (spec.id, framework, code)
        for spec in specs
        for framework, code in (
            [("SDG", code) for code in spec.frameworks.sdg]
            + [("GCM", str(n)) for n in spec.frameworks.gcm]
            + [("GCR", str(n)) for n in spec.frameworks.gcr]
        )
    ]
    for table, rows in (("indicator", declarations), ("indicator_framework", tags)):
        if rows:
            places = ", ".join(["(" + ", ".join(["?"] * len(rows[0])) + ")"] * len(rows))
            con.execute(f"INSERT INTO {table} VALUES {places}", [field for row in rows for field in row])


def _prepare_year_sources(
    con: duckdb.DuckDBPyConnection,
    spec: IndicatorSpec,
    measures: dict[str, list[tuple[str, str]]],
    substituted: tuple[str, ...] = (),
    edition: tuple[str, ...] = (),
) -> bool:
    """`year_sources`: per year, the datasets that supplied an input several sources give (series.yml).

    For an earlier edition, `substituted` measures come from the `edition` datasets whatever the year. False (and no
    table made) when no input has several sources: every value then names all of the indicator's sources."""
    chosen = [m for m in spec.inputs if len(measures[m]) > 1 and m not in substituted]
    if not chosen:
        return False
    fixed = sorted({dataset for m in spec.inputs if len(measures[m]) == 1 for dataset, _ in measures[m]} | set(edition))
    listed = ", ".join(f"'{m}'" for m in chosen)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE year_sources AS
            SELECT year, period, list_sort(list_distinct(?::VARCHAR[] || list(DISTINCT dataset_id))) AS sources
            FROM series_choice WHERE measure_id IN ({listed}) GROUP BY GROUPING SETS ((year, period), (year))""",
        [fixed],
    )
    return True


def _finished_rows_sql(value_rows: str, by_year: bool) -> str:
    """`value_rows` with their sources, the edition of their revised inputs and the cut-off of a partly covered period.

    Parameters: $indicator, $status, $sources (all of the indicator's datasets), $revision (an earlier edition's label,
    else NULL). With `by_year`, `year_sources` names the datasets of each period (or year) instead, where it has them.
    """
    if by_year:
        # Where an input comes from several sources, the ones that supplied each period (else year) are named.
        sourced = f"""SELECT r.*, coalesce(yp.sources, y.sources, $sources::VARCHAR[]) AS sources FROM ({value_rows}) r
            LEFT JOIN year_sources yp ON yp.year = r.year AND yp.period = r.period
            LEFT JOIN year_sources y ON y.year = r.year AND y.period IS NULL"""
    else:
        sourced = f"SELECT r.*, $sources::VARCHAR[] AS sources FROM ({value_rows}) r"
    # Several cut-offs can apply to one value (two datasets, or two declarations of one): the earliest is shown, with
    # the note of that same declaration; both aggregates order by the same keys, so they pick one row.
    return f"""
        WITH sourced AS ({sourced}),
        editions AS (
            SELECT s.sources, string_agg(DISTINCT d.revision, ', ' ORDER BY d.revision) AS revision
            FROM (SELECT DISTINCT sources FROM sourced) s JOIN dataset d ON list_contains(s.sources, d.id)
            WHERE d.revision IS NOT NULL GROUP BY s.sources),
        cut_off AS (
            SELECT k.year, k.period, k.sources,
                   first(p.until ORDER BY p.until, p.note NULLS LAST) AS until,
                   first(p.note ORDER BY p.until, p.note NULLS LAST) AS note
            FROM (SELECT DISTINCT year, period, sources FROM sourced) k
            JOIN partial_period p ON p.year = k.year AND p.period = k.period AND list_contains(k.sources, p.dataset_id)
            GROUP BY k.year, k.period, k.sources)
        SELECT $indicator, w.area, w.origin, w.destination, w.year, w.period, w.sex, w.age, w.category, w.value,
               w.lower, w.upper, $status, w.sources, w.coverage,
               CASE WHEN c.until IS NULL THEN w.note ELSE concat_ws('; ', w.note, 'partial period: data to '
                    || strftime(c.until, '%Y-%m-%d') || coalesce(' (' || c.note || ')', '')) END AS note,
               coalesce($revision::VARCHAR, e.revision) AS revision, c.until AS partial_until
        FROM sourced w LEFT JOIN editions e ON e.sources = w.sources
        LEFT JOIN cut_off c ON c.year = w.year AND c.period = w.period AND c.sources = w.sources
        ORDER BY w.area, w.origin, w.destination, w.year, w.period, w.sex, w.category"""


def _earlier_editions(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    """Revision label -> (measure, dataset) pairs of editions that the default series replaces somewhere."""
    rows = con.execute(
        """SELECT DISTINCT d.revision, c.measure_id, d.id
           FROM (SELECT measure_id, unnest(alternatives) AS dataset_id FROM series_choice) c JOIN dataset d ON d.id """
        """= c.dataset_id
           WHERE d.revision IS NOT NULL ORDER BY 1, 2, 3"""
    ).fetchall()
    editions: dict[str, list[tuple[str, str]]] = {}
    for revision, measure, dataset in rows:
        editions.setdefault(revision, []).append((measure, dataset))
    return editions


def _compute_earlier_editions(con: duckdb.DuckDBPyConnection, catalogue: tuple[IndicatorSpec, ...], measures) -> None:
    """Every indicator again over each earlier edition of its revised inputs, into indicator_value_revision."""
    database = con.execute("SELECT current_database()").fetchall()[0][0]
    table = f'"{database}".main'
    for revision, pairs in _earlier_editions(con).items():
        substituted = sorted({measure for measure, _ in pairs})
        datasets = sorted({dataset for _, dataset in pairs})
        listed_measures = ", ".join(f"'{m}'" for m in substituted)
        listed_datasets = ", ".join(f"'{d}'" for d in datasets)
        # Formulas read `observation`: a temporary view of that name shows them this edition of the revised measures.
        con.execute(
            f"""CREATE OR REPLACE TEMP VIEW observation AS
                SELECT * FROM {table}.observation WHERE measure_id NOT IN ({listed_measures})
                UNION ALL
                SELECT * FROM (SELECT * FROM {table}.observation UNION ALL SELECT * FROM """
            f"""{table}.observation_alternative)
                WHERE measure_id IN ({listed_measures}) AND dataset_id IN ({listed_datasets})"""
        )
        try:
            for spec in sorted(catalogue, key=lambda spec: spec.id):
                if not set(spec.inputs) & set(substituted) or any(m not in measures for m in spec.inputs):
                    continue
                sources = sorted(
                    {d for m in spec.inputs if m not in substituted for d, _ in measures[m]} | set(datasets)
                )
                status = spec.status or _inherited_status([s for m in spec.inputs for _, s in measures[m]])
                columns = _normalise(con, spec)
                by_year = _prepare_year_sources(con, spec, measures, tuple(substituted), tuple(datasets))
                _insert_values(
                    con,
                    spec,
                    status,
                    sources,
                    "lower" in columns,
                    by_year,
                    f"{table}.indicator_value_revision",
                    revision,
                )
        finally:
            con.execute("DROP VIEW IF EXISTS temp.observation")


def compute_catalogue(con: duckdb.DuckDBPyConnection, catalogue: tuple[IndicatorSpec, ...]) -> list[IndicatorResult]:
    """Every indicator whose input measures are in this release; the others are reported as skipped."""
    measures = _present_measures(con)
    _prepare_population(con)
    # Each indicator's values are written sorted, indicators in the order of their ids, so readers of one indicator
    # and area touch few row groups (DuckDB skips row groups by their min/max); keeping that order needs
    # preserve_insertion_order, which the rest of the build leaves off.
    con.execute("SET preserve_insertion_order = true")
    results: dict[str, IndicatorResult] = {}
    try:
        for spec in sorted(catalogue, key=lambda spec: spec.id):
            absent = [m for m in spec.inputs if m not in measures]
            if absent:
                results[spec.id] = IndicatorResult(spec.id, 0, f"input measure(s) {absent} not in this release")
                continue
            sources = sorted({dataset for m in spec.inputs for dataset, _ in measures[m]})
            status = spec.status or _inherited_status([status for m in spec.inputs for _, status in measures[m]])
            columns = _normalise(con, spec)
            by_year = _prepare_year_sources(con, spec, measures)
            count = _insert_values(con, spec, status, sources, "lower" in columns, by_year)
            results[spec.id] = IndicatorResult(spec.id, count)
        _register(con, [spec for spec in catalogue if results[spec.id].skipped is None])
        _compute_earlier_editions(con, catalogue, measures)
    finally:
        con.execute("SET preserve_insertion_order = false")
    con.execute(
        f"DROP TABLE IF EXISTS indicator_rows; DROP TABLE IF EXISTS year_sources; DROP TABLE {_GROUP_POPULATION}"
    )
    return [results[spec.id] for spec in catalogue]
