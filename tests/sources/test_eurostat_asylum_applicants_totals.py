"""Eurostat asylum applicants by reporting country from the mirror: rows and the EU-28 2015 total."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from observatory.settings import Settings
from observatory.sources.registry import get_spec
from observatory.warehouse import releases
from observatory.warehouse.build import build_release

SOURCE = "eurostat_asylum_applicants_totals"
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


def test_rows(release, mirror):
    report, _ = release
    rows = file_rows(mirror, "migr_asyappctza_1_Data-2017-05-31-ADDED.csv")
    kept = [r for r in rows if number(r["Value"]) is not None and r["GEO"] not in (EU28, "Total")]
    assert report.datasets[SOURCE] == len(kept) == 1_036


def test_eu28_2015_and_member_sum(release, mirror):
    _, con = release
    eu = {(r["TIME"], r["CITIZEN"], r["ASYL_APP"]): number(r["Value"]) for r in file_rows(mirror, "migr_asyappctza_1_Data-2017-05-31-ADDED.csv") if r["GEO"] == EU28}
    assert eu[("2015", "Total", "Asylum applicant")] == 1_323_465
    members = scalar(con, "SELECT sum(value) FROM observation WHERE measure_id = 'eurostat_asylum_applicants' AND year = 2015 "
                          "AND category = 'all_citizenships' AND area NOT IN ('ISL', 'LIE', 'NOR', 'CHE')")
    assert members == pytest.approx(1_323_465, rel=0.001)
