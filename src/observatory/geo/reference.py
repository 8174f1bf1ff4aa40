"""Builds the area reference (areas, group memberships, aliases) from the reference tables and the YAML declarations."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

HERE = Path(__file__).parent
WORLD = "WLD"


@dataclass(frozen=True)
class AreaReference:
    (
        """`area` (code, m49, iso2, name, short_name, kind, scheme, note), `membership` (area, group, scheme), """
        """`alias` """
        """(alias, code, scheme, origin)."""
    )

    area: pd.DataFrame
    membership: pd.DataFrame
    alias: pd.DataFrame


def _slug(name: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")


def _load_yaml(name: str):
    with (HERE / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _continent(row: pd.Series) -> str | None:
    if row["region"] == "Americas":
        return "Northern America" if row["subregion"] == "Northern America" else "Latin America and the Caribbean"
    return row["region"]


def build_area_reference(tables: dict[str, pd.DataFrame]) -> AreaReference:
    """Areas from UN M49 (IOM GDI table), groups from M49, SDG, World Bank and UNHCR tables, plus declared specials."""
    names = tables["countrynames"].copy()
    special = _load_yaml("special_areas.yml")
    special_codes = {entry["code"] for entry in special}
    names = names[~names["iso3"].isin(special_codes | {"OOO", "STL"})]
    names["continent"] = names.apply(_continent, axis=1)
    countries = pd.DataFrame(
        {
            "code": names["iso3"],
            "m49": names["m49"].astype("Int64"),
            "iso2": names["iso2"],
            "name": names["name"],
            "short_name": names["name_text"],
            "kind": "country",
            "scheme": None,
            "note": None,
        }
    )
    specials = pd.DataFrame(
        [
            {
                "code": e["code"],
                "m49": e.get("m49"),
                "iso2": None,
                "name": e["name"],
                "short_name": e["name"],
                "kind": e["kind"],
                "scheme": None,
                "note": e.get("note"),
            }
            for e in special
        ]
    ).astype({"m49": "Int64"})

    tables = {**tables, "countrynames": names}
    groups, memberships = (
        [
            {
                "code": WORLD,
                "m49": 1,
                "iso2": None,
                "name": "World",
                "short_name": "World",
                "kind": "group",
                "scheme": "world",
                "note": None,
            }
        ],
        [],
    )
    country_codes = set(countries["code"])
    memberships += [{"area": code, "group": WORLD, "scheme": "world"} for code in sorted(country_codes)]
    for scheme in _load_yaml("groups.yml"):
        table = tables[scheme["table"]]
        key = (
            "iso3"
            if "iso3" in table.columns
            else (
                "iso3c"
                if "iso3c" in table.columns
                else ("country_code" if "country_code" in table.columns else "iso_code")
            )
        )
        table = table[table[key].isin(country_codes)]
        if "flag" in scheme:
            members = table.loc[table[scheme["flag"]].fillna(0).astype(float) == 1, key]
            groups.append(
                {
                    "code": scheme["code"],
                    "m49": None,
                    "iso2": None,
                    "name": scheme["label"],
                    "short_name": scheme["code"],
                    "kind": "group",
                    "scheme": scheme["scheme"],
                    "note": None,
                }
            )
            memberships += [{"area": code, "group": scheme["code"], "scheme": scheme["scheme"]} for code in members]
            continue
        for group_name, block in table.dropna(subset=[scheme["column"]]).groupby(scheme["column"]):
            code = f"{scheme['prefix']}_{_slug(group_name)}"
            groups.append(
                {
                    "code": code,
                    "m49": None,
                    "iso2": None,
                    "name": group_name,
                    "short_name": group_name,
                    "kind": "group",
                    "scheme": scheme["scheme"],
                    "note": scheme["label"],
                }
            )
            memberships += [{"area": member, "group": code, "scheme": scheme["scheme"]} for member in block[key]]
    for entry in special:
        if entry.get("in_world"):
            memberships.append({"area": entry["code"], "group": WORLD, "scheme": "world"})
        if "groups_like" in entry:
            template = [m for m in memberships if m["area"] == entry["groups_like"]]
            if not template:
                raise ValueError(
                    f"special area {entry['code']}: groups_like {entry['groups_like']!r} is not a country with groups"
                )
            memberships += [{**m, "area": entry["code"]} for m in template]
    group_frame = pd.DataFrame(groups).astype({"m49": "Int64"})
    # M49 codes of UN regions and sub-regions let published aggregates (e.g. UN DESA tables) resolve to groups.
    for level, code_column in (
        ("un_region", "region_code"),
        ("un_subregion", "subregion_code"),
        ("un_intregion", "intregion_code"),
    ):
        name_column = {"un_region": "region", "un_subregion": "subregion", "un_intregion": "intregion"}[level]
        pairs = names[[name_column, code_column]].dropna().drop_duplicates()
        prefix = {"un_region": "UNR", "un_subregion": "UNS", "un_intregion": "UNI"}[level]
        for group_name, m49 in pairs.itertuples(index=False):
            group_frame.loc[group_frame["code"] == f"{prefix}_{_slug(group_name)}", "m49"] = int(m49)

    area = pd.concat([countries, specials, group_frame], ignore_index=True)
    duplicated = area["code"][area["code"].duplicated()]
    if not duplicated.empty:
        raise ValueError(f"area codes declared twice: {sorted(set(duplicated))}")
    membership = pd.DataFrame(memberships).drop_duplicates()
    return AreaReference(area=area, membership=membership, alias=_aliases(tables, area, special))


def _aliases(tables: dict[str, pd.DataFrame], area: pd.DataFrame, special: list[dict]) -> pd.DataFrame:
    """Every name and foreign code known for an area, with the table it came from."""
    rows: list[tuple[str, str, str, str]] = []  # alias, code, scheme, origin
    valid = set(area["code"])

    def add(values, codes, scheme, origin):
        for value, code in zip(values, codes, strict=True):
            if isinstance(value, str) and value.strip() and code in valid:
                rows.append((value.strip(), code, scheme, origin))

    names = tables["countrynames"]
    for column in ("name", "name_sort", "name_text"):
        add(names[column], names["iso3"], "name", "UN M49 (IOM GDI countrynames)")
    dict_ims = tables["dict_ims"]
    add(dict_ims["name"], dict_ims["iso3c"], "name", "migest dict_ims")
    add(dict_ims["name_short"], dict_ims["iso3c"], "name", "migest dict_ims")
    wb = tables["countryclass"]
    add(wb["economy"], wb["country_code"], "name", "World Bank CLASS")
    unhcr = tables["unhcr_countries"].dropna(subset=["iso_code"])
    unhcr_iso = unhcr["iso_code"].replace({"XXX": "UNK", "XXA": "STL"})
    add(unhcr["name"], unhcr_iso, "name", "UNHCR countries")
    add(unhcr["unhcr_code"], unhcr_iso, "unhcr", "UNHCR countries")
    # UNHCR codes that have no ISO counterpart in its table (Tibetans) are codes of the special areas.
    rows += [
        ("TIB", "TIB", "unhcr", "UNHCR countries"),
        ("UKN", "UNK", "unhcr", "UNHCR countries"),
        ("STA", "STL", "unhcr", "UNHCR countries"),
    ]
    wb_meta = tables.get("wb_metadata")
    if wb_meta is not None:
        add(wb_meta["TableName"], wb_meta["Country Code"], "name", "World Bank WDI metadata")
    for code, spellings in _load_yaml("aliases.yml").items():
        add(spellings, [code] * len(spellings), "name", "observatory aliases.yml")
    for entry in special:
        for alias in entry.get("aliases", []):
            scheme = "code" if re.fullmatch(r"[A-Z]{2,3}", alias) else "name"
            rows.append((alias, entry["code"], scheme, "observatory special_areas.yml"))
        rows.append((entry["name"], entry["code"], "name", "observatory special_areas.yml"))
    return pd.DataFrame(rows, columns=["alias", "code", "scheme", "origin"]).drop_duplicates(
        ["alias", "code", "scheme"]
    )
