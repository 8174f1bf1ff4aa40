"""Irregular-migration and return series (gdidata): one measure per publisher's series, months stored as 'YYYY-MM'."""

from __future__ import annotations

from typing import cast

import duckdb

from observatory.sources.context import ParseContext

MONTH = "CAST(year(t) AS INTEGER) AS year, strftime(t, '%Y-%m') AS period"
FIRST_ROW = "min(_file) AS _file, min(_row) AS _row"  # where an added value points in the raw file
ROUTES = (
    "Central Mediterranean Route",
    "Eastern Mediterranean Route",
    "Western Mediterranean Route",
    "Western Balkan Route",
    "Eastern Borders Route",
    "Western African Route",
    "Circular Route from Albania to Greece",
    "Black Sea Route",
    "Other",
)
# CBP encounter types: each (component, authority, type) combination the publisher uses, as one category.
US_ENCOUNTER_TYPES = {
    ("U.S. Border Patrol", "Title 8", "Apprehensions"): "Title 8 apprehensions (Border Patrol)",
    ("Office of Field Operations", "Title 8", "Inadmissibles"): "Title 8 inadmissibles (Field Operations)",
    ("U.S. Border Patrol", "Title 42", "Expulsions"): "Title 42 expulsions (Border Patrol)",
    ("Office of Field Operations", "Title 42", "Expulsions"): "Title 42 expulsions (Field Operations)",
}
US_DEMOGRAPHIC_GROUPS = ("Single Adults", "FMUA", "UC / Single Minors", "UAC", "Accompanied Minors")
US_FIRST_MONTH_WITH_NATIONALITY = "2019-10-01"  # FY2020
MEXICO_RETURN_TYPES = ("deportation", "assisted return", "assisted return of children")
# Mexico table 3.1.3 age groups -> (age band, accompaniment of children under 12).
MEXICO_AGES = {
    "18+": ("18+", ""),
    "12-17": ("12-17", ""),
    "under 12, accompanied": ("0-11", "accompanied"),
    "under 12, unaccompanied": ("0-11", "unaccompanied"),
}
GUATEMALA_AGES = {"adult": "18+", "accompanied child": "0-17", "unaccompanied child": "0-17"}
# Panama published Darién transits by nationality per year for 2010–2019 (dated 1 January), monthly since.
DARIEN_YEARLY_UNTIL = 2019


def _quoted(values) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


def _case(column: str, mapping: dict[str, str]) -> str:
    return "CASE " + " ".join(f"WHEN {column} = '{key}' THEN '{value}'" for key, value in mapping.items()) + " END"


def _counts(ctx: ParseContext, raw: duckdb.DuckDBPyRelation, *, dated: bool = True) -> None:
    """Every row has a non-negative count and, for monthly files, a month start date."""
    ctx.require(raw, "n IS NOT NULL AND n >= 0", "n", "a non-negative count")
    if dated:
        ctx.require(raw, "t IS NOT NULL AND day(t) = 1", "t", "the first day of a month")


def _nationality_series(ctx: ParseContext, name: str, measure: str) -> duckdb.DuckDBPyRelation:
    """A `t, nat, n` file as monthly values by nationality; rows gdidata coded to one code in a month are added."""
    raw = ctx.read_csv(name, columns={"t": "DATE", "nat": "VARCHAR", "n": "DOUBLE"})
    _counts(ctx, raw)
    ctx.require(raw, "nat IS NOT NULL", "nat", "a nationality code")
    merged = raw.aggregate("count(*) - count(DISTINCT (t, nat))").fetchall()[0][0]
    if merged:
        ctx.note(
            "nationality_rows_summed",
            f"{name}: {merged} row(s) share a month and nationality code with another "
            "row (two published nationalities coded alike by gdidata) and are added to it",
            merged,
        )
    return raw.aggregate(f"'{measure}' AS measure_id, nat AS area, {MONTH}, sum(n) AS value, {FIRST_ROW}", "nat, t")


