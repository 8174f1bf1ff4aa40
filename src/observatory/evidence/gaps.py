"""Knowledge-gap map: evidence coverage of themes x regions and themes x GCM objectives, normalised by migrants."""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

import pandas as pd

from observatory.evidence.records import load_vocab, theme_ids
from observatory.evidence.store import EvidenceStore
from observatory.settings import get_settings

STOCK_FILE = "undesa_ims_2020_bilateral/ims2020_bilateral_stock_by_sex.csv"
REGIONS_FILE = "iom_gdi_gdiviz/countrynames.csv"


def migrant_stock_by_country(mirror: Path | None = None, year: int | None = None) -> pd.DataFrame:
    """International migrants by destination country (iso3, migrants), Male + Female, UN DESA IMS 2020."""
    mirror = mirror or get_settings().raw_dir()
    frame = pd.read_csv(Path(mirror) / STOCK_FILE, usecols=["dest", "year", "sex", "stock"])
    frame = frame[frame["sex"].isin(["Male", "Female"])]
    year = year or int(frame["year"].max())
    totals = frame[frame["year"] == year].groupby("dest", as_index=False)["stock"].sum()
    return totals.rename(columns={"dest": "iso3", "stock": "migrants"})


def country_regions(mirror: Path | None = None) -> pd.DataFrame:
    """iso3 -> region and subregion (UN M49 as in the IOM GDI country list)."""
    mirror = mirror or get_settings().raw_dir()
    frame = pd.read_csv(Path(mirror) / REGIONS_FILE, usecols=["iso3", "region", "subregion"])
    return frame.dropna(subset=["iso3", "subregion"])


