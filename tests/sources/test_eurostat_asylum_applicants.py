"""Eurostat first-time asylum applicants by citizenship from the mirror: counted exclusions, EU-28 2015 total, exact names."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from observatory.settings import Settings
from observatory.sources.registry import get_spec
from observatory.warehouse import releases
from observatory.warehouse.build import build_release

SOURCE = "eurostat_asylum_applicants"
pytestmark = pytest.mark.mirror


@pytest.fixture(scope="module")
def mirror() -> Path:
    if not os.environ.get("OBSERVATORY_MIRROR"):
        pytest.skip("OBSERVATORY_MIRROR is not set; this test reads the real files from the data mirror")
    return Path(os.environ["OBSERVATORY_MIRROR"])


@pytest.fixture(scope="module")
def release(tmp_path_factory, mirror):
    """A release holding only the area reference and this source, and a read-only connection to it."""
    settings = Settings(home=tmp_path_factory.mktemp("home"), mirror=mirror)
    report = build_release(settings, specs=[get_spec("area_reference"), get_spec(SOURCE)])
    _, con = releases.connect(settings)
    yield report, con
    con.close()


def scalar(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()[0][0]


def test_every_area_resolves_and_no_errors(release):
    report, con = release
    assert scalar(con, "SELECT count(*) FROM observation WHERE dataset_id = ? AND area IS NULL AND (origin IS NULL OR destination IS NULL)", SOURCE) == 0
    assert not [f for f in report.findings if f.dataset_id == SOURCE and f.severity == "error"]


EU28 = "European Union (28 countries)"


def file_rows(mirror: Path, name: str) -> list[dict]:
    with (mirror / "eurostat_asylum_dw" / name).open(encoding="latin-1") as handle:
        return list(csv.DictReader(handle))


def number(text: str) -> float | None:
    return None if text.strip() in (":", "") else float(text.replace(",", ""))


def test_rows_and_counted_exclusions(release, mirror):
    report, _ = release
    rows = file_rows(mirror, "migr_asyappctza_allcitizenships.csv")
    valued = [r for r in rows if number(r["Value"]) is not None]
    aggregates = [r for r in valued if r["GEO"] in (EU28, "Total")]
    non_area = [r for r in valued if r["GEO"] not in (EU28, "Total") and r["CITIZEN"] in ("Recognised non-citizens", "British overseas countries and territories")]
    assert len(rows) - len(valued) == 2_757
    assert report.datasets[SOURCE] == len(valued) - len(aggregates) - len(non_area) == 29_681


def test_eu28_2015_first_time_applicants(release, mirror):
    _, con = release
    published = sum(number(r["Value"]) or 0 for r in file_rows(mirror, "migr_asyappctza_allcitizenships.csv") if r["GEO"] == EU28 and r["TIME"] == "2015")
    assert published == 1_257_595
    members = scalar(con, "SELECT sum(value) FROM observation o JOIN area_membership m ON m.area = o.destination "
                          "WHERE o.measure_id = 'eurostat_first_time_asylum_applicants' AND o.year = 2015 AND m.\"group\" = 'EU27'")
    uk = scalar(con, "SELECT sum(value) FROM observation WHERE measure_id = 'eurostat_first_time_asylum_applicants' AND year = 2015 AND destination = 'GBR'")
    assert members + uk == pytest.approx(published, rel=0.001)  # Eurostat rounds every cell to 5


def test_labels_resolve_exactly(release):
    _, con = release
    assert scalar(con, "SELECT count(*) FROM area_resolution WHERE dataset_id = ? AND NOT exact", SOURCE) == 0
    assert scalar(con, "SELECT code FROM area_resolution WHERE dataset_id = ? AND raw_value = 'China (including Hong Kong)'", SOURCE) == "CHN"
    assert scalar(con, "SELECT code FROM area_resolution WHERE dataset_id = ? AND raw_value = 'Stateless'", SOURCE) == "STL"
