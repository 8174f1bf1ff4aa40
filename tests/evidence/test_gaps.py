"""Knowledge-gap map: coverage per million migrants, emptiest first, SVG without a browser."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from observatory.evidence.gaps import gap_map, migrant_stock_by_country, render_svg

REGIONS = pd.DataFrame(
    {
        "iso3": ["DEU", "MEX", "USA", "BGD", "MMR", "ITA", "LBY", "SDN", "ERI"],
        "region": ["Europe", "Americas", "Americas", "Asia", "Asia", "Europe", "Africa", "Africa", "Africa"],
        "subregion": [
            "Western Europe",
            "Latin America and the Caribbean",
            "Northern America",
            "Southern Asia",
            "South-eastern Asia",
            "Southern Europe",
            "Northern Africa",
            "Northern Africa",
            "Sub-Saharan Africa",
        ],
    }
)
STOCK = pd.DataFrame(
    {
        "iso3": ["DEU", "MEX", "USA", "BGD", "MMR", "ITA", "LBY", "SDN", "ERI"],
        "migrants": [15e6, 1e6, 50e6, 2e6, 0.1e6, 6e6, 0.8e6, 1.4e6, 0.01e6],
    }
)


def test_region_gap_map_normalised_and_sorted(small_store) -> None:
    table = gap_map("region", store=small_store, stock=STOCK, regions=REGIONS)
    assert list(table.columns) == ["theme", "col", "records", "migrants", "per_million_migrants"]
    assert len(table) == 20 * REGIONS["subregion"].nunique()
    values = table["per_million_migrants"].tolist()
    assert values == sorted(values)
    empty_first = table.iloc[0]
    assert empty_first["records"] == 0 and empty_first["migrants"] == 50e6  # biggest population with no evidence
    health_west = table[(table["theme"] == "health") & (table["col"] == "Western Europe")].iloc[0]
    assert health_west["records"] == 1 and health_west["per_million_migrants"] == pytest.approx(1 / 15, abs=1e-3)


def test_gcm_and_theme_views_and_svg(small_store) -> None:
    gcm = gap_map("gcm", store=small_store, stock=STOCK, regions=REGIONS)
    assert gcm["col"].nunique() == 23
    remit = gcm[(gcm["theme"] == "remittances_development") & gcm["col"].str.startswith("GCM 20")]
    assert remit["records"].iloc[0] == 1
    themes = gap_map("theme", store=small_store, stock=STOCK)
    assert len(themes) == 20 and themes.iloc[0]["records"] <= themes.iloc[-1]["records"]
    svg = render_svg(gap_map("region", store=small_store, stock=STOCK, regions=REGIONS))
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg") and len(root.findall("{http://www.w3.org/2000/svg}rect")) == len(
        gap_map("region", store=small_store, stock=STOCK, regions=REGIONS)
    )
    with pytest.raises(ValueError, match="^by must be 'region', 'gcm' or 'theme'$"):
        gap_map("continent", store=small_store, stock=STOCK)


@pytest.mark.mirror
def test_migrant_stock_from_mirror(mirror: Path) -> None:
    stock = migrant_stock_by_country(mirror)
    usa = stock.loc[stock["iso3"] == "USA", "migrants"].iloc[0]
    assert 45e6 < usa < 55e6  # UN DESA 2020: about 50.6 million
    assert 250e6 < stock["migrants"].sum() < 300e6  # world total about 281 million
