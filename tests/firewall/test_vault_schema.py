"""The vault's routes in the portal's OpenAPI document, fuzzed by schemathesis against a real uvicorn server with a
configured vault; and the vault answering on a server that has no release yet."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from observatory.firewall.vault import Vault
from observatory.settings import Settings

from .conftest import DATA, RULES, assert_no_record_values, environ_without_token, leaks, make_settings, scan_tree

DATASET = "schema-grc"
API_TESTS = Path(__file__).parent.parent / "api"
# Path parameters naming things the vault holds, so generated requests reach the handlers' data paths.
KNOWN_VALUES = {"path.dataset_id": DATASET, "path.org": "shelter-a"}


def write_synthetic_release(settings: Settings) -> None:
    """The API tests' tiny synthetic release, made current in this home (their helper module loaded by path)."""
    spec = importlib.util.spec_from_file_location("vault_schema_synthetic", API_TESTS / "synthetic.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_release(settings, "r20260101T000000Z")


@contextmanager
def portal_server(settings: Settings, log_path: Path) -> Iterator[str]:
    """The whole portal (observatory.api.app) in uvicorn on a free port, with the vault configured; yields its URL."""
    spec = importlib.util.spec_from_file_location("vault_schema_server", API_TESTS / "server.py")
    server = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(server)
    environment = {**environ_without_token(), "OBSERVATORY_VAULT_KEY_FILE": str(settings.vault_key_file)}
    with server.running_server(settings, log_path, environment) as base:
        yield base
    assert leaks(log_path.read_text()) == []
    assert scan_tree(settings.home) == {}


def configured_vault(settings: Settings) -> SimpleNamespace:
    """Tokens of an admin (bootstrapped as on the command line), a steward and a contributor; one dataset granted."""
    vault = Vault(settings)
    admin_token = vault.bootstrap_admin()["token"]
    admin = vault.authenticate(admin_token)
    steward_token = vault.create_token(admin, "steward")["token"]
    contributor_token = vault.create_token(admin, "contributor", org="shelter-a")["token"]
    steward = vault.authenticate(steward_token)
    vault.set_rules(steward, DATASET, RULES)
    vault.grant(steward, DATASET, "shelter-a", "owner")
    # Real records behind the routes, so that every answer the fuzzer gets can be scanned for their values.
    vault.upload(vault.authenticate(contributor_token), DATASET, "shelter_a.csv", (DATA / "shelter_a.csv").read_bytes())
    return SimpleNamespace(admin=admin_token, steward=steward_token, contributor=contributor_token)


@pytest.fixture(scope="module")
def released_portal(tmp_path_factory) -> Iterator[SimpleNamespace]:
    """The portal on a home with a release and a configured vault."""
    base = tmp_path_factory.mktemp("vault-schema")
    settings = make_settings(base)
    write_synthetic_release(settings)
    tokens = configured_vault(settings)
    with portal_server(settings, base / "server.log") as url:
        yield SimpleNamespace(url=url, tokens=tokens, settings=settings)


@pytest.fixture(scope="module")
def unreleased_portal(tmp_path_factory) -> Iterator[SimpleNamespace]:
    """The portal on a home with a configured vault and no release built yet."""
    base = tmp_path_factory.mktemp("vault-no-release")
    settings = make_settings(base)
    tokens = configured_vault(settings)
    with portal_server(settings, base / "server.log") as url:
        yield SimpleNamespace(url=url, tokens=tokens, settings=settings)


def schemathesis_run(url: str, token: str, workdir: Path) -> subprocess.CompletedProcess:
    """The CLI run of tests/api/test_api_schema.py, over the vault's routes only, as the given bearer token."""
    config = workdir / "schemathesis.toml"
    config.write_text("[parameters]\n" + "".join(f'"{name}" = "{value}"\n' for name, value in KNOWN_VALUES.items()))
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(config),
        "run",
        f"{url}/api/openapi.json",
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance",
        "--phases",
        "examples,coverage,fuzzing",
        "--include-path-regex",
        "^/api/vault",
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        "5",
        "--seed",
        "1",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--no-color",
        "--report",
        "har",
        "--report-har-path",
        str(workdir / "run.har"),
    ]
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=600, check=False)


def assert_no_answer_leaks(har: Path) -> int:
    """Every response schemathesis received (its HAR recording) is free of record values; returns how many."""
    entries = json.loads(har.read_text(encoding="utf-8"))["log"]["entries"]
    assert entries, "schemathesis recorded no exchange"
    for entry in entries:
        answer = entry["response"]
        where = f"{entry['request']['method']} {entry['request']['url']} -> {answer['status']}"
        headers = "\n".join(f"{h['name']}: {h['value']}" for h in answer["headers"])
        assert leaks(headers) == [] and leaks(answer["content"].get("text") or "") == [], where
    return len(entries)


