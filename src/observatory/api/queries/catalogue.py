"""Small release tables kept in memory per release: areas, memberships, datasets, measures, indicators, frameworks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from observatory.api.release_cache import ReleaseHandle
from observatory.api.safe_text import safe_url

GROUP_SCHEMES = (
    "continent",
    "un_region",
    "un_subregion",
    "sdg_region",
    "wb_income",
    "wb_region",
    "unhcr_region",
    "eu",
    "ldc",
    "lldc",
    "sids",
    "world",
)


@dataclass(frozen=True)
class Series:
    """An indicator or a raw measure: anything with values by area or corridor and year."""

    kind: str  # 'indicator' or 'measure'
    id: str
    title: str
    definition: str
    unit: str
    value_kind: str
    level: str
    note: str | None
    dataset_id: str | None = None
    sdg_indicator: str | None = None


def areas(handle: ReleaseHandle) -> dict[str, dict[str, Any]]:
    """Every area by code."""
    return handle.memo(
        ("areas",), lambda: {row["code"]: row for row in handle.rows("SELECT * FROM area ORDER BY name")}
    )


def countries(handle: ReleaseHandle) -> list[dict[str, Any]]:
    """Countries and territories, by name."""
    return [a for a in areas(handle).values() if a["kind"] == "country"]


def groups(handle: ReleaseHandle, scheme: str | None = None) -> list[dict[str, Any]]:
    """Groups (regions, income groups, ...), optionally of one scheme."""
    return [a for a in areas(handle).values() if a["kind"] == "group" and (scheme is None or a["scheme"] == scheme)]


def memberships(handle: ReleaseHandle) -> dict[str, dict[str, str]]:
    """area -> {scheme: group code}."""

    def load() -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for row in handle.rows('SELECT area, "group", scheme FROM area_membership ORDER BY area, scheme, "group"'):
            out.setdefault(row["area"], {}).setdefault(row["scheme"], row["group"])
        return out

    return handle.memo(("memberships",), load)


def members(handle: ReleaseHandle, group: str) -> list[str]:
    """Codes of the areas in a group."""
    return handle.memo(
        ("members", group),
        lambda: [
            r["area"] for r in handle.rows('SELECT area FROM area_membership WHERE "group" = ? ORDER BY area', [group])
        ],
    )


def datasets(handle: ReleaseHandle) -> dict[str, dict[str, Any]]:
    """Every dataset with its provenance, by id."""
    # Contributed datasets carry URLs a contributor typed: only http(s) links leave the API (no javascript: or data:).
    return handle.memo(
        ("datasets",),
        lambda: {
            r["id"]: {**r, "url_main": safe_url(r.get("url_main"))}
            for r in handle.rows("SELECT * FROM dataset ORDER BY id")
        },
    )


def release_info(handle: ReleaseHandle) -> dict[str, Any]:
    """The release row (id, created_at, code_version, ...)."""

    def load() -> dict[str, Any]:
        rows = handle.rows("SELECT * FROM release_info")
        info = rows[0] if rows else {"release_id": handle.release_id}
        return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in info.items()}

    return handle.memo(("release_info",), load)


def measures(handle: ReleaseHandle) -> dict[str, dict[str, Any]]:
    """Every measure by id (for a measure several sources give, the declaration of the preferred one)."""
    return handle.memo(
        ("measures",), lambda: {r["id"]: r for r in handle.rows("SELECT * FROM measure ORDER BY id, preferred")}
    )


def indicators(handle: ReleaseHandle) -> dict[str, dict[str, Any]]:
    """Every indicator by id, with its framework tags and whether it has values."""

    def load() -> dict[str, dict[str, Any]]:
        tags: dict[str, list[dict[str, str]]] = {}
        for row in handle.rows("SELECT indicator, framework, code FROM indicator_framework ORDER BY framework, code"):
            tags.setdefault(row["indicator"], []).append({"framework": row["framework"], "code": row["code"]})
        counts = {
            r["indicator"]: r
            for r in handle.rows(
                "SELECT indicator, count(*) AS n_values, min(year) AS first_year, max(year) AS last_year FROM "
                "indicator_value GROUP BY indicator"
            )
        }
        out = {}
        for row in handle.rows("SELECT * FROM indicator ORDER BY id"):
            stats = counts.get(row["id"], {})
            out[row["id"]] = {
                **row,
                "frameworks": tags.get(row["id"], []),
                "n_values": stats.get("n_values", 0),
                "first_year": stats.get("first_year"),
                "last_year": stats.get("last_year"),
            }
        return out

    return handle.memo(("indicators",), load)


def framework_objectives(handle: ReleaseHandle) -> list[dict[str, Any]]:
    """Framework objectives (GCM, GCR, SDG) with the indicators tagged to each."""

    def load() -> list[dict[str, Any]]:
        tagged: dict[tuple[str, str], list[str]] = {}
        for ind_id, ind in indicators(handle).items():
            for tag in ind["frameworks"]:
                tagged.setdefault((tag["framework"], tag["code"]), []).append(ind_id)
        rows = handle.rows("SELECT * FROM framework_objective")
        rows.sort(
            key=lambda r: (
                r["framework"],
                [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in r["code"].replace(".", " ").split()],
            )
        )
        return [{**r, "indicators": tagged.get((r["framework"], r["code"]), [])} for r in rows]

    return handle.memo(("framework_objectives",), load)


def find_series(handle: ReleaseHandle, series_id: str) -> Series | None:
    """The indicator with this id, else the measure with this id, else None."""
    ind = indicators(handle).get(series_id)
    if ind is not None:
        return Series(
            "indicator",
            ind["id"],
            ind["title"],
            ind["definition"],
            ind["unit"],
            ind["kind"],
            ind["level"],
            ind.get("note"),
            sdg_indicator=ind.get("sdg_indicator"),
        )
    mea = measures(handle).get(series_id)
    if mea is not None:
        return Series(
            "measure",
            mea["id"],
            mea["label"],
            mea["definition"],
            mea["unit"],
            mea["kind"],
            mea["level"],
            None,
            dataset_id=mea["dataset_id"],
        )
    return None


def indicator_has_values(handle: ReleaseHandle, indicator_id: str) -> bool:
    """True when the release holds at least one value of the indicator."""
    return indicators(handle).get(indicator_id, {}).get("n_values", 0) > 0


def cite(handle: ReleaseHandle, dataset_ids: list[str] | set[str]) -> list[dict[str, Any]]:
    """Provenance of the named datasets: publisher, title, version, licence, citation, URL."""
    known = datasets(handle)
    out = []
    for dataset_id in sorted(set(dataset_ids)):
        ds = known.get(dataset_id)
        if ds is None:
            continue
        out.append(
            {
                "dataset": ds["id"],
                "title": ds["title"],
                "publisher": ds["publisher"],
                "version": ds["version_producer"],
                "licence": ds["licence"],
                "citation": ds["citation_full"],
                "url": ds["url_main"],
            }
        )
    return out


def area_label(handle: ReleaseHandle, code: str | None) -> str:
    """The display name of an area code (the code itself if unknown)."""
    if code is None:
        return ""
    area = areas(handle).get(code)
    return (area.get("short_name") or area["name"]) if area else code
