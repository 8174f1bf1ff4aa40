"""Each source builds on its own with the area reference: every row resolves, no error findings."""

from __future__ import annotations

import pytest

from observatory.settings import Settings
from observatory.sources import registry
from observatory.warehouse import releases
from observatory.warehouse.build import build_release

pytestmark = pytest.mark.mirror
SMALL_SOURCES = [
    spec.id
    for spec in registry.all_specs()
    if spec.provides == "observations"
    and spec.id.startswith(("eurostat", "mipex", "undp", "unhcr_idmc", "unhcr_unrwa", "migest", "undesa_pop"))
]


@pytest.mark.parametrize("source", SMALL_SOURCES)
def test_source_builds_alone_and_resolves_every_row(source, mirror, tmp_path):
    settings = Settings(home=tmp_path, mirror=mirror)
    report = build_release(settings, specs=[registry.get_spec("area_reference"), registry.get_spec(source)])
    assert report.datasets[source] > 0
    assert not [f for f in report.findings if f.dataset_id == source and f.severity == "error"]
    _, con = releases.connect(settings)
    try:
        unresolved = con.execute(
            "SELECT count(*) FROM observation WHERE area IS NULL AND (origin IS NULL OR destination IS NULL)"
        ).fetchall()[0][0]
    finally:
        con.close()
    assert unresolved == 0