def _frontex(ctx: ParseContext) -> duckdb.DuckDBPyRelation:
    """Detections by nationality × route × month; land and sea detections of a route are added."""
    columns = {"route": "VARCHAR", "type": "VARCHAR", "nat": "VARCHAR", "t": "DATE", "n": "DOUBLE"}
    raw = ctx.read_csv("frontex.csv", columns=columns)
    _counts(ctx, raw)
    ctx.require(raw, f"route IN ({_quoted(ROUTES)})", "route", "a Frontex route")
    ctx.require(raw, "type IN ('Land', 'Sea')", "type", "Land or Sea")
    ctx.require(raw, "nat IS NOT NULL", "nat", "a nationality code")
    both = raw.aggregate("count(*) - count(DISTINCT (route, nat, t))").fetchall()[0][0]
    if both:
        ctx.note(
            "land_and_sea_added",
            f"frontex: {both} route-nationality-month(s) have both land and sea detections; "
            "they are added into one value per route",
            both,
        )
    return raw.aggregate(
        "'frontex_illegal_border_crossings' AS measure_id, nat AS area, route AS category, "
        f"{MONTH}, sum(n) AS value, {FIRST_ROW}",
        "nat, route, t",
    )


def _usa(ctx: ParseContext) -> list[duckdb.DuckDBPyRelation]:
    """Encounters by nationality × encounter type (FY2020 on); all nationalities by demographic group (FY2018 on)."""
    columns = {
        "t": "DATE",
        "t_fy": "DATE",
        "component": "VARCHAR",
        "area": "VARCHAR",
        "authority": "VARCHAR",
        "type": "VARCHAR",
        "demog": "VARCHAR",
        "nat": "VARCHAR",
        "n": "DOUBLE",
    }
    raw = ctx.read_csv("irreg_usa.csv", columns=columns)
    _counts(ctx, raw)
    combinations = {
        f"component = '{c}' AND authority = '{a}' AND type = '{t}'": label
        for (c, a, t), label in US_ENCOUNTER_TYPES.items()
    }
    ctx.require(
        raw,
        " OR ".join(f"({condition})" for condition in combinations),
        "type",
        "a CBP component × authority × encounter type combination",
    )
    ctx.require(raw, f"demog IN ({_quoted(US_DEMOGRAPHIC_GROUPS)})", "demog", "a CBP demographic group")
    # The fiscal year starts in October: t_fy is the same month, one year later for October–December.
    ctx.require(
        raw,
        "month(t_fy) = month(t) AND year(t_fy) = year(t) + CASE WHEN month(t) >= 10 THEN 1 ELSE 0 END",
        "t_fy",
        "the fiscal-year month of t",
    )
    ctx.require(
        raw,
        f"(nat IS NULL) = (t < DATE '{US_FIRST_MONTH_WITH_NATIONALITY}')",
        "nat",
        "a nationality from October 2019 (FY2020), none before",
    )
    cases = " ".join(f"WHEN {condition} THEN '{label}'" for condition, label in combinations.items())
    encounter_type = f"CASE {cases} END"
    without = raw.filter("nat IS NULL").aggregate("count(*)").fetchall()[0][0]
    ctx.note(
        "no_nationality_before_fy2020",
        f"irreg_usa: {without} row(s) of October 2017–September 2019 have no "
        "nationality (CBP published none); they are in us_southwest_border_encounters_all_nationalities only",
        without,
    )
    by_nationality = raw.filter("nat IS NOT NULL").aggregate(
        f"'us_southwest_border_encounters' AS measure_id, nat AS area, {encounter_type} AS category, {MONTH}, "
        f"sum(n) AS value, {FIRST_ROW}",
        f"nat, {encounter_type}, t",
    )
    by_group = raw.aggregate(
        f"'us_southwest_border_encounters_all_nationalities' AS measure_id, 'USA' AS area, demog AS category, {MONTH}, "
        f"sum(n) AS value, {FIRST_ROW}",
        "demog, t",
    )
    return [by_nationality, by_group]


