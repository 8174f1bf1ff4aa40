(
    """Values of an indicator (indicator_value) or a measure (observation), raw or collapsed to one value per place """
    """and year."""
)

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from observatory.api.queries.catalogue import Series, areas, indicators
from observatory.api.release_cache import ReleaseHandle
from observatory.indicators.query import values_table

SCHEME_LABELS = {
    "world": "World",
    "continent": "Continent",
    "un_region": "UN region",
    "un_subregion": "UN sub-region",
    "un_intregion": "UN intermediate region",
    "sdg_region": "SDG region",
    "wb_income": "World Bank income group",
    "wb_region": "World Bank region",
    "unhcr_region": "UNHCR region",
    "abel_region_2018": "Abel (2018) region",
    "eu": "European Union",
    "ldc": "UN list",
    "lldc": "UN list",
    "sids": "UN list",
}
VALUE_COLUMNS = [
    "area",
    "origin",
    "destination",
    "year",
    "period",
    "sex",
    "age",
    "category",
    "value",
    "lower",
    "upper",
    "status",
    "sources",
    "revision",
    "partial_until",
    "coverage",
    "note",
]
# Declared types of VALUE_COLUMNS (the others are text): downloads keep one schema whatever the rows hold.
VALUE_TYPES = {
    "year": "int32",
    "value": "float64",
    "lower": "float64",
    "upper": "float64",
    "sources": "strings",
    "partial_until": "date",
    "coverage": "float64",
}
# The full key of a value row (and then its edition), so that every page and download comes in one order.
VALUE_ORDER = (
    "year, area NULLS FIRST, origin NULLS FIRST, destination NULLS FIRST, period, sex, age, category, "
    "revision NULLS FIRST, status, value NULLS FIRST"
)
CHUNK_ROWS = 20_000
PLACE_COLUMNS = ("area", "origin", "destination")


def source_sql(series: Series, revision: str | None = None) -> tuple[str, list]:
    """A SELECT giving the series' rows in the common column set (an indicator's values of one edition if asked)."""
    if series.kind == "indicator":
        table, params = values_table(revision)
        return (
            "SELECT indicator AS key, area, origin, destination, year, period, sex, age, category, value, lower, "
            "upper, status, "
            f"sources, revision, partial_until, coverage, note FROM {table} WHERE indicator = ?",
            params + [series.id],
        )
    return (
        "SELECT measure_id AS key, area, origin, destination, year, period, sex, age, category, value, lower, upper, "
        "status, "
        "[dataset_id] AS sources, (SELECT revision FROM dataset WHERE id = dataset_id) AS revision, CAST(NULL AS "
        "DATE) AS partial_until, "
        "CAST(NULL AS DOUBLE) AS coverage, note FROM observation WHERE measure_id = ?",
        [series.id],
    )


def _filters(
    area: str | list[str] | None = None,
    origin: str | list[str] | None = None,
    destination: str | list[str] | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    sex: str | None = None,
) -> tuple[str, list]:
    """A WHERE fragment (starting with AND) for the usual filters; lists mean any of."""
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (("area", area), ("origin", origin), ("destination", destination)):
        if value is None:
            continue
        if isinstance(value, (list, tuple, set)):
            clauses.append(f"{column} IN (SELECT unnest(?::VARCHAR[]))")
            params.append(list(value))
        else:
            clauses.append(f"{column} = ?")
            params.append(value)
    if year_from is not None:
        clauses.append("year >= ?")
        params.append(year_from)
    if year_to is not None:
        clauses.append("year <= ?")
        params.append(year_to)
    if sex is not None:
        clauses.append("sex = ?")
        params.append(sex)
    return "".join(f" AND {c}" for c in clauses), params


def _raw_sql(series: Series, revision: str | None, filters: dict[str, Any]) -> tuple[str, str, list]:
    """The counting query, the ordered selection and their parameters for a series' rows under the filters."""
    base, params = source_sql(series, revision)
    where, more = _filters(**filters)
    select = f"SELECT * EXCLUDE (key) FROM ({base}{where}) ORDER BY {VALUE_ORDER}"
    return f"SELECT count(*) AS n FROM ({base}{where})", select, params + more


def raw_values(
    handle: ReleaseHandle, series: Series, *, limit: int, offset: int = 0, revision: str | None = None, **filters: Any
) -> tuple[int, list[dict]]:
    """Total count and one page of the series' rows, in a stable order."""
    count, select, params = _raw_sql(series, revision, filters)
    total = handle.rows(count, params)[0]["n"]
    rows = handle.rows(f"{select} LIMIT ? OFFSET ?", params + [limit, offset])
    return total, rows


