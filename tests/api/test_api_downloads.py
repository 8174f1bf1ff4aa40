"""Downloads (CSV, Parquet, Excel) are whole, in a stable order, typed by a fixed schema and carry their sources."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

RELEASE = "r20260101T000000Z"
WHOLE = 30_000


@pytest.fixture
def client(synthetic_server):
    with httpx.Client(base_url=synthetic_server, timeout=60) as http:
        yield http


def _parquet(response: httpx.Response) -> pa.Table:
    assert response.status_code == 200, response.text
    return pq.read_table(io.BytesIO(response.content))


def _csv_rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


def test_two_parquet_downloads_of_one_endpoint_concatenate(client):
    url = "/api/indicators/migrant_stock/values"
    country = _parquet(client.get(url, params={"area": "FRA", "format": "parquet"}))
    world = _parquet(client.get(url, params={"area": "WLD", "format": "parquet"}))
    # FRA has no coverage, bounds or origin at all (all-empty columns); WLD has a coverage: one declared schema.
    assert country.column("coverage").null_count == country.num_rows > 0
    assert world.column("coverage").to_pylist() == [0.9]
    assert country.schema.remove_metadata() == world.schema.remove_metadata()
    assert not [f.name for f in country.schema if pa.types.is_null(f.type)]
    assert country.schema.field("coverage").type == pa.float64()
    assert country.schema.field("year").type == pa.int32()
    assert country.schema.field("sources").type == pa.list_(pa.string())
    both = pa.concat_tables([country, world])
    assert both.num_rows == country.num_rows + world.num_rows
    frame = pd.concat([country.to_pandas(), world.to_pandas()], ignore_index=True)
    assert len(frame) == both.num_rows and frame["coverage"].dtype == "float64"


def test_an_empty_download_keeps_the_schema(client):
    url = "/api/indicators/migrant_stock/values"
    empty = _parquet(client.get(url, params={"area": "FRA", "year": 1990, "format": "parquet"}))
    full = _parquet(client.get(url, params={"area": "FRA", "format": "parquet"}))
    assert empty.num_rows == 0 and empty.schema.remove_metadata() == full.schema.remove_metadata()


def test_downloads_name_release_counts_and_sources(client):
    params = {"origin": "MAR", "format": "parquet"}
    response = client.get("/api/indicators/corridor_stock/values", params=params)
    table = _parquet(response)
    metadata = table.schema.metadata
    assert metadata[b"observatory.release"] == RELEASE.encode()
    assert int(metadata[b"observatory.total_count"]) == table.num_rows == int(response.headers["x-total-count"])
    assert [s["dataset"] for s in json.loads(metadata[b"observatory.sources"])] == ["tiny_stock"]
    text = client.get("/api/indicators/corridor_stock/values", params={**params, "format": "csv"})
    assert text.headers["x-total-count"] == text.headers["x-row-count"] == str(table.num_rows)
    assert text.headers["x-observatory-sources"] == "tiny_stock"
    assert '</api/datasets/tiny_stock>; rel="describedby"' in text.headers["link"]
    book = load_workbook(
        io.BytesIO(client.get("/api/indicators/corridor_stock/values", params={**params, "format": "xlsx"}).content)
    )
    about = {row[0]: row[1] for row in book["sources"].iter_rows(values_only=True) if row and row[0]}
    assert about["release"] == RELEASE and about["rows"] == about["total"] == table.num_rows
    assert "tiny_stock" in about


@pytest.mark.parametrize(
    "url",
    [
        "/api/corridors?destination=FRA",
        "/api/indicators",
        "/api/measures",
        "/api/datasets",
        "/api/observations?origin=MAR",
        "/api/corridors/MAR/FRA",
    ],
)
def test_every_download_carries_its_sources(client, url):
    for fmt in ("csv", "parquet"):
        response = client.get(f"{url}{'&' if '?' in url else '?'}format={fmt}")
        assert response.status_code == 200, (url, fmt)
        assert response.headers["x-observatory-sources"], (url, fmt)
    table = _parquet(client.get(f"{url}{'&' if '?' in url else '?'}format=parquet"))
    assert json.loads(table.schema.metadata[b"observatory.sources"]), url
    assert not [f.name for f in table.schema if pa.types.is_null(f.type)], url


def test_explicit_pages_link_to_the_next_and_say_the_total(client):
    url = "/api/indicators/corridor_stock/values"
    first = client.get(url, params={"origin": "MAR", "format": "csv", "limit": 2})
    assert first.headers["x-total-count"] == "9" and first.headers["x-row-count"] == "2"
    assert len(_csv_rows(first)) == 2 and 'rel="next"' in first.headers["link"]
    whole = _csv_rows(client.get(url, params={"origin": "MAR", "format": "csv"}))
    pages = []
    offset = 0
    while offset < len(whole):
        pages += _csv_rows(client.get(url, params={"origin": "MAR", "format": "csv", "limit": 2, "offset": offset}))
        offset += 2
    assert pages == whole and len(whole) == 9


def test_downloads_come_in_the_same_order_each_time(client):
    for url in ("/api/indicators/corridor_stock/values?format=csv", "/api/observations?origin=MAR&format=csv"):
        assert client.get(url).content == client.get(url).content, url
    rows = _csv_rows(client.get("/api/indicators/corridor_stock/values?format=csv"))
    keys = [(int(r["year"]), r["origin"], r["destination"], r["sex"]) for r in rows]
    assert keys == sorted(keys)


# The real release: a selection of more than 30,000 rows comes back whole.


@pytest.fixture(scope="module")
def real(real_server):
    with httpx.Client(base_url=real_server, timeout=600) as http:
        yield http


@pytest.fixture(scope="module")
def large_year(con) -> tuple[int, int]:
    """The first of the last two corridor stock years (a selection of more than WHOLE rows), and its row count."""
    years = [
        y
        for (y,) in con.execute(
            "SELECT DISTINCT year FROM indicator_value WHERE indicator = 'corridor_stock' ORDER BY year DESC LIMIT 2"
        ).fetchall()
    ]
    year_from = min(years)
    count = con.execute(
        "SELECT count(*) FROM indicator_value WHERE indicator = 'corridor_stock' AND year >= ?", [year_from]
    ).fetchone()[0]
    assert count > WHOLE, "the release's last two corridor stock years hold no more than 30,000 rows"
    return year_from, count


def test_a_large_csv_download_is_whole(real, large_year):
    year, count = large_year
    response = real.get("/api/indicators/corridor_stock/values", params={"year_from": year, "format": "csv"})
    rows = _csv_rows(response)
    assert len(rows) == count > WHOLE and response.headers["x-total-count"] == str(count)
    assert "link" not in response.headers or 'rel="next"' not in response.headers["link"]
    assert min(int(r["year"]) for r in rows) == year


def test_a_large_parquet_download_is_whole_stable_and_concatenates(real, large_year):
    year, count = large_year
    url = "/api/indicators/corridor_stock/values"
    first = _parquet(real.get(url, params={"year_from": year, "format": "parquet"}))
    again = _parquet(real.get(url, params={"year_from": year, "format": "parquet"}))
    assert first.num_rows == count and first.equals(again)
    assert int(first.schema.metadata[b"observatory.total_count"]) == count
    assert json.loads(first.schema.metadata[b"observatory.sources"])
    other = _parquet(real.get(url, params={"year_from": year, "origin": "MEX", "sex": "total", "format": "parquet"}))
    assert 0 < other.num_rows < count
    assert pa.concat_tables([first, other]).num_rows == count + other.num_rows


def test_the_area_download_cites_the_area_reference(real):
    response = real.get("/api/areas", params={"format": "csv"})
    assert response.status_code == 200 and "area_reference" in response.headers["x-observatory-sources"].split(",")
    assert int(response.headers["x-total-count"]) == len(_csv_rows(response)) > 200
