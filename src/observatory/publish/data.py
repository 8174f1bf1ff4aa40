"""Read one release for publishing: indicator values, context observations, areas and datasets, as Figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import duckdb

from observatory.i18n.declarations import group_name, indicator_text
from observatory.i18n.languages import checked_language, route
from observatory.i18n.names import area_name
from observatory.publish.chart_cache import ChartCache
from observatory.publish.figures import Figure
from observatory.publish.language import text, translator
from observatory.settings import Settings
from observatory.warehouse.releases import connect


class PublishError(Exception):
    """A publication cannot be made (unknown area, missing release, unresolvable directive)."""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    """Rows as dicts (never fetchone: DuckDB 2.0 leaves that result open)."""
    result = con.execute(sql, params or [])
    names = [column[0] for column in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


_KEYED_VALUE = (
    "value",
    "lower",
    "upper",
    "status",
    "area",
    "origin",
    "destination",
    "year",
    "period",
    "sex",
    "age",
    "category",
    "note",
)


def _keyed_value(row: dict) -> dict:
    """The value of a release row (indicator_value or observation) with its status, key and note."""
    return {column: row.get(column) for column in _KEYED_VALUE}


@dataclass
class ReleaseData:
    """Read-only access to one release; every Figure it returns names the release's datasets as sources."""

    con: duckdb.DuckDBPyConnection
    release_id: str
    settings: Settings | None = None
    lang: str = "en"  # the language of the publications made from it: names, labels, reasons and numbers
    _values_of_area: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.lang = checked_language(self.lang)

    @classmethod
    def open(cls, settings: Settings, release_id: str | None = None, lang: str = "en") -> ReleaseData:
        """The current (or a named) release of a home, read for publications in `lang`."""
        release, con = connect(settings, release_id)
        return cls(con=con, release_id=release.release_id, settings=settings, lang=lang)

    @property
    def _(self):
        """The gettext of the publication's language."""
        return translator(self.lang)

    def close(self) -> None:
        self.con.close()

    @cached_property
    def chart_cache(self) -> ChartCache | None:
        """Where this release's chart SVGs are kept, rendered once (None without a home)."""
        return ChartCache.for_release(self.settings, self.release_id) if self.settings is not None else None

    def rows(self, sql: str, params: list | None = None) -> list[dict]:
        """Run a query on the release."""
        return _rows(self.con, sql, params)

    # --- areas -----------------------------------------------------------------------------------------

    @cached_property
    def _areas(self) -> dict[str, dict]:
        """Every area row with its groups by scheme, read in one pass (a brief names a few hundred areas; a few
        hundred single-row queries cost more than the whole table)."""
        areas = {row["code"]: {**row, "groups": {}} for row in self.rows("SELECT * FROM area ORDER BY code")}
        for group in self.rows(
            'SELECT m.area, m.scheme, m."group" AS code, a.name FROM area_membership m '
            'JOIN area a ON a.code = m."group" ORDER BY m.area, m.scheme'
        ):
            if group["area"] in areas:
                areas[group["area"]]["groups"][group["scheme"]] = {"code": group["code"], "name": group["name"]}
        return areas

    def area(self, code: str) -> dict:
        """The area row with its groups by scheme; PublishError for an unknown code."""
        found = self._areas.get(code.upper())
        if found is None:
            raise PublishError(f"unknown area {code.upper()!r}: not in the area table of release {self.release_id}")
        return found

    def name(self, code: str | None) -> str:
        """Display name of an area code (the code itself when unknown)."""
        if not code:
            return ""
        try:
            area = self.area(code)
        except PublishError:
            return code
        if self.lang == "en":
            return area["name"]
        if area["kind"] == "country":  # CLDR's name, as the portal shows it
            return area_name(area["name"], self.lang, area.get("iso2"), None)
        return group_name(area["code"], area["name"], self.lang, area.get("m49"))

    def indicator_label(self, indicator: str) -> str:
        """An indicator's title in the publication's language (the declarations), else the release's title."""
        english = self.indicators.get(indicator, {}).get("title", indicator.replace("_", " "))
        if self.lang == "en":
            return english
        try:
            return indicator_text(indicator, self.lang)[0]
        except KeyError:
            return english

    def countries(self) -> list[str]:
        """Every country code in the release, sorted."""
        return [r["code"] for r in self.rows("SELECT code FROM area WHERE kind = 'country' ORDER BY code")]

    def m49_codes(self) -> dict[str, int]:
        """ISO numeric (M49) code of every country, to join the world map."""
        return {
            r["code"]: r["m49"]
            for r in self.rows("SELECT code, m49 FROM area WHERE kind = 'country' AND m49 IS NOT NULL")
        }

    def group_members(self, group: str) -> list[str]:
        """Countries in a group."""
        return [
            r["area"] for r in self.rows('SELECT area FROM area_membership WHERE "group" = ? ORDER BY area', [group])
        ]

    # --- catalogue -------------------------------------------------------------------------------------

    @cached_property
    def indicators(self) -> dict[str, dict]:
        """The indicator catalogue of this release, with framework tags."""
        catalogue = {r["id"]: r for r in self.rows("SELECT * FROM indicator ORDER BY id")}
        for entry in catalogue.values():
            entry["frameworks"] = []
        for tag in self.rows("SELECT indicator, framework, code FROM indicator_framework ORDER BY framework, code"):
            if tag["indicator"] in catalogue:
                catalogue[tag["indicator"]]["frameworks"].append(f"{tag['framework']} {tag['code']}")
        return catalogue

    @cached_property
    def measures(self) -> dict[str, dict]:
        # For a measure several sources give, the preferred source's declaration (listed last) is kept.
        return {
            r["id"]: r
            for r in self.rows("SELECT id, dataset_id, label, unit, kind FROM measure ORDER BY id, preferred")
        }

    def indicator_title(self, indicator: str) -> str:
        return self.indicators.get(indicator, {}).get("title", indicator.replace("_", " "))

    def datasets(self, ids) -> list[dict]:
        """Dataset rows (version, licence, citation, url) for the given ids, in the given order."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return []
        found = {r["id"]: r for r in self.rows("SELECT * FROM dataset WHERE id IN (SELECT unnest(?))", [wanted])}
        return [
            found.get(i)
            or {
                "id": i,
                "title": i,
                "publisher": "",
                "version_producer": "",
                "licence": "",
                "citation_full": "not a dataset of this release",
                "url_main": None,
            }
            for i in wanted
        ]

    # --- indicator values ------------------------------------------------------------------------------

    def indicator_rows(
        self,
        indicator: str,
        *,
        area: str | None = None,
        origin: str | None = None,
        destination: str | None = None,
        sex: str | None = "total",
        age: str | None = "total",
        category: str | None = None,
        year: int | None = None,
        period: str | None = None,
    ) -> list[dict]:
        """indicator_value rows matching the key, oldest first (an area's rows are read once and kept)."""
        if area is not None and origin is None and destination is None:
            wanted = {"sex": sex, "age": age, "category": category, "year": year, "period": period}
            return [
                row
                for row in self._area_values(area).get(indicator, [])
                if all(value is None or row[column] == value for column, value in wanted.items())
            ]
        clauses: list[str] = ["indicator = ?"]
        params: list[Any] = [indicator]
        for column, value in (
            ("area", area),
            ("origin", origin),
            ("destination", destination),
            ("sex", sex),
            ("age", age),
            ("category", category),
            ("year", year),
            ("period", period),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        return self.rows(
            f"SELECT * FROM indicator_value WHERE {' AND '.join(clauses)} ORDER BY year, period, category", params
        )

    def _area_values(self, area: str) -> dict[str, list[dict]]:
        """Every indicator value of one area, by indicator, sorted like indicator_rows (the last few areas are kept)."""
        if area not in self._values_of_area:
            if len(self._values_of_area) >= 4:
                self._values_of_area.pop(next(iter(self._values_of_area)))
            grouped: dict[str, list[dict]] = {}
            for row in self.rows(
                "SELECT * FROM indicator_value WHERE area = ? ORDER BY indicator, year, period, category", [area]
            ):
                grouped.setdefault(row["indicator"], []).append(row)
            self._values_of_area[area] = grouped
        return self._values_of_area[area]

    def figure_of(self, indicator: str, row: dict, label: str | None) -> Figure:
        meta = self.indicators.get(indicator, {})
        return Figure(
            label=label or self.indicator_label(indicator),
            origin_kind="indicator",
            key=indicator,
            unit=meta.get("unit", ""),
            sources=tuple(row["sources"] or ()),
            coverage=row.get("coverage"),
            partial_until=row.get("partial_until"),
            revision=row.get("revision"),
            reason=None
            if row["value"] is not None
            else (row.get("note") or self._("the value is not available in the sources")),
            lang=self.lang,
            **_keyed_value(row),
        )

    def missing(self, indicator: str, label: str | None = None, reason: str | None = None, **key) -> Figure:
        """A 'no data' figure with the reason."""
        meta = self.indicators.get(indicator)
        if reason is None:
            if meta is None:
                reason = self._("this indicator is not computed in this release")
            else:
                where = route(
                    (self.name(key[k]) for k in ("origin", "destination") if key.get(k)), self.lang
                ) or self.name(key.get("area"))
                reason = text(self._("no source in this release reports it for %(place)s"), place=where)
        return Figure(
            label=label or self.indicator_label(indicator),
            origin_kind="indicator",
            key=indicator,
            unit=(meta or {}).get("unit", ""),
            reason=reason,
            lang=self.lang,
            **{k: v for k, v in key.items() if k in {"area", "origin", "destination", "sex", "category", "year"}},
        )

    def series(self, indicator: str, label: str | None = None, **key) -> list[Figure]:
        """Every value of an indicator for a key, oldest first (values that are NULL are skipped)."""
        return [
            self.figure_of(indicator, row, label)
            for row in self.indicator_rows(indicator, **key)
            if row["value"] is not None
        ]

    def latest(self, indicator: str, label: str | None = None, **key) -> Figure:
        """The most recent non-missing value for a key, or a 'no data' Figure with the reason."""
        meta = self.indicators.get(indicator, {})
        if "age" not in key and meta.get("headline_age"):
            key = {**key, "age": meta["headline_age"]}
        rows = self.indicator_rows(indicator, **key)
        headline = meta.get("headline_category")
        if "category" not in key and headline:  # the declared headline (e.g. the recommended flow method)
            rows = [r for r in rows if r["category"] == headline]
        for column in ("category", "period"):
            if column not in key:  # prefer the all-categories value and the yearly value
                rows = [r for r in rows if r[column] == ""] or rows
        present = [r for r in rows if r["value"] is not None]
        # A partly covered period (deaths recorded to 30 April) is not a year's figure: the latest full one leads.
        present = [r for r in present if r.get("partial_until") is None] or present
        if present:
            best = max(present, key=lambda r: (r["year"], r["period"], r["category"] == ""))
            return self.figure_of(indicator, best, label)
        if rows:
            return self.figure_of(indicator, rows[-1], label)
        return self.missing(indicator, label, **key)

    def revision_changes(self, indicator: str, area: str, threshold: float = 0.02) -> list[tuple[Figure, Figure]]:
        """(latest, earlier edition) pairs of an area's both-sexes values that differ by more than `threshold`."""
        rows = self.rows(
            """SELECT r.*, v.value AS latest_value FROM indicator_value_revision r JOIN indicator_value v
                 ON v.indicator = r.indicator AND v.area = r.area AND v.year = r.year AND v.period = r.period
                AND v.sex = r.sex AND v.age = r.age AND v.category = r.category
               WHERE r.indicator = ? AND r.area = ? AND r.sex = 'total' AND r.age = 'total' AND r.category = ''
                 AND abs(v.value - r.value) > ? * abs(r.value) ORDER BY r.year, r.revision""",
            [indicator, area, threshold],
        )
        pairs = []
        for row in rows:
            latest = self.indicator_rows(indicator, area=area, year=row["year"], period=row["period"], category="")
            if latest:
                pairs.append(
                    (
                        self.figure_of(indicator, latest[0], None),
                        self.figure_of(indicator, row, f"revision {row['revision']}"),
                    )
                )
        return pairs

    def ranked(
        self,
        indicator: str,
        *,
        by: str,
        code: str,
        limit: int = 10,
        year: int | None = None,
        label_of=None,
        category: str = "",
        period: str = "",
    ) -> list[Figure]:
        """Corridor values of one end (`by` = 'origin' or 'destination'), latest year, largest first."""
        other = "destination" if by == "origin" else "origin"
        key = (
            f"indicator = ? AND {by} = ? AND sex = 'total' AND age = 'total' AND category = ? AND period = ? AND "
            "value IS NOT NULL "
            "AND partial_until IS NULL"
        )  # a partly covered period is not ranked against full ones
        params = [indicator, code, category, period]
        if year is None:
            years = self.rows(f"SELECT max(year) AS y FROM indicator_value WHERE {key}", params)
            year = years[0]["y"] if years else None
        if year is None:
            return []
        rows = self.rows(
            f"SELECT * FROM indicator_value WHERE {key} AND year = ? "
            f"AND {other} IN (SELECT code FROM area WHERE kind = 'country') "
            "ORDER BY value DESC, " + other + " LIMIT ?",
            [*params, year, limit],
        )
        return [self.figure_of(indicator, r, (label_of or self.name)(r[other])) for r in rows]

    # --- observations (context figures without an indicator) ---------------------------------------------

    def observation_rows(
        self,
        measure: str,
        *,
        area: str | None = None,
        origin: str | None = None,
        destination: str | None = None,
        sex: str = "total",
        age: str | None = "total",
        category: str | None = "",
    ) -> list[dict]:
        """Observations of a measure for a key, oldest first."""
        clauses, params = ["measure_id = ?", "sex = ?"], [measure, sex]
        for column, value in (
            ("area", area),
            ("origin", origin),
            ("destination", destination),
            ("age", age),
            ("category", category),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        return self.rows(f"SELECT * FROM observation WHERE {' AND '.join(clauses)} ORDER BY year, period", params)

    def observation_figure(self, measure: str, row: dict, label: str | None = None) -> Figure:
        info = self.measures.get(measure, {})
        return Figure(
            label=label or info.get("label", measure),
            origin_kind="observation",
            key=measure,
            unit=info.get("unit", ""),
            sources=(row["dataset_id"],),
            lang=self.lang,
            **_keyed_value(row),
        )

    def observation_latest(self, measure: str, label: str | None = None, **key) -> Figure:
        """The most recent observation of a context measure, or a 'no data' Figure."""
        present = [r for r in self.observation_rows(measure, **key) if r["value"] is not None]
        if present:
            return self.observation_figure(measure, max(present, key=lambda r: (r["year"], r["period"])), label)
        info = self.measures.get(measure, {})
        where = route((self.name(key[k]) for k in ("origin", "destination") if key.get(k)), self.lang) or self.name(
            key.get("area")
        )
        reason = (
            self._("this measure is not in this release")
            if not info
            else text(self._("%(dataset)s has no value for %(place)s"), dataset=info["dataset_id"], place=where)
        )
        return Figure(
            label=label or info.get("label", measure),
            origin_kind="observation",
            key=measure,
            unit=info.get("unit", ""),
            reason=reason,
            lang=self.lang,
            area=key.get("area"),
            origin=key.get("origin"),
            destination=key.get("destination"),
        )

    def observation_series(self, measure: str, label: str | None = None, **key) -> list[Figure]:
        return [
            self.observation_figure(measure, r, label)
            for r in self.observation_rows(measure, **key)
            if r["value"] is not None
        ]

    def observation_ranked(self, measure: str, *, by: str, code: str, limit: int = 10) -> list[Figure]:
        """Corridor observations of one end in their latest year, largest first (countries only)."""
        other = "destination" if by == "origin" else "origin"
        years = self.rows(
            f"SELECT max(year) AS y FROM observation WHERE measure_id = ? AND {by} = ? AND sex = 'total' "
            "AND value IS NOT NULL",
            [measure, code],
        )
        if not years or years[0]["y"] is None:
            return []
        rows = self.rows(
            f"SELECT * FROM observation WHERE measure_id = ? AND {by} = ? AND year = ? AND sex = 'total' AND age = "
            "'total' "
            f"AND category = '' AND value IS NOT NULL AND {other} IN (SELECT code FROM area WHERE kind = 'country') "
            f"ORDER BY value DESC, {other} LIMIT ?",
            [measure, code, years[0]["y"], limit],
        )
        return [self.observation_figure(measure, r, self.name(r[other])) for r in rows]

    def contributed_measures(self, area: str) -> list[dict]:
        """Measures of contributed (disclosure-controlled) datasets with a value for the area: id, label, dataset."""
        return self.rows(
            """SELECT DISTINCT m.id, m.label, m.dataset_id FROM measure m JOIN dataset d ON d.id = m.dataset_id
               WHERE d.note LIKE 'contributed by %' AND EXISTS (
                   SELECT 1 FROM observation o WHERE o.measure_id = m.id AND o.dataset_id = m.dataset_id AND o.area = ?)
               ORDER BY m.dataset_id, m.id""",
            [area],
        )

    def population_by_age(self, area: str) -> list[Figure]:
        """The latest single-year population by age and sex (female and male) of an area."""
        years = self.rows(
            "SELECT max(year) AS y FROM observation WHERE measure_id = 'population_by_age' AND area = ?", [area]
        )
        if not years or years[0]["y"] is None:
            return []
        rows = self.rows(
            "SELECT * FROM observation WHERE measure_id = 'population_by_age' AND area = ? AND year = ? "
            "AND sex IN ('female', 'male') AND category = '' ORDER BY sex, age",
            [area, years[0]["y"]],
        )
        return [self.observation_figure("population_by_age", r) for r in rows if r["value"] is not None]