def raw_count(handle: ReleaseHandle, series: Series, *, revision: str | None = None, **filters: Any) -> int:
    """How many rows the series has under the filters."""
    count, _, params = _raw_sql(series, revision, filters)
    return handle.rows(count, params)[0]["n"]


def raw_sources(
    handle: ReleaseHandle, series: Series, *, limit: int, offset: int = 0, revision: str | None = None, **filters: Any
) -> list[str]:
    """The dataset ids behind one page of the series' rows."""
    _, select, params = _raw_sql(series, revision, filters)
    sql = f"SELECT DISTINCT unnest(sources) AS id FROM ({select} LIMIT ? OFFSET ?) ORDER BY id"
    return [row["id"] for row in handle.rows(sql, params + [limit, offset])]


def raw_chunks(
    handle: ReleaseHandle, series: Series, *, limit: int, offset: int = 0, revision: str | None = None, **filters: Any
) -> Iterator[list[dict]]:
    """One page of the series' rows in chunks, read as they are sent (a whole selection never sits in memory)."""
    _, select, params = _raw_sql(series, revision, filters)
    yield from chunked_rows(handle, f"{select} LIMIT ? OFFSET ?", params + [limit, offset])


def series_sources(handle: ReleaseHandle, series: Series, **filters: Any) -> list[str]:
    """The dataset ids behind the series' rows under the filters (for a ranking or a table built from them)."""
    base, params = source_sql(series)
    where, more = _filters(**filters)
    sql = f"SELECT DISTINCT unnest(sources) AS id FROM ({base}{where}) ORDER BY id"
    return [row["id"] for row in handle.rows(sql, params + more)]


def chunked_rows(handle: ReleaseHandle, sql: str, params: list) -> Iterator[list[dict]]:
    """The rows of one query as dicts, CHUNK_ROWS at a time, on a private cursor closed when done or abandoned."""
    cursor = handle.connection.cursor()
    try:
        result = cursor.execute(sql, params)
        names = [d[0] for d in result.description]
        while True:
            batch = result.fetchmany(CHUNK_ROWS)
            if not batch:
                return
            yield [dict(zip(names, row, strict=True)) for row in batch]
    finally:
        cursor.close()


def collapsed(
    handle: ReleaseHandle, series: Series, *, sex: str = "total", partition: tuple[str, ...] = (), **filters: Any
) -> list[dict]:
    """One value per (area, origin, destination, year): the headline age band and category, the last period."""
    # The category is the first of category_order present in the selection (the declared headline, else the
    # all-categories value, else the first declared code): every surface that collapses shows the declared fact.
    # For sex 'total' the published total is used, else female + male; `partial_until` marks a partly covered period.
    base, params = source_sql(series)
    where, more = _filters(**filters)
    headline = {"headline_category": None, "headline_age": None}
    if series.kind == "indicator":
        headline = indicators(handle).get(series.id, headline)
    age = headline["headline_age"] or "total"
    order = category_order(handle, series)
    if sex == "total":
        sex_filter = ""
        value_expr = (
            "CASE WHEN bool_or(sex = 'total') THEN sum(value) FILTER (WHERE sex = 'total') "
            "ELSE sum(value) FILTER (WHERE sex IN ('female', 'male')) END"
        )
        derived = "NOT bool_or(sex = 'total')"
    else:
        sex_filter, value_expr, derived = " AND sex = ?", "sum(value)", "false"
    # The first category of the declared order that the selection holds; undeclared codes only after every
    # declared one, in code order, so the choice is stable (and the code is shown with it).
    # With a partition (columns of PLACE_COLUMNS), the category is chosen per place as if the selection were filtered
    # to that place: one query answers every place exactly as one query per place would (the precomputed pass).
    ranking = "ORDER BY coalesce(list_position(?::VARCHAR[], category), 2147483647), category"
    if partition:
        if not set(partition) <= set(PLACE_COLUMNS):
            raise ValueError("a partition is made of place columns only")
        places = ", ".join(partition)
        preferred = (
            f"SELECT {places}, category FROM (SELECT DISTINCT {places}, category FROM base) "
            f"QUALIFY row_number() OVER (PARTITION BY {places} {ranking}) = 1"
        )
    else:
        preferred = f"SELECT category FROM (SELECT DISTINCT category FROM base) {ranking} LIMIT 1"
    joined = ", ".join([*partition, "category"])
    sql = (
        f"""
    WITH base AS ({base}{where} AND age = ?{sex_filter}),
    pick AS ({preferred}),
    chosen AS (SELECT base.* FROM base JOIN pick USING ({joined})
               QUALIFY period = max(period) OVER (PARTITION BY area, origin, destination, year))
    SELECT area, origin, destination, year, any_value(period) AS period, any_value(category) AS category,
           {value_expr} AS value,
           CASE WHEN count(*) = 1 THEN any_value(lower) END AS lower, CASE WHEN count(*) = 1 THEN any_value(upper) """
        """END AS upper,
           min(status) AS status, list_sort(list_distinct(flatten(list(sources)))) AS sources, max(coverage) AS """
        f"""coverage,
           max(partial_until) AS partial_until, {derived} AS summed_by_sex
    FROM chosen GROUP BY area, origin, destination, year
    ORDER BY year, area NULLS FIRST, origin NULLS FIRST, destination NULLS FIRST"""
    )
    return handle.rows(sql, params + more + [age] + ([sex] if sex != "total" else []) + [order])


