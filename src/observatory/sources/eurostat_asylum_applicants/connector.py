"""Eurostat first-time asylum applicants, citizenship × reporting country; aggregates checked, then excluded."""

from __future__ import annotations

from observatory.sources.context import ParseContext

EU28 = "European Union (28 countries)"
AGGREGATE_GEO = (EU28, "Total")  # not countries: the EU-28 sum and the sum of all reporting countries
NON_AREA_CITIZEN = ("Recognised non-citizens", "British overseas countries and territories")  # no area code (yet)
EFTA = ("Iceland", "Liechtenstein", "Norway", "Switzerland")
FLAG_NOTE = "CASE flag WHEN 'p' THEN 'provisional' WHEN 'd' THEN 'definition differs (see Eurostat metadata)' END"


def read(ctx: ParseContext, name: str, kind_column: str):
    """The DW extract with typed columns; ':' and empty cells are missing."""
    raw = ctx.read_csv(
        name,
        columns={
            "TIME": "INTEGER",
            "GEO": "VARCHAR",
            "CITIZEN": "VARCHAR",
            "SEX": "VARCHAR",
            "AGE": "VARCHAR",
            kind_column: "VARCHAR",
            "UNIT": "VARCHAR",
            "Value": "DOUBLE",
            "Flag and Footnotes": "VARCHAR",
        },
        thousands=",",
        na_values=(":", ""),
    )
    ctx.require(raw, "SEX = 'Total' AND AGE = 'Total' AND UNIT = 'Person'", "SEX", "SEX and AGE 'Total', UNIT 'Person'")
    return raw.select(
        'TIME AS year, GEO, CITIZEN, "'
        + kind_column
        + '" AS kind, Value AS value, "Flag and Footnotes" AS flag, _file, _row'
    )


def check_members_add_up(ctx: ParseContext, raw, keys: str, known_gaps: str = "false") -> None:
    """The EU-28 row must equal the sum of the 28 member states (Eurostat rounds each figure to 5).

    `known_gaps` is an SQL condition on the EU-28 row for published discrepancies listed in source.yml.
    """
    excluded = ", ".join(f"'{name}'" for name in AGGREGATE_GEO + EFTA)
    joined = raw.query(
        "raw",
        f"""
        SELECT e._file, e._row, e.value AS eu28, m.members
        FROM (SELECT * FROM raw WHERE GEO = '{EU28}' AND value IS NOT NULL AND NOT ({known_gaps})) e
        JOIN (SELECT {keys}, sum(value) AS members FROM raw WHERE GEO NOT IN ({excluded}) GROUP BY ALL) m USING """
        f"""({keys})""",
    )
    ctx.require(
        joined,
        "abs(members - eu28) <= greatest(100, 0.001 * eu28)",
        "eu28",
        "the sum of the 28 member states within Eurostat's rounding",
    )


def parse(ctx: ParseContext):
    """Corridor rows citizenship → reporting country for first-time applicants; missing (':') cells give no row."""
    raw = read(ctx, "migr_asyappctza_allcitizenships.csv", "ASYL_APP")
    ctx.require(raw, "kind = 'First time applicant'", "kind", "'First time applicant'")
    check_members_add_up(ctx, raw, "year, CITIZEN")
    aggregates = ", ".join(f"'{name}'" for name in AGGREGATE_GEO)
    non_area = ", ".join(f"'{name}'" for name in NON_AREA_CITIZEN)
    return [
        raw.filter(f"value IS NOT NULL AND GEO NOT IN ({aggregates}) AND CITIZEN NOT IN ({non_area})").select(
            "'eurostat_first_time_asylum_applicants' AS measure_id, CITIZEN AS origin, GEO AS destination, year, "
            "value, "
            f"{FLAG_NOTE} AS note, _file, _row"
        )
    ]
