"""Eurostat SDMX-TSV extracts: labour-market rates by citizenship, education by birth, first permits by reason."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
import yaml

from observatory.sources.context import ParseContext
from observatory.sources.errors import SourceError

EU27_GEO, EU27_GROUP = "EU27_2020", "EU27"
SEX = {"F": "female", "M": "male", "T": "total"}
CITIZEN = {"NAT": "nationals", "EU27_2020_FOR": "other_eu27_citizens", "NEU27_2020_FOR": "non_eu27_citizens"}
BIRTH = {"NAT": "native_born", "EU27_2020_FOR": "born_in_other_eu27", "NEU27_2020_FOR": "born_outside_eu27"}
ISCED = {"ED0-2": "isced_0_2", "ED3_4": "isced_3_4", "ED5-8": "isced_5_8"}
REASON = {"EDUC": "education", "EMP": "employment", "FAM": "family", "OTH": "other"}
FLAGS = {
    "b": "break in time series",
    "c": "confidential",
    "d": "definition differs (see Eurostat metadata)",
    "e": "estimated",
    "p": "provisional",
    "u": "low reliability",
    "z": "not applicable",
}
CELL = re.compile(r"^(?P<value>:|\d+(?:\.\d+)?)\s*(?P<flags>[a-z]*)$")
AGE = re.compile(r"^Y(\d+)-(\d+)$")
LEVELS_TOLERANCE = 0.2  # percentage points: three shares each rounded to 0.1


@dataclass(frozen=True)
class Extract:
    """One SDMX-TSV file: its key dimensions and the values each fixed dimension must have."""

    measure: str
    dimensions: tuple[str, ...]
    fixed: dict[str, tuple[str, ...]]


EXTRACTS = {
    "estat_lfsa_ergan_filtered.tsv": Extract(
        "employment_rate_by_citizenship",
        ("freq", "unit", "sex", "age", "citizen", "geo"),
        {"freq": ("A",), "unit": ("PC",), "sex": tuple(SEX), "age": ("Y20-64",), "citizen": tuple(CITIZEN)},
    ),
    "estat_lfsa_urgan_filtered.tsv": Extract(
        "unemployment_rate_by_citizenship",
        ("freq", "unit", "sex", "age", "citizen", "geo"),
        {"freq": ("A",), "unit": ("PC",), "sex": tuple(SEX), "age": ("Y20-64",), "citizen": tuple(CITIZEN)},
    ),
    "estat_edat_lfs_9912_filtered1.tsv": Extract(
        "educational_attainment_by_birth",
        ("freq", "unit", "sex", "isced11", "c_birth", "age", "geo"),
        {"freq": ("A",), "unit": ("PC",), "sex": tuple(SEX), "isced11": tuple(ISCED), "c_birth": tuple(BIRTH)},
    ),
    "estat_migr_resfirst_filtered.tsv": Extract(
        "first_residence_permits",
        ("freq", "reason", "citizen", "duration", "unit", "geo"),
        {"freq": ("A",), "reason": (*REASON, "TOTAL"), "citizen": ("TOTAL",), "duration": ("TOTAL",), "unit": ("PER",)},
    ),
}


def read_sdmx_tsv(ctx: ParseContext, name: str, extract: Extract) -> pd.DataFrame:
    """One row per key × year with `value` (None for ':'), `flags`, `_file` and `_row` (the line in the file)."""
    label = ctx.label(name)
    header = ctx.decoded_text(name).lstrip("\ufeff").splitlines()[0].split("\t")
    key, years = header[0].strip(), [column.strip() for column in header[1:]]
    expected = ",".join(extract.dimensions) + "\\TIME_PERIOD"
    if key != expected:
        raise SourceError(label, f"expected the key column {expected!r}, found {key!r}", row=1, field=key)
    if not years or not all(year.isdigit() for year in years):
        raise SourceError(label, f"expected one column per year after the key, found {years}", row=1)
    frame = ctx.read_csv(name, columns={key: "VARCHAR", **{year: "VARCHAR" for year in years}}, delim="\t").df()
    parts = frame[key].str.split(",")
    bad = parts.str.len() != len(extract.dimensions)
    if bad.any():
        first = frame[bad].iloc[0]
        raise SourceError(
            label,
            f"key {first[key]!r} does not have {len(extract.dimensions)} parts",
            row=int(first["_row"]),
            field=key,
        )
    keys = pd.DataFrame(parts.tolist(), columns=list(extract.dimensions), index=frame.index)
    for dimension, allowed in extract.fixed.items():
        unexpected = ~keys[dimension].isin(allowed)
        if unexpected.any():
            row = frame[unexpected].iloc[0]
            raise SourceError(
                label,
                f"value {keys.loc[unexpected, dimension].iloc[0]!r} is not allowed in {dimension}; "
                f"expected one of {list(allowed)}",
                row=int(row["_row"]),
                field=key,
            )
    long = (
        pd.concat([keys, frame[["_file", "_row"]]], axis=1)
        .join(frame[years])
        .melt(id_vars=[*extract.dimensions, "_file", "_row"], value_vars=years, var_name="year", value_name="cell")
    )
    cells = long["cell"].fillna("").str.extract(CELL)
    unreadable = cells["value"].isna() | ~cells["flags"].fillna("").map(lambda flags: set(flags) <= set(FLAGS))
    if unreadable.any():
        first = long[unreadable].iloc[0]
        raise SourceError(
            label,
            f"value {first['cell']!r} is not a number or ':' followed by known flags",
            row=int(first["_row"]),
            field=first["year"],
        )
    long["year"] = long["year"].astype(int)
    long["value"] = pd.to_numeric(cells["value"].where(cells["value"] != ":"))
    long["flags"] = cells["flags"]
    missing = long["value"].isna()
    flagged = (missing & (long["flags"] != "")).sum()
    if missing.any():
        ctx.note(
            "not_available",
            f"{label}: {missing.sum()} cell(s) ':' (not available) give no row ({flagged} of them flagged, "
            "e.g. u = low reliability)",
            int(missing.sum()),
        )
    return long[~missing].drop(columns="cell").reset_index(drop=True)


def flag_note(flags: pd.Series) -> pd.Series:
    """Eurostat's flags in words, e.g. 'u: low reliability'; None where a value has no flag."""
    return flags.map(lambda text: "; ".join(f"{flag}: {FLAGS[flag]}" for flag in text) or None)