def test_schemathesis_run_over_the_vault_is_clean(released_portal, tmp_path):
    """As the steward, the role that reaches rules, grants, aggregates and publications."""
    run = schemathesis_run(released_portal.url, released_portal.tokens.steward, tmp_path)
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-6000:]
    assert "Coverage" in report and " passed" in report
    assert leaks(report) == []
    assert assert_no_answer_leaks(tmp_path / "run.har") > 50


def test_vault_answers_without_a_release(unreleased_portal):
    url = unreleased_portal.url
    anonymous = httpx.get(f"{url}/api/vault/uploads", timeout=30)
    assert_no_record_values(anonymous)
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    assert anonymous.headers["content-type"] == "application/problem+json"
    public = httpx.get(f"{url}/api/vault/publications", timeout=30)
    assert_no_record_values(public)
    assert public.status_code == 200 and public.json() == []
    steward = {"Authorization": f"Bearer {unreleased_portal.tokens.steward}"}
    rules = httpx.get(f"{url}/api/vault/datasets/{DATASET}/rules", headers=steward, timeout=30)
    assert_no_record_values(rules)
    assert rules.status_code == 200 and rules.json()["dataset"] == DATASET
    areas = httpx.get(f"{url}/api/areas", timeout=30)
    assert_no_record_values(areas)
    assert areas.status_code == 503


def test_vault_without_a_release_keeps_the_guards(unreleased_portal):
    url = unreleased_portal.url
    steward = {"Authorization": f"Bearer {unreleased_portal.tokens.steward}"}
    big = {"by": ["nationality"], "filters": {"sex": "x" * 70_000}}
    oversized = httpx.post(f"{url}/api/vault/datasets/{DATASET}/aggregate", json=big, headers=steward, timeout=30)
    assert_no_record_values(oversized)
    assert oversized.status_code == 413 and oversized.headers["content-type"] == "application/problem+json"
    unknown = httpx.get(f"{url}/api/vault/publications", params={"page": "2"}, timeout=30)
    assert_no_record_values(unknown)
    assert unknown.status_code == 400 and "unknown query parameter" in unknown.json()["detail"]
    contributor = {"Authorization": f"Bearer {unreleased_portal.tokens.contributor}"}
    upload = httpx.post(
        f"{url}/api/vault/datasets/{DATASET}/uploads",
        params={"filename": "cases.csv"},
        content=b"nationality,sex\n" + b"SYR,female\n" * 7_000,  # past the JSON cap: the upload's own limit applies
        headers=contributor,
        timeout=60,
    )
    assert_no_record_values(upload)
    assert upload.status_code == 422, upload.text  # refused by the declared schema, not by the body cap


def test_schemathesis_run_as_admin_is_clean_and_finds_the_token_body_documented(released_portal, tmp_path):
    # Before the token body named its roles and the org pattern, most generated bodies were refused (a warning).
    run = schemathesis_run(released_portal.url, released_portal.tokens.admin, tmp_path)
    report = run.stdout + run.stderr
    assert run.returncode == 0 and " passed" in report, report[-6000:]
    assert "Schema validation mismatch" not in report, report[-4000:]
    assert assert_no_answer_leaks(tmp_path / "run.har") > 50


def test_document_states_what_the_vault_checks(released_portal):
    document = httpx.get(f"{released_portal.url}/api/openapi.json", timeout=30)
    assert_no_record_values(document)
    paths = document.json()["paths"]
    token_body = paths["/api/vault/tokens"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    components = document.json()["components"]["schemas"]
    fields = components[token_body["$ref"].rsplit("/", 1)[-1]]["properties"]
    assert set(fields["role"]["enum"]) == {"public", "researcher", "contributor", "steward", "admin"}
    assert fields["org"]["anyOf"][0]["pattern"].startswith("^")
    rules = paths["/api/vault/datasets/{dataset_id}/rules"]["put"]["requestBody"]["content"]["application/json"]
    assert rules["schema"]["additionalProperties"] is False and "dimensions" in rules["schema"]["required"]
    pub_id = paths["/api/vault/publications/{pub_id}"]["delete"]["parameters"][0]
    assert pub_id["name"] == "pub_id" and pub_id["schema"]["pattern"].startswith("^")


@pytest.mark.parametrize(
    "body",
    [
        {"by": ["nationality"], "filters": {"Amina Haddad": 5}},  # a value of the wrong type under a caller's key
        {"by": ["nationality"], "Amina Haddad": 1},  # an unknown top-level key
    ],
)
def test_validation_errors_never_quote_a_callers_key(released_portal, body):
    steward = {"Authorization": f"Bearer {released_portal.tokens.steward}"}
    url = f"{released_portal.url}/api/vault/datasets/{DATASET}/aggregate"
    response = httpx.post(url, json=body, headers=steward, timeout=30)
    assert_no_record_values(response)
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert "Amina" not in detail and "(key)" in detail, detail
