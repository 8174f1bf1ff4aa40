"""Fixtures of the firewall tests: a vault in a temp home with its key outside the project, people of every role, and a
scan of everything each test produced for raw record values."""

from __future__ import annotations

import csv
import importlib.util
import io
import os
import random
import re
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import httpx
import pyarrow.parquet as pq
import pytest

from observatory.firewall.keys import create_vault_key
from observatory.firewall.vault import Vault
from observatory.settings import Settings

DATA = Path(__file__).parent / "data"
DATASET = "shelters-grc"
RULES = {"country": "GRC", "year": 2024, "dimensions": ["nationality", "sex", "service"], "rounding_base": 1}
IDENTIFIER_VALUES = [
    "Amina Haddad",
    "Yusuf Karimi",
    "Selam Tesfaye",
    "person0@example.org",
    "person1@example.org",
    "+30 691 234 5678",
    "1990-04-17",
    "came with two children",
    "P4471925",
]
# Values of the refused fixture uploads (a status outside the schema, a third e-mail address): no answer repeats them.
REFUSED_VALUES = ["tourist", "person2@example.org"]


def fixture_rows() -> list[dict[str, str]]:
    """Every synthetic person of the valid fixtures."""
    rows = []
    for name in ("shelter_a.csv", "clinic_b.csv"):
        with open(DATA / name, newline="", encoding="utf-8") as handle:
            rows.extend(csv.DictReader(handle))
    return rows


def sensitive_strings() -> list[str]:
    """Strings that would betray an individual: rare open-domain values, whole rows, and refused identifiers."""
    rows = fixture_rows()
    rare = []
    for field in ("nationality", "location"):
        counts = Counter(r[field] for r in rows)
        rare += [value for value, n in counts.items() if n < 10]
    whole = [",".join(r.values()) for r in rows]
    return sorted(set(rare + whole + IDENTIFIER_VALUES + REFUSED_VALUES))


SENSITIVE = sensitive_strings()


def leaks(text: str, binary: bool = False) -> list[str]:
    """Sensitive strings found in a text; short codes only as whole words, and not in random ciphertext."""
    found = []
    for value in SENSITIVE:
        if len(value) >= 6:
            if value in text:
                found.append(value)
        elif not binary and re.search(rf"(?<![A-Za-z0-9_-]){re.escape(value)}(?![A-Za-z0-9_-])", text):
            found.append(value)
    return found


def assert_no_record_values(response: httpx.Response) -> None:
    """No raw cell value or identifier of the uploaded fixtures in a response's headers or body."""
    headers = "\n".join(f"{name}: {value}" for name, value in response.headers.multi_items())
    where = f"{response.request.method} {response.request.url.path} -> {response.status_code}"
    assert leaks(headers) == [], f"record values in the headers of {where}"
    assert leaks(response.content.decode("utf-8", errors="replace")) == [], f"record values in the body of {where}"


def file_text(path: Path) -> str:
    """A file's content as text for scanning (parquet rendered as CSV)."""
    if path.suffix == ".parquet":
        buffer = io.StringIO()
        pq.read_table(path).to_pandas().to_csv(buffer)
        return buffer.getvalue()
    return path.read_bytes().decode("utf-8", errors="replace")


def scan_tree(root: Path) -> dict[str, list[str]]:
    """Every file under root that holds a sensitive string."""
    found = {}
    if root.exists():
        for path in root.rglob("*"):
            if path.is_file():
                hits = leaks(file_text(path), binary=path.suffix == ".sealed")
                if hits:
                    found[str(path)] = hits
    return found


def make_settings(base: Path) -> Settings:
    """Settings for a vault in base/home with its key in base/keys (outside the project)."""
    settings = Settings(home=base / "home", vault_key_file=base / "keys" / "vault.key")
    create_vault_key(settings)
    return settings


@pytest.fixture
def transcript() -> list[str]:
    """Texts returned to callers during a test (API bodies, CLI output); scanned afterwards."""
    return []


@pytest.fixture(autouse=True)
def no_record_values_leak(tmp_path: Path, transcript: list[str]):
    """After each test: no response, log line or file under the test's home holds a raw record value."""
    yield
    assert scan_tree(tmp_path / "home") == {}
    assert [leaks(t) for t in transcript if leaks(t)] == []


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A fresh vault home; the environment points the CLI and API at it."""
    result = make_settings(tmp_path)
    monkeypatch.setenv("OBSERVATORY_HOME", str(result.home))
    monkeypatch.setenv("OBSERVATORY_VAULT_KEY_FILE", str(result.vault_key_file))
    monkeypatch.delenv("OBSERVATORY_TOKEN", raising=False)
    return result


@pytest.fixture
def vault(settings: Settings) -> Vault:
    """An open vault whose record keys come from a seeded generator, so every perturbed value is reproducible."""
    return Vault(settings, key_source=random.Random(13))


@pytest.fixture
def people(vault: Vault) -> SimpleNamespace:
    """A principal and token for each role: admin (bootstrapped as on the command line) and the others."""
    admin_token = vault.bootstrap_admin()["token"]
    admin = vault.authenticate(admin_token)
    made = {"admin": admin_token}
    for name, role, org in (
        ("steward", "steward", None),
        ("researcher", "researcher", None),
        ("shelter", "contributor", "shelter-a"),
        ("clinic", "contributor", "clinic-b"),
    ):
        made[name] = vault.create_token(admin, role, org=org)["token"]
    result = SimpleNamespace(**{name: vault.authenticate(tok) for name, tok in made.items()})
    result.tokens = SimpleNamespace(**made)
    return result


@pytest.fixture
def dataset(vault: Vault, people: SimpleNamespace) -> str:
    """A dataset with default rules (rounding off, to test the worst case), owned by shelter-a, clinic-b granted."""
    vault.set_rules(people.steward, DATASET, RULES)
    vault.grant(people.steward, DATASET, "shelter-a", "owner")
    vault.grant(people.steward, DATASET, "clinic-b")
    return DATASET


@pytest.fixture
def loaded(vault: Vault, people: SimpleNamespace, dataset: str) -> dict[str, str]:
    """The dataset with both organisations' uploads; returns their upload ids."""
    a = vault.upload(people.shelter, dataset, "shelter_a.csv", (DATA / "shelter_a.csv").read_bytes())
    b = vault.upload(people.clinic, dataset, "clinic_b.csv", (DATA / "clinic_b.csv").read_bytes())
    return {"shelter": a["upload_id"], "clinic": b["upload_id"]}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file's bytes under a folder."""
    return (
        {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
        if folder.exists()
        else {}
    )


def loopback_socket():
    """A socket on a port the kernel picks, for a uvicorn child to inherit (`--fd`): the API tests' helper, loaded by
    path because the tests folder is not a package."""
    name = "firewall_tests_api_server"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parent.parent / "api" / "server.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name].loopback_socket()


def environ_without_token() -> dict[str, str]:
    """The environment with no OBSERVATORY_TOKEN."""
    return {k: v for k, v in os.environ.items() if k != "OBSERVATORY_TOKEN"}
