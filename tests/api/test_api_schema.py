"""Property-based tests of the OpenAPI document (schemathesis, driven by Hypothesis): no generated request gets a
5xx, every status, content type, header and body matches the document, malformed requests are refused, and methods
a path does not list are answered 405 with an Allow header."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
PROPERTY_SETTINGS = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
# Path parameters naming things the synthetic release holds, so generated requests reach the handlers' data paths.
KNOWN_VALUES = {
    "path.code": "FRA",
    "path.origin": "MAR",
    "path.destination": "FRA",
    "path.indicator_id": "migrant_stock",
    "path.dataset_id": "tiny_stock",
}


def test_openapi_properties(synthetic_server):
    schema = schemathesis.openapi.from_url(f"{synthetic_server}/api/openapi.json")
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith("/api/vault"):  # the vault's owners test its routes
            continue

        @PROPERTY_SETTINGS
        @given(case=operation.as_strategy())
        def exercise(case):
            case.call_and_validate(base_url=synthetic_server, checks=CHECKS)

        exercise()
        checked.append(operation.path)
    assert len(checked) >= 20


def test_schemathesis_run_is_clean(synthetic_server, tmp_path):
    """The CLI run CI would do: coverage phase (unexpected methods, missing and malformed parameters) and fuzzing,
    all checks but positive_data_acceptance (a schema-valid mix such as neither origin nor destination is a documented
    400)."""
    config = tmp_path / "schemathesis.toml"
    config.write_text("[parameters]\n" + "".join(f'"{name}" = "{value}"\n' for name, value in KNOWN_VALUES.items()))
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(config),
        "run",
        f"{synthetic_server}/api/openapi.json",
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance",
        "--phases",
        "examples,coverage,fuzzing",
        "--exclude-path-regex",
        "^/api/vault",
        "--max-examples",
        "10",
        "--seed",
        "1",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--no-color",
    ]
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900, check=False)
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-6000:]
    assert "Coverage" in report and " passed" in report