def _age(ctx: ParseContext, name: str, ages: pd.Series) -> pd.Series:
    bands = ages.str.extract(AGE)
    if bands[0].isna().any():
        raise SourceError(
            ctx.label(name), f"age {ages[bands[0].isna()].iloc[0]!r} is not a band like Y20-64", field="age"
        )
    return bands[0] + "-" + bands[1]


def _observations(
    long: pd.DataFrame, measure: str, category: pd.Series, age: pd.Series | str = "total"
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "measure_id": measure,
            "area": long["geo"],
            "year": long["year"],
            "sex": long.get("sex", pd.Series("T", index=long.index)).map(SEX),
            "age": age,
            "category": category,
            "value": long["value"],
            "note": flag_note(long["flags"]),
            "_file": long["_file"],
            "_row": long["_row"],
        }
    )


def parse(ctx: ParseContext):
    """The rates as published (EU27_2020 = group EU27); permits by reason after the TOTAL and EU-27 checks."""
    frames = []
    for name in ("estat_lfsa_ergan_filtered.tsv", "estat_lfsa_urgan_filtered.tsv"):
        extract = EXTRACTS[name]
        long = read_sdmx_tsv(ctx, name, extract)
        frames.append(_observations(long, extract.measure, long["citizen"].map(CITIZEN), _age(ctx, name, long["age"])))
    name = "estat_edat_lfs_9912_filtered1.tsv"
    long = read_sdmx_tsv(ctx, name, EXTRACTS[name])
    frames.append(
        _observations(
            long,
            EXTRACTS[name].measure,
            long["isced11"].map(ISCED) + ":" + long["c_birth"].map(BIRTH),
            _age(ctx, name, long["age"]),
        )
    )
    _check_levels_add_up(ctx, name, long)
    rates = pd.concat(frames, ignore_index=True)
    aggregate_rows = int((rates["area"] == EU27_GEO).sum())
    ctx.note(
        "eu27_aggregate",
        f"{aggregate_rows} published EU-27 rate(s) kept as the area reference's group {EU27_GROUP}",
        aggregate_rows,
    )
    return [
        ctx.relation_from_frame(rates, "migrant_integration_rates"),
        ctx.relation_from_frame(_permits(ctx), "first_permits"),
    ]