def _record_regions(labels: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """(record_id, subregion) pairs from country, corridor-end and region labels."""
    to_sub = dict(zip(regions["iso3"], regions["subregion"], strict=True))
    subs_of_region = regions.groupby("region")["subregion"].unique().to_dict()
    known_subs = set(regions["subregion"])
    pairs = []
    for rid, kind, value in labels[["record_id", "kind", "value"]].itertuples(index=False):
        if kind == "area" and value in to_sub:
            pairs.append((rid, to_sub[value]))
        elif kind == "corridor":
            pairs.extend((rid, to_sub[end]) for end in value.split("-") if end in to_sub)
        elif kind == "region":
            if value in known_subs:
                pairs.append((rid, value))
            elif value in subs_of_region:
                pairs.extend((rid, s) for s in subs_of_region[value])
    return pd.DataFrame(pairs, columns=["record_id", "col"]).drop_duplicates()


def gap_map(
    by: str = "region",
    store: EvidenceStore | None = None,
    stock: pd.DataFrame | None = None,
    regions: pd.DataFrame | None = None,
    mirror: Path | None = None,
) -> pd.DataFrame:
    """Coverage table, emptiest cells first: columns theme, col, records, migrants, per_million_migrants."""
    if by not in ("region", "gcm", "theme"):
        raise ValueError("by must be 'region', 'gcm' or 'theme'")
    store = store or EvidenceStore()
    labels = store.labels_frame("public")
    stock = stock if stock is not None else migrant_stock_by_country(mirror)
    themes = (
        labels[labels["kind"] == "theme"][["record_id", "value"]].rename(columns={"value": "theme"}).drop_duplicates()
    )
    world = float(stock["migrants"].sum())
    if by == "region":
        regions = regions if regions is not None else country_regions(mirror)
        cols = _record_regions(labels, regions)
        merged = stock.merge(regions, on="iso3")
        denominators = merged.groupby("subregion")["migrants"].sum().to_dict()
        col_values = sorted(regions["subregion"].unique())
    elif by == "gcm":
        cols = labels[labels["kind"] == "gcm"][["record_id", "value"]].rename(columns={"value": "col"})
        titles = load_gcm_titles()
        cols = cols.assign(col=cols["col"].map(lambda v: f"GCM {int(v):02d} {titles.get(int(v), '')}".strip()))
        col_values = [f"GCM {n:02d} {titles.get(n, '')}".strip() for n in range(1, 24)]
        denominators = dict.fromkeys(col_values, world)
    else:
        cols = themes[["record_id"]].assign(col="all")
        col_values, denominators = ["all"], {"all": world}
    joined = themes.merge(cols, on="record_id")
    counts = joined.groupby(["theme", "col"])["record_id"].nunique()
    grid = pd.MultiIndex.from_product([theme_ids(), col_values], names=["theme", "col"])
    table = counts.reindex(grid, fill_value=0).rename("records").reset_index()
    table["migrants"] = table["col"].map(denominators).fillna(0.0)
    table["per_million_migrants"] = [
        round(r / (m / 1e6), 3) if m > 0 else math.nan for r, m in zip(table["records"], table["migrants"], strict=True)
    ]
    return table.sort_values(
        ["per_million_migrants", "records", "migrants"],
        ascending=[True, True, False],
        na_position="last",
        kind="stable",
    ).reset_index(drop=True)


def load_gcm_titles(mirror: Path | None = None) -> dict[int, str]:
    """GCM objective number -> short name, from the mirror if present, else bare numbers."""
    path = Path(mirror or get_settings().raw_dir()) / "global_compacts" / "gcm_objectives.csv"
    if not path.exists():
        return {}
    frame = pd.read_csv(path)
    return dict(zip(frame["objective_no"].astype(int), frame["short_name"], strict=True))


def _colour(value: float, top: float) -> str:
    """White-to-blue fill on a log scale; grey for cells without a denominator."""
    if value != value:
        return "#dddddd"
    share = math.log1p(value) / math.log1p(top) if top > 0 else 0.0
    r, g, b = (int(255 - share * (255 - c)) for c in (8, 69, 148))
    return f"#{r:02x}{g:02x}{b:02x}"


def _short(count: int) -> str:
    """Compact cell text: 950, 2.7k, 28k."""
    if count >= 10_000:
        return f"{count // 1000}k"
    if count >= 1_000:
        return f"{count / 1000:.1f}k"
    return str(count)


def render_svg(table: pd.DataFrame, title: str = "Evidence coverage per million migrants") -> str:
    """Heat map of the gap table as a standalone SVG (no browser needed): cells show record counts."""
    label_of = {t["id"]: t["label"] for t in load_vocab("themes.yml")["themes"]}
    rows = [t for t in theme_ids() if t in set(table["theme"])]
    cols = list(dict.fromkeys(table.sort_values("col")["col"]))
    cell, left, top_margin = 34, 190, 240
    width, height = left + cell * len(cols) + 150, top_margin + cell * len(rows) + 40
    top_value = float(table["per_million_migrants"].max(skipna=True) or 0.0)
    lookup = {(r.theme, r.col): r for r in table.itertuples(index=False)}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
        'font-size="11">',
        f'<text x="10" y="20" font-size="14" font-weight="bold">{escape(title)}</text>',
        '<text x="10" y="38" fill="#555">cell = records; colour = records per million migrants (log); grey = no '
        "migrant figure</text>",
    ]
    for j, col in enumerate(cols):
        x = left + j * cell + cell / 2
        out.append(f'<text transform="translate({x:.0f},{top_margin - 6}) rotate(-60)">{escape(str(col)[:34])}</text>')
    for i, theme in enumerate(rows):
        y = top_margin + i * cell
        out.append(
            f'<text x="{left - 6}" y="{y + cell / 2 + 4:.0f}" '
            f'text-anchor="end">{escape(label_of.get(theme, theme))}</text>'
        )
        for j, col in enumerate(cols):
            r = lookup.get((theme, col))
            value = r.per_million_migrants if r is not None else math.nan
            count = r.records if r is not None else 0
            x = left + j * cell
            tip = f"{label_of.get(theme, theme)} x {col}: {count} records, {value} per million migrants"
            out.append(
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{_colour(value, top_value)}">'
                f"<title>{escape(tip)}</title></rect>"
            )
            fill = (
                "#ffffff"
                if value == value and top_value and math.log1p(value) / math.log1p(top_value) > 0.6
                else "#000000"
            )
            out.append(
                f'<text x="{x + cell / 2 - 1:.0f}" y="{y + cell / 2 + 4:.0f}" text-anchor="middle" '
                f'fill="{fill}">{_short(count)}</text>'
            )
    out.append("</svg>")
    return "\n".join(out) + "\n"