def _mexico(ctx: ParseContext) -> list[duckdb.DuckDBPyRelation]:
    """Irregular foreigners by nationality and by sex × age; returns by nationality × type."""
    by_nationality = _nationality_series(ctx, "irreg_mexico_nat.csv", "mexico_irregular_foreigners")
    columns = {"t": "DATE", "sex": "VARCHAR", "age": "VARCHAR", "n": "DOUBLE"}
    demography = ctx.read_csv("irreg_mexico_dmg.csv", columns=columns)
    _counts(ctx, demography)
    ctx.require(demography, "sex IN ('female', 'male')", "sex", "female or male")
    ctx.require(demography, f"age IN ({_quoted(MEXICO_AGES)})", "age", "an age group of SEGOB table 3.1.3")
    bands = {key: band for key, (band, _) in MEXICO_AGES.items()}
    accompaniment = {key: company for key, (_, company) in MEXICO_AGES.items()}
    by_sex_age = demography.select(
        f"'mexico_irregular_foreigners_all_nationalities' AS measure_id, 'MEX' AS area, {MONTH}, sex, "
        f"{_case('age', bands)} AS age, {_case('age', accompaniment)} AS category, n AS value, _file, _row"
    )
    columns = {"t": "DATE", "nat": "VARCHAR", "type": "VARCHAR", "n": "DOUBLE"}
    returns = ctx.read_csv("irreg_mexico_exp.csv", columns=columns)
    _counts(ctx, returns)
    ctx.require(returns, "nat IS NOT NULL", "nat", "a nationality code")
    ctx.require(returns, f"type IN ({_quoted(MEXICO_RETURN_TYPES)})", "type", "a type of return of SEGOB table 3.2.4")
    by_type = returns.select(
        f"'mexico_expulsions' AS measure_id, nat AS area, type AS category, {MONTH}, n AS value, _file, _row"
    )
    return [by_nationality, by_sex_age, by_type]


def _demography(relation: duckdb.DuckDBPyRelation, measure: str, area: str) -> duckdb.DuckDBPyRelation:
    """men/women/boys/girls rows: in a month that lists boys and girls, men and women are adults; else all ages."""
    return cast(
        duckdb.DuckDBPyRelation,
        relation.query(
            "demography",
            f"""
        SELECT '{measure}' AS measure_id, '{area}' AS area, {MONTH},
               CASE WHEN demog IN ('men', 'boys') THEN 'male' ELSE 'female' END AS sex,
               CASE WHEN demog IN ('boys', 'girls') THEN '0-17'
                    WHEN bool_or(demog IN ('boys', 'girls')) OVER (PARTITION BY t) THEN '18+' ELSE 'total' END AS age,
               n AS value, _file, _row
        FROM demography""",
        ),
    )


def _darien(ctx: ParseContext) -> list[duckdb.DuckDBPyRelation]:
    """Transits by nationality (yearly to 2019, then monthly) and all nationalities by sex and age."""
    raw = ctx.read_csv("irreg_darien_nat.csv", columns={"t": "DATE", "q": "DATE", "nat": "VARCHAR", "n": "DOUBLE"})
    _counts(ctx, raw)
    ctx.require(raw, "nat IS NOT NULL", "nat", "a nationality code")
    ctx.require(
        raw,
        f"year(t) > {DARIEN_YEARLY_UNTIL} OR month(t) = 1",
        "t",
        f"1 January for the yearly totals up to {DARIEN_YEARLY_UNTIL}",
    )
    period = f"CASE WHEN year(t) > {DARIEN_YEARLY_UNTIL} THEN strftime(t, '%Y-%m') ELSE '' END"
    by_nationality = raw.select(
        f"'darien_transits' AS measure_id, nat AS area, CAST(year(t) AS INTEGER) AS year, "
        f"{period} AS period, n AS value, _file, _row"
    )
    columns = {"t": "DATE", "q": "DATE", "demog": "VARCHAR", "n": "DOUBLE"}
    demography = ctx.read_csv("irreg_darien_dmg.csv", columns=columns)
    _counts(ctx, demography)
    ctx.require(demography, "demog IN ('men', 'women', 'boys', 'girls')", "demog", "men, women, boys or girls")
    return [by_nationality, _demography(demography, "darien_transits_all_nationalities", "PAN")]