def _check_levels_add_up(ctx: ParseContext, name: str, long: pd.DataFrame) -> None:
    """Where all three ISCED levels of a group are published, they add up to 100 % (each share is rounded to 0.1)."""
    groups = long.groupby(["geo", "year", "sex", "age", "c_birth"])["value"].agg(["sum", "count"])
    complete = groups[groups["count"] == len(ISCED)]
    off = complete[(complete["sum"] - 100).abs() > LEVELS_TOLERANCE]
    if len(off):
        ctx.note(
            "levels_vs_100",
            f"{ctx.label(name)}: {len(off)} of {len(complete)} complete group(s) whose three ISCED shares "
            "do not add up "
            f"to 100 % ± {LEVELS_TOLERANCE} (e.g. {' '.join(map(str, off.index[0]))}: {off['sum'].iloc[0]:.1f} %)",
            len(off),
            "warning",
        )


def _permits(ctx: ParseContext) -> pd.DataFrame:
    """Permits by reason; the TOTAL rows and the EU-27 rows are checked against their parts, then left out."""
    name = "estat_migr_resfirst_filtered.tsv"
    long = read_sdmx_tsv(ctx, name, EXTRACTS[name])
    label = ctx.label(name)
    by_reason = long[long["reason"] != "TOTAL"]
    totals = long[long["reason"] == "TOTAL"].set_index(["geo", "year"])["value"]
    sums = by_reason.groupby(["geo", "year"])["value"].sum()
    gaps = (sums.reindex(totals.index) - totals).abs()
    for geo, year in gaps[gaps.isna() | (gaps > 0)].index:
        ctx.note(
            "reasons_vs_total",
            f"{label}: {geo} {year}: the four reasons add up to {sums.get((geo, year), 0):,.0f}, "
            f"the published TOTAL is {totals[(geo, year)]:,.0f}",
            1,
            "warning",
        )
    ctx.note(
        "totals_excluded",
        f"{label}: {len(totals)} TOTAL row(s) left out after checking that the four reasons add up to them",
        len(totals),
    )
    members = _eu27_member_geos(ctx)
    eu27 = by_reason[by_reason["geo"] == EU27_GEO].set_index(["reason", "year"])["value"]
    member_sums = by_reason[by_reason["geo"].isin(members)].groupby(["reason", "year"])["value"].sum()
    for (reason, year), published in eu27.items():
        if member_sums.get((reason, year), 0) != published:
            ctx.note(
                "eu27_vs_members",
                f"{label}: {reason} {year}: the {len(members)} member states add up to "
                f"{member_sums.get((reason, year), 0):,.0f}, the EU-27 row is {published:,.0f}",
                1,
                "warning",
            )
    ctx.note(
        "aggregates_excluded",
        f"{label}: {len(eu27)} EU-27 row(s) left out after checking them against the sum of the member states",
        len(eu27),
    )
    kept = by_reason[by_reason["geo"] != EU27_GEO].reset_index(drop=True)
    return _observations(kept, "first_residence_permits", kept["reason"].map(REASON))


def _eu27_member_geos(ctx: ParseContext) -> set[str]:
    """Eurostat geo codes of the area reference's EU27 members (ISO alpha-2, or this source's own codes such as EL)."""
    with (ctx.spec.folder / "countries.yml").open(encoding="utf-8") as handle:
        own_codes = {code: geo for geo, code in (yaml.safe_load(handle) or {}).items()}
    rows = ctx.con.execute(
        'SELECT a.code, a.iso2 FROM area_membership m JOIN area a ON a.code = m.area WHERE m."group" = ?', [EU27_GROUP]
    ).fetchall()
    if not rows:
        raise SourceError(
            ctx.label("estat_migr_resfirst_filtered.tsv"),
            f"the area reference has no {EU27_GROUP} group to check the EU-27 rows against",
        )
    return {own_codes.get(code, iso2) for code, iso2 in rows}
