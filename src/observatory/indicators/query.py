"""Reading indicator values, the catalogue and framework coverage from a release."""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from observatory.settings import Settings
from observatory.warehouse import releases


class IndicatorQueryError(Exception):
    """An unknown indicator, area or framework, or filters that do not fit the indicator."""


@dataclass(frozen=True)
class ValueFilter:
    area: str | None = None
    origin: str | None = None
    destination: str | None = None
    year: int | None = None
    year_from: int | None = None
    year_to: int | None = None
    period: str | None = None
    sex: str | None = None
    category: str | None = None
    revision: str | None = None  # an edition of the revised inputs, e.g. '2020'; None: the default (latest) series


def values_table(revision: str | None) -> tuple[str, list]:
    """FROM-clause source of indicator values: the default series, or the values of one edition of revised inputs."""
    if revision is None:
        return "indicator_value", []
    return (
        "(SELECT * FROM indicator_value WHERE list_contains(string_split(revision, ', '), ?) "
        "UNION ALL SELECT * FROM indicator_value_revision WHERE revision = ?)",
        [revision, revision],
    )


def revisions_sql() -> str:
    """Distinct revision labels of one indicator (parameter: the indicator id twice)."""
    return (
        "SELECT DISTINCT unnest(string_split(revision, ', ')) AS revision FROM indicator_value WHERE indicator = ? "
        "AND revision IS NOT NULL "
        "UNION SELECT DISTINCT revision FROM indicator_value_revision WHERE indicator = ? ORDER BY 1"
    )


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    result = con.execute(sql, params)
    columns = [d[0] for d in result.description]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def _shown(text: str) -> str:
    """User text repeated in an error only when it has the shape of a code or id (never free text)."""
    return repr(text) if re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", text) else "(not a valid code)"


def _check_area(con: duckdb.DuckDBPyConnection, code: str | None, label: str) -> str | None:
    if code is None:
        return None
    code = code.upper() if len(code) <= 3 else code
    if not con.execute("SELECT 1 FROM area WHERE code = ?", [code]).fetchall():
        raise IndicatorQueryError(
            f"unknown {label} {_shown(code)}: use an ISO3 code or a group code (see the area table)"
        )
    return code


def indicator_catalogue(con: duckdb.DuckDBPyConnection, framework: str | None = None) -> list[dict]:
    """The indicators of the release with their framework tags (optionally only those of one framework)."""
    where, params = "", []
    if framework:
        where, params = (
            "WHERE i.id IN (SELECT indicator FROM indicator_framework WHERE framework = ?)",
            [framework.upper()],
        )
    return _rows(
        con,
        """SELECT i.*, (SELECT string_agg(framework || ' ' || code, ', ' ORDER BY framework, TRY_CAST(code AS """
        f"""INTEGER), code)
                         FROM indicator_framework f WHERE f.indicator = i.id) AS frameworks
            FROM indicator i {where} ORDER BY i.id""",
        params,
    )