def _honduras(ctx: ParseContext) -> list[duckdb.DuckDBPyRelation]:
    """Arrivals by nationality; all nationalities as the monthly total and by sex and age."""
    by_nationality = _nationality_series(ctx, "irreg_honduras_nat.csv", "honduras_irregular_arrivals")
    total = ctx.read_csv("irreg_honduras.csv", columns={"t": "DATE", "n": "DOUBLE"})
    _counts(ctx, total)
    measure = "honduras_irregular_arrivals_all_nationalities"
    totals = total.select(f"'{measure}' AS measure_id, 'HND' AS area, {MONTH}, n AS value, _file, _row")
    demography = ctx.read_csv("irreg_honduras_dmg.csv", columns={"t": "DATE", "demog": "VARCHAR", "n": "DOUBLE"})
    _counts(ctx, demography)
    ctx.require(demography, "demog IN ('men', 'women', 'boys', 'girls')", "demog", "men, women, boys or girls")
    return [by_nationality, totals, _demography(demography, measure, "HND")]


def _guatemala(ctx: ParseContext) -> duckdb.DuckDBPyRelation:
    """Returns of Guatemalans as corridor GTM → country returned from; a blank country is kept as unknown (UNK)."""
    columns = {"t": "DATE", "sex": "VARCHAR", "age": "VARCHAR", "origin": "VARCHAR", "n": "DOUBLE"}
    raw = ctx.read_csv("irreg_guatemala.csv", columns=columns)
    _counts(ctx, raw)
    ctx.require(raw, "sex IN ('female', 'male')", "sex", "female or male")
    ctx.require(raw, f"age IN ({_quoted(GUATEMALA_AGES)})", "age", "adult, accompanied child or unaccompanied child")
    ctx.require(raw, "origin IS NULL OR origin IN ('MEX', 'USA')", "origin", "MEX, USA or blank")
    blank, returns = raw.filter("origin IS NULL").aggregate("count(*), coalesce(sum(n), 0)").fetchall()[0]
    if blank:
        ctx.note(
            "country_returned_from_blank",
            f"irreg_guatemala: {blank} row(s) ({returns:g} returns) leave the "
            "country returned from blank; kept with destination UNK (unknown)",
            blank,
            "warning",
        )
    return raw.select(
        f"'guatemala_returns' AS measure_id, 'GTM' AS origin, coalesce(origin, 'UNK') AS destination, {MONTH}, sex, "
        f"{_case('age', GUATEMALA_AGES)} AS age, age AS category, n AS value, _file, _row"
    )


def _australia(ctx: ParseContext) -> list[duckdb.DuckDBPyRelation]:
    """People and boats per calendar year; years without a published boat count give no boats row."""
    raw = ctx.read_csv("irreg_australia.csv", columns={"t": "INTEGER", "boats": "DOUBLE", "n": "DOUBLE"})
    _counts(ctx, raw, dated=False)
    ctx.require(raw, "t IS NOT NULL", "t", "a year")
    ctx.require(raw, "boats IS NULL OR boats >= 0", "boats", "a non-negative number of boats or blank")
    unpublished = raw.filter("boats IS NULL").aggregate("count(*)").fetchall()[0][0]
    if unpublished:
        ctx.note(
            "boats_not_published",
            f"irreg_australia: {unpublished} year(s) without a boat count (people only)",
            unpublished,
        )
    people = raw.select("'australia_boat_arrivals' AS measure_id, 'AUS' AS area, t AS year, n AS value, _file, _row")
    boats = raw.filter("boats IS NOT NULL").select(
        "'australia_boat_arrivals_boats' AS measure_id, 'AUS' AS area, t AS year, boats AS value, _file, _row"
    )
    return [people, boats]


def parse(ctx: ParseContext):
    """All eleven series from the twelve gdidata tables; each keeps its own measure."""
    return [_frontex(ctx), *_usa(ctx), *_mexico(ctx), *_darien(ctx), *_honduras(ctx), _guatemala(ctx), *_australia(ctx)]
