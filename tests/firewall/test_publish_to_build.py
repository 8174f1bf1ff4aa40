"""End to end, for every frame shape: upload → aggregate → publish → build → value served with its provenance."""

from __future__ import annotations

import asyncio
import csv
import io
import itertools

import httpx
import pytest

from observatory.warehouse import releases

STOCK = "dest,orig,year,sex,stock\nFRA,DZA,2020,Male,800\nFRA,DZA,2020,Female,750\n"
DATASET = "shelters-fra"
ORG = "shelter-a"  # the organisation of the `people.shelter` contributor
# Frame shapes a steward can publish: (rules dimensions, by, filters).
SHAPES = {
    "sex-by-legal-status": (["sex", "legal_status"], ["sex", "legal_status"], {}),
    "by-month": (["month"], ["month"], {}),
    "nationality-by-sex": (["nationality", "sex"], ["nationality", "sex"], {}),
    "sex-by-month-of-refugees": (["sex", "month", "legal_status"], ["sex", "month"], {"legal_status": "refugee"}),
    "age-band-yearly-total": (["age_band"], [], {}),
}


def case_records() -> bytes:
    """138 synthetic people served in France in 2024 (nationalities of the test area reference; CIV is rare)."""
    nationalities = ["DZA"] * 60 + ["TUR"] * 45 + ["SDN"] * 30 + ["CIV"] * 3
    ages = itertools.cycle(["8", "19", "29", "41", "70"])
    statuses = itertools.cycle(["refugee", "asylum_seeker", "refugee", "undocumented"])
    services = itertools.cycle(["shelter", "legal_aid", "health"])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["nationality", "sex", "age", "legal_status", "service", "month"])
    for index, nationality in enumerate(nationalities):
        writer.writerow(
            [
                nationality,
                ("female", "male")[index % 2],
                next(ages),
                next(statuses),
                next(services),
                f"2024-{index % 12 + 1:02d}",
            ]
        )
    return buffer.getvalue().encode()


def api_get(settings, path: str, params: dict | None = None) -> httpx.Response:
    """One GET against the portal API of this home, in process over ASGI."""
    from observatory.api.app import create_app

    async def ask() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://portal") as client:
            return await client.get(path, params=params)

    return asyncio.run(ask())


@pytest.fixture
def world(tiny_world, settings):
    """The tiny warehouse world sharing its home with the vault (the build reads `<home>/contributed/`)."""
    assert tiny_world.settings.home == settings.home
    tiny_world.settings = settings.model_copy(update={"mirror": tiny_world.mirror})
    tiny_world.write("tiny/stock.csv", STOCK)
    return tiny_world


def publish(vault, people, shape: str) -> tuple[str, float]:
    """Set rules, upload, aggregate and publish one shape; the publication id and the released total."""
    dimensions, by, filters = SHAPES[shape]
    rules = {
        "country": "FRA",
        "year": 2024,
        "dimensions": dimensions,
        "max_dimensions": 3,
        "min_cell": 10,
        "rounding_base": 5,
    }
    vault.set_rules(people.steward, DATASET, rules)
    vault.grant(people.steward, DATASET, ORG, "owner")
    vault.upload(people.shelter, DATASET, "cases.csv", case_records())
    [total] = vault.aggregate(people.researcher, DATASET, by=[], filters=filters)["cells"]
    assert not total["suppressed"]
    pub_id = f"{DATASET}-{shape}"
    vault.publish(people.steward, DATASET, pub_id, by=by, filters=filters, title="People served in France")
    return pub_id, total["value"]


@pytest.mark.parametrize("shape", SHAPES)
def test_published_aggregate_reaches_the_release_and_the_api_with_its_provenance(world, vault, people, shape):
    pub_id, total = publish(vault, people, shape)
    report = world.build()
    assert report.datasets[pub_id] > 0
    _, con = releases.connect(world.settings)
    try:
        note, citation = con.execute("SELECT note, citation_full FROM dataset WHERE id = ?", [pub_id]).fetchall()[0]
        stored = con.execute(
            "SELECT value FROM observation WHERE dataset_id = ? AND origin IS NULL AND sex = 'total' "
            "AND age = 'total' AND period = '' AND category = ?",
            [pub_id, SHAPES[shape][2].get("legal_status", "")],
        ).fetchall()
    finally:
        con.close()
    provenance = f"contributed by {ORG}, disclosure-controlled ("
    assert note.startswith(provenance) and note.endswith(")") and note in citation
    assert stored == [(total,)]
    response = api_get(world.settings, "/api/observations", {"dataset": pub_id, "area": "FRA", "limit": 1000})
    assert response.status_code == 200, response.text
    body = response.json()
    key = ("origin", "sex", "age", "period")
    assert total in [r["value"] for r in body["data"] if tuple(r[k] for k in key) == (None, "total", "total", "")]
    assert [s["dataset"] for s in body["sources"]] == [pub_id]
    assert provenance in body["sources"][0]["citation"]
    dataset = api_get(world.settings, f"/api/datasets/{pub_id}").json()["dataset"]
    assert dataset["publisher"] == ORG and dataset["note"] == note


def test_monthly_publication_keeps_months_and_the_year_total(world, vault, people):
    pub_id, _ = publish(vault, people, "by-month")
    world.build()
    _, con = releases.connect(world.settings)
    try:
        periods = [
            row[0]
            for row in con.execute(
                "SELECT period FROM observation WHERE dataset_id = ? ORDER BY 1", [pub_id]
            ).fetchall()
        ]
    finally:
        con.close()
    assert periods == ["", *(f"2024-{m:02d}" for m in range(1, 13))]


def test_published_value_appears_in_the_country_profile(world, vault, people):
    from observatory.publish.data import ReleaseData
    from observatory.publish.profile import country_profile

    pub_id, _ = publish(vault, people, "sex-by-legal-status")
    world.build()
    data = ReleaseData.open(world.settings)
    try:
        document = country_profile(data, "FRA")
    finally:
        data.close()
    cited = document.meta.get("datasets", [])
    assert pub_id in [d["id"] for d in cited]
    assert any(f"contributed by {ORG}, disclosure-controlled (" in (d.get("note") or "") for d in cited)
