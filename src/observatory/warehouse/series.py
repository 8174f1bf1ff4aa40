"""One source per measure and period where several give it: the others move to `observation_alternative`."""

from __future__ import annotations

import duckdb

from observatory.sources.series import Series, declared_series
from observatory.warehouse.checks import Finding


def apply_series(
    con: duckdb.DuckDBPyConnection,
    declared: dict[str, Series] | None = None,
    measures: frozenset[str] | None = None,
) -> list[Finding]:
    """Choose, for every (year, period) of a declared series (or of `measures`), the first source that has values."""
    declared = declared_series() if declared is None else declared
    findings: list[Finding] = []
    loaded: dict[str, list[str]] = {}
    for measure_id, dataset_id in con.execute("SELECT id, dataset_id FROM measure").fetchall():
        loaded.setdefault(measure_id, []).append(dataset_id)
    undeclared = sorted(
        measure for measure, datasets in loaded.items() if len(datasets) > 1 and measure not in declared
    )
    if undeclared:
        raise ValueError(f"measures given by several sources without an order in sources/series.yml: {undeclared}")
    for measure_id, series in declared.items():
        if measures is not None and measure_id not in measures:
            continue  # an incremental build keeps the other measures' choice from the previous release
        con.execute("INSERT INTO series VALUES (?, ?, ?)", [measure_id, series.rule, series.order])
        present = [dataset for dataset in series.order if dataset in loaded.get(measure_id, [])]
        stray = sorted(set(loaded.get(measure_id, [])) - set(series.order))
        if stray and len(loaded[measure_id]) > 1:
            raise ValueError(f"series.yml: {measure_id} is also given by {stray}, which its order does not list")
        if present:
            con.execute("UPDATE measure SET preferred = (dataset_id = ?) WHERE id = ?", [present[0], measure_id])
        if len(present) < 2:
            continue
        rank = " ".join(f"WHEN '{dataset}' THEN {index}" for index, dataset in enumerate(present))
        # The best rank among the sources that have the period, or over the whole measure for an edition series.
        window = "PARTITION BY year, period" if series.choose_by == "period" else ""
        con.execute(
            """INSERT INTO series_choice
                SELECT measure_id, year, period, arg_min(dataset_id, r), coalesce(list_sort(list(DISTINCT """
            f"""dataset_id) FILTER (WHERE r > best)), [])
                FROM (SELECT measure_id, year, period, dataset_id, r, min(r) OVER ({window}) AS best
                      FROM (SELECT DISTINCT measure_id, year, period, dataset_id, CASE dataset_id {rank} END AS r
                            FROM observation WHERE measure_id = ?))
                GROUP BY measure_id, year, period HAVING min(r) = min(best)""",
            [measure_id],
        )
        # Rows of a source that is not the chosen one for their period (for an edition series: any other source).
        not_chosen = (
            """observation.measure_id = ? AND NOT EXISTS (SELECT 1 FROM series_choice c WHERE """
            """c.measure_id = observation.measure_id
                         AND c.year = observation.year AND c.period = observation.period AND c.dataset_id = """
            """observation.dataset_id)"""
        )
        con.execute(f"INSERT INTO observation_alternative SELECT * FROM observation WHERE {not_chosen}", [measure_id])
        moved = con.execute(f"DELETE FROM observation WHERE {not_chosen}", [measure_id]).fetchall()[0][0]
        used = con.execute(
            "SELECT dataset_id, min(year), max(year), count(*) FROM series_choice WHERE measure_id = ? GROUP BY "
            "dataset_id ORDER BY 2",
            [measure_id],
        ).fetchall()
        described = "; ".join(
            f"{dataset} {first}–{last} ({periods} period(s))" for dataset, first, last, periods in used
        )
        findings.append(
            Finding(
                "series",
                "series_choice",
                "info",
                f"{measure_id}: {described}; {moved:,} value(s) of the other sources kept for comparison only",
                moved,
            )
        )
    return findings