def declared_labels(handle: ReleaseHandle, series: Series) -> dict[str, str]:
    """What the series' category codes mean, in the catalogue's display order ({} when nothing declares them)."""
    for row in indicators(handle).values():
        if not row.get("category_labels"):
            continue
        if (series.kind == "indicator" and row["id"] == series.id) or (
            series.kind == "measure" and series.id in (row.get("category_measures") or [])
        ):
            return json.loads(row["category_labels"])
    return {}


def category_order(handle: ReleaseHandle, series: Series) -> list[str]:
    """Categories as one headline number prefers them: declared headline, all-categories value, declared codes."""
    headline = indicators(handle).get(series.id, {}).get("headline_category") if series.kind == "indicator" else None
    return list(dict.fromkeys([*([headline] if headline else []), "", *declared_labels(handle, series)]))


def latest_year(rows: list[dict], minimum_share: float = 0.5) -> int | None:
    """The latest year holding at least `minimum_share` of the places of the best-covered year."""
    counts: dict[int, int] = {}
    for row in rows:
        if row["value"] is not None and row.get("partial_until") is None:  # a partly covered year is never "latest"
            counts[row["year"]] = counts.get(row["year"], 0) + 1
    if not counts:
        return None
    best = max(counts.values())
    return max(year for year, n in counts.items() if n >= minimum_share * best)


def map_values(handle: ReleaseHandle, series: Series, year: int | None = None, sex: str = "total") -> dict[str, Any]:
    (
        """Country values of an area-level series for one year (the latest well-covered year by default), with names """
        """and M49 codes."""
    )

    def compute() -> dict[str, Any]:
        rows = [r for r in collapsed(handle, series, sex=sex) if r["area"] is not None]
        known = areas(handle)
        years = sorted({r["year"] for r in rows})
        chosen = (
            year
            if year is not None
            else latest_year([r for r in rows if known.get(r["area"], {}).get("kind") == "country"])
        )
        out: list[Any] = []
        groups: list[Any] = []
        sources: set[str] = set()
        for row in rows:
            if row["year"] != chosen or row["value"] is None:
                continue
            area = known.get(row["area"])
            if area is None:
                continue
            item = {
                "code": row["area"],
                "name": area.get("short_name") or area["name"],
                "m49": f"{area['m49']:03d}" if area["m49"] else None,
                "value": row["value"],
                "status": row["status"],
                "coverage": row["coverage"],
                "sources": row["sources"],
            }
            sources.update(row["sources"] or [])
            if area["kind"] == "country":
                out.append(item)
            elif area["kind"] == "group":
                groups.append(
                    {
                        **item,
                        "scheme": area["scheme"] or "",
                        "scheme_label": SCHEME_LABELS.get(area["scheme"], area["scheme"] or ""),
                    }
                )
        out.sort(key=lambda r: -r["value"])
        return {"year": chosen, "years": years, "countries": out, "groups": groups, "sources": sorted(sources)}

    return handle.memo(("map_values", series.kind, series.id, year, sex), compute)


def area_series(handle: ReleaseHandle, series: Series, area: str, sex: str = "total") -> list[dict]:
    """The collapsed time series of one area (from the release's precomputed digest once the pass is done)."""
    digest = getattr(handle, "digest", None)
    if digest is not None:
        rows = digest.area_rows(series.kind, series.id, area, sex)
        if rows is not None:
            return rows
    return handle.memo(
        ("area_series", series.kind, series.id, area, sex), lambda: collapsed(handle, series, sex=sex, area=area)
    )
