"""Meta-tests of the indicator catalogue: every entry validates, required ids exist, frameworks are tagged."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from observatory.indicators.spec import IndicatorSpec, load_catalogue

REQUIRED = {
    "migrant_stock",
    "migrant_stock_female_share",
    "migrant_share_of_population",
    "emigrant_stock",
    "emigrant_share",
    "corridor_stock",
    "corridor_stock_change",
    "corridor_share_of_origin_emigrants",
    "corridor_share_of_destination_immigrants",
    "refugees_hosted",
    "refugees_by_origin",
    "asylum_seekers_hosted",
    "asylum_applications",
    "asylum_recognition_rate",
    "refugees_per_1000_inhabitants",
    "idps_conflict",
    "idps_disaster",
    "sdg_10_7_3",
    "sdg_10_7_4",
    "remittances_received_usd",
    "remittances_paid_usd",
    "remittances_per_emigrant_usd",
    "sdg_17_3_2",
    "net_migration",
    "sdg_10_c_1",
    "emigration_flow",
    "immigration_flow",
    "net_flow",
    "corridor_flow",
}


def test_catalogue_has_every_required_indicator():
    assert REQUIRED <= {spec.id for spec in load_catalogue()}


@pytest.mark.parametrize("spec", load_catalogue(), ids=lambda spec: spec.id)
def test_entry_is_tagged_and_documented(spec):
    assert spec.definition and spec.unit
    assert spec.frameworks.sdg or spec.frameworks.gcm or spec.frameworks.gcr, "every indicator serves an objective"
    if spec.id.startswith("sdg_"):
        assert spec.sdg_indicator and spec.frameworks.sdg


def test_invalid_entries_are_refused():
    base = dict(
        id="x", title="x", definition="x", unit="x", kind="rate", level="area", inputs=["m"], formula="SELECT 1"
    )
    with pytest.raises(ValidationError, match="a ratio aggregate needs ratio_scale"):
        IndicatorSpec(**{**base, "aggregate": "ratio"})  # a ratio needs a scale
    with pytest.raises(ValidationError, match="GCM objectives are numbered 1–23"):
        IndicatorSpec(**{**base, "frameworks": {"gcm": [24]}})
    with pytest.raises(ValidationError, match="kind\n  Input should be 'stock', 'flow'"):
        IndicatorSpec(**{**base, "kind": "vibe"})
    with pytest.raises(ValidationError, match="corridor indicators are not aggregated to groups"):
        IndicatorSpec(**{**base, "level": "corridor", "aggregate": "sum"})