def indicator_values(
    con: duckdb.DuckDBPyConnection, indicator: str, filters: ValueFilter, limit: int | None = None, offset: int = 0
) -> list[dict]:
    """Values of one indicator with unit and provenance, filtered; errors name what is wrong."""
    spec = _rows(con, "SELECT * FROM indicator WHERE id = ?", [indicator])
    if not spec:
        raise IndicatorQueryError(f"unknown indicator {_shown(indicator)}; see `observatory indicators`")
    level = spec[0]["level"]
    if level == "corridor" and filters.area:
        raise IndicatorQueryError(
            f"{indicator} is a corridor indicator: give --origin and/or --destination, not --area"
        )
    if level == "area" and (filters.origin or filters.destination):
        raise IndicatorQueryError(f"{indicator} is an area indicator: give --area, not --origin/--destination")
    if filters.revision is not None:
        known = [row[0] for row in con.execute(revisions_sql(), [indicator, indicator]).fetchall()]
        if filters.revision not in known:
            offered = f"revisions of its inputs: {', '.join(known)}" if known else "its inputs have a single edition"
            raise IndicatorQueryError(f"{indicator} has no revision {_shown(filters.revision)}; {offered}")
    table, params = values_table(filters.revision)
    conditions = ["v.indicator = ?"]
    params.append(indicator)
    for column, label in (("area", "area"), ("origin", "origin"), ("destination", "destination")):
        code = _check_area(con, getattr(filters, column), label)
        if code:
            conditions.append(f"v.{column} = ?")
            params.append(code)
    for column in ("year", "period", "sex", "category"):
        value = getattr(filters, column)
        if value is not None:
            conditions.append(f"v.{column} = ?")
            params.append(value)
    if filters.year_from is not None:
        conditions.append("v.year >= ?")
        params.append(filters.year_from)
    if filters.year_to is not None:
        conditions.append("v.year <= ?")
        params.append(filters.year_to)
    paging = f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit else ""
    columns = "v.area" if level == "area" else "v.origin, v.destination"
    return _rows(
        con,
        f"""SELECT v.indicator, {columns}, v.year, v.period, v.sex, v.age, v.category, v.value, i.unit, v.status,
                   v.lower, v.upper, v.sources, v.revision, v.partial_until, v.coverage, v.note,
                   (SELECT release_id FROM release_info) AS release
            FROM {table} v JOIN indicator i ON i.id = v.indicator
            WHERE {" AND ".join(conditions)}
            ORDER BY {columns}, v.year, v.period, v.sex, v.category{paging}""",
        params,
    )


def framework_report(con: duckdb.DuckDBPyConnection, framework: str, area: str | None = None) -> list[dict]:
    """Each objective with its indicators, the data coverage (areas × years) and explicit gaps."""
    framework = framework.upper()
    if framework not in ("GCM", "GCR", "SDG"):
        raise IndicatorQueryError(f"unknown framework {framework!r}: use gcm, gcr or sdg")
    area = _check_area(con, area, "area")
    objectives = _rows(
        con,
        "SELECT code, short_name, text FROM framework_objective WHERE framework = ? ORDER BY TRY_CAST(code AS "
        "DOUBLE), code",
        [framework],
    )
    area_condition = "AND (v.area = ? OR v.origin = ? OR v.destination = ?)" if area else ""
    coverage = _rows(
        con,
        f"""SELECT f.code, f.indicator, count(DISTINCT coalesce(v.area, v.origin || '>' || v.destination)) AS areas,
                   count(DISTINCT v.year) AS years, min(v.year) AS first_year, max(v.year) AS last_year
            FROM indicator_framework f LEFT JOIN indicator_value v ON v.indicator = f.indicator {area_condition}
            WHERE f.framework = ? GROUP BY f.code, f.indicator ORDER BY f.indicator""",
        ([area, area, area] if area else []) + [framework],
    )
    report = []
    for objective in objectives:
        indicators = [row for row in coverage if row["code"] == objective["code"]]
        with_data = [row for row in indicators if row["areas"]]
        if not indicators:
            gap = "no indicator in the catalogue measures this objective"
        elif not with_data:
            gap = "indicators exist but no data" + (f" for {area}" if area else "")
        else:
            gap = ""
        report.append(
            {
                "framework": framework,
                "objective": objective["code"],
                "short_name": objective["short_name"],
                "text": objective["text"],
                "indicators": [
                    {
                        "id": row["indicator"],
                        "areas": row["areas"],
                        "years": row["years"],
                        "first_year": row["first_year"],
                        "last_year": row["last_year"],
                    }
                    for row in indicators
                ],
                "gap": gap,
            }
        )
    return report


def open_release(settings: Settings) -> tuple[releases.Release, duckdb.DuckDBPyConnection]:
    try:
        return releases.connect(settings)
    except releases.ReleaseError as error:
        raise IndicatorQueryError(str(error)) from None
