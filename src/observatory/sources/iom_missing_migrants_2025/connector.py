"""Missing Migrants incidents 2014–April 2025: dead and missing by incident country, route, cause and nationality."""

from __future__ import annotations

from observatory.sources.context import ParseContext

# Every row type is counted once: split rows partition an incident, cumulative rows stand for incidents that
# cannot be separated (docs/missing_migrants.md gives the evidence).
ROW_TYPES = ("Incident", "Split Incident", "Cumulative Incident", "Incident,Split Incident")
# MMP's cause-of-death classification. GDI joins the causes of an incident's parts with "," (no space), while
# one cause name itself contains ", ".
CAUSES = (
    "Accidental death",
    "Drowning",
    "Harsh environmental conditions / lack of adequate shelter, food, water",
    "Mixed or unknown",
    "Sickness / lack of access to adequate healthcare",
    "Vehicle accident / death linked to hazardous transport",
    "Violence",
)
MIXED_CAUSES = "Mixed or unknown"
UNDEFINED_ROUTE = "Undefined"
UNKNOWN_ROUTE = "unknown route"  # the label the May 2024 extract uses for incidents without a route
UNKNOWN_NATIONALITY = "UNK"  # area reference: "Unknown or various origin"
PLACEHOLDER = "\x01"
SEVERAL_NATIONALITIES_NOTE = (
    "includes {} persons recorded in incidents listing several nationalities (not split by nationality)"
)
VIEW = "iom_missing_migrants_2025_rows"  # the name the aggregations give the typed rows


def _sql_values(values) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


def parse(ctx: ParseContext):
    """Dead + missing by incident country × route, × cause, and by nationality × route; every row counted once."""
    raw = ctx.read_csv(
        "iom_mmp.csv",
        columns={
            "t": "DATE",
            "type": "VARCHAR",
            "route": "VARCHAR",
            "geo": "VARCHAR",
            "dead": "DOUBLE",
            "cause": "VARCHAR",
            "nat": "VARCHAR",
        },
    )
    ctx.require(raw, f"type IN ({_sql_values(ROW_TYPES)})", "type", f"one of {', '.join(ROW_TYPES)}")
    ctx.require(raw, "t IS NOT NULL", "t", "an incident date")
    ctx.require(raw, "dead IS NOT NULL AND dead >= 0", "dead", "a non-negative number of persons")
    ctx.require(raw, "geo IS NOT NULL", "geo", "an ISO3 code of the incident country")
    ctx.require(raw, "route IS NOT NULL", "route", "a migration route or 'Undefined'")
    ctx.require(
        raw, "regexp_full_match(coalesce(nat, ''), '[A-Z0-9]{3}(,[A-Z0-9]{3})*')", "nat", "ISO3 codes joined by ','"
    )
    split_causes = (
        f"list_transform(string_split(replace(cause, ', ', '{PLACEHOLDER}'), ','), "
        f"lambda part: replace(part, '{PLACEHOLDER}', ', '))"
    )
    ctx.require(
        raw,
        f"cause IS NOT NULL AND list_has_all([{_sql_values(CAUSES)}], {split_causes})",
        "cause",
        "MMP causes of death joined by ','",
    )
    rows = raw.select(
        f"*, CAST(year(t) AS INTEGER) AS year, "
        f"CASE route WHEN '{UNDEFINED_ROUTE}' THEN '{UNKNOWN_ROUTE}' ELSE route END AS route_category, "
        f"list_distinct({split_causes}) AS causes, list_distinct(string_split(nat, ',')) AS nationalities"
    )
    _note_counts(ctx, rows)
    several = "len(nationalities) > 1"
    persons_in_several = f"sum(CASE WHEN {several} THEN dead ELSE 0 END)"
    by_route = rows.query(
        VIEW,
        f"""
        SELECT 'migrants_dead_missing' AS measure_id, geo AS area, year, route_category AS category,
               sum(dead) AS value, min(_file) AS _file, min(_row) AS _row
        FROM {VIEW} GROUP BY ALL""",
    )
    by_cause = rows.query(
        VIEW,
        f"""
        SELECT 'migrants_dead_missing_by_cause' AS measure_id, geo AS area, year,
               CASE WHEN len(causes) = 1 THEN causes[1] ELSE '{MIXED_CAUSES}' END AS category,
               sum(dead) AS value, min(_file) AS _file, min(_row) AS _row
        FROM {VIEW} GROUP BY ALL""",
    )
    by_nationality = rows.query(
        VIEW,
        f"""
        SELECT 'migrants_dead_missing_by_nationality' AS measure_id,
               CASE WHEN {several} THEN '{UNKNOWN_NATIONALITY}' ELSE nationalities[1] END AS area, year,
               route_category AS category, sum(dead) AS value,
               CASE WHEN {persons_in_several} > 0
                    THEN format('{SEVERAL_NATIONALITIES_NOTE}', CAST({persons_in_several} AS BIGINT)) END AS note,
               min(_file) AS _file, min(_row) AS _row
        FROM {VIEW} GROUP BY ALL""",
    )
    return [by_route, by_cause, by_nationality]


def _note_counts(ctx: ParseContext, rows) -> None:
    """Record how many rows and persons each counting rule touches, for the data-quality report."""
    conditions = {
        "split": "type LIKE '%Split%'",
        "cumulative": "type = 'Cumulative Incident'",
        "several_nationalities": "len(nationalities) > 1",
        "several_causes": "len(causes) > 1",
        "undefined_route": f"route = '{UNDEFINED_ROUTE}'",
    }
    sums = ", ".join(
        f"count(*) FILTER (WHERE {c}), coalesce(sum(dead) FILTER (WHERE {c}), 0)" for c in conditions.values()
    )
    values = iter(rows.aggregate(sums).fetchall()[0])
    counts = {name: (next(values), next(values)) for name in conditions}  # name -> (rows, persons)
    (split_rows, split_persons), (cumulative_rows, cumulative_persons) = counts["split"], counts["cumulative"]
    ctx.note(
        "split_and_cumulative_rows_counted_once",
        f"{split_rows} split-incident row(s) ({split_persons:g} persons) and {cumulative_rows} cumulative row(s) "
        f"({cumulative_persons:g} persons) are counted once each, like single incidents",
        split_rows + cumulative_rows,
    )
    rules = {
        "several_nationalities": f"list several nationalities: counted under {UNKNOWN_NATIONALITY} in "
        "migrants_dead_missing_by_nationality, not split",
        "several_causes": f"record several causes of death: counted as '{MIXED_CAUSES}'",
        "undefined_route": f"have route '{UNDEFINED_ROUTE}': labelled '{UNKNOWN_ROUTE}'",
    }
    for check, rule in rules.items():
        row_count, persons = counts[check]
        if row_count:
            ctx.note(check, f"{row_count} row(s) ({persons:g} persons) {rule}", row_count)
