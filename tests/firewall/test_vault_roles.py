"""Budgets and roles that cannot be gamed (issue 13, items 6 and 7): grants, per-analyst budgets, the first admin only
from the command line, one home for the whole server, concurrency-safe token creation."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi import FastAPI

from observatory.api.app import create_app as create_portal
from observatory.firewall.api import create_app, router
from observatory.firewall.errors import BudgetExhausted, Conflict, Forbidden, InvalidQuery, Unauthenticated
from observatory.firewall.keys import create_vault_key
from observatory.firewall.metadata import connect
from observatory.firewall.tokens import ANONYMOUS
from observatory.firewall.vault import Vault
from observatory.settings import Settings

from .conftest import DATA, RULES, assert_no_record_values

DP_RULES = {
    **RULES,
    "mode": "dp",
    "epsilon": 0.5,
    "budget": 2.0,
    "analyst_budget": 1.0,
    "categories": {"nationality": ["SYR", "AFG", "ERI"]},
}


def post_token(app: FastAPI, body: dict) -> httpx.Response:
    """An anonymous POST /api/vault/tokens against an in-process app."""

    async def ask() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://vault") as client:
            return await client.post("/api/vault/tokens", json=body)

    response = asyncio.run(ask())
    assert_no_record_values(response)
    return response


def bare_router_app() -> FastAPI:
    """The vault router in an app that holds no settings (they come from the environment)."""
    app = FastAPI()
    app.include_router(router, prefix="/api/vault")
    return app


def test_the_first_admin_is_made_only_by_bootstrap_and_only_once(vault, settings):
    with pytest.raises(Unauthenticated, match="^manage tokens needs a bearer token$"):
        vault.create_token(ANONYMOUS, "admin")  # an empty vault is no exception
    assert vault.bootstrap_admin()["role"] == "admin"
    with pytest.raises(Conflict, match="already has tokens"):
        vault.bootstrap_admin()
    with connect(settings.vault_dir) as db:
        assert db.execute("SELECT COUNT(*) FROM tokens").fetchone()[0] == 1


@pytest.mark.parametrize("home", ["set", "unset", "no key"])
def test_an_anonymous_post_of_a_token_never_returns_one(tmp_path, monkeypatch, home):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OBSERVATORY_HOME", raising=False)
    key = tmp_path / "keys" / "vault.key"
    if home == "no key":
        monkeypatch.delenv("OBSERVATORY_VAULT_KEY_FILE", raising=False)
    else:
        create_vault_key(Settings(home=tmp_path / "home"), key)
        monkeypatch.setenv("OBSERVATORY_VAULT_KEY_FILE", str(key))
    if home == "set":
        monkeypatch.setenv("OBSERVATORY_HOME", str(tmp_path / "home"))
    apps = [bare_router_app(), create_app()]
    for app in apps:
        for body in ({"role": "admin"}, {"role": "researcher"}, {"role": "admin", "org": "x-org", "days": 1}):
            response = post_token(app, body)
            assert response.status_code == (503 if home == "no key" else 401) and "token" not in response.json()
    if home != "no key":
        vault_dir = (tmp_path / "home" if home == "set" else tmp_path / "var") / "vault"
        with connect(vault_dir) as db:
            assert db.execute("SELECT COUNT(*) FROM tokens").fetchone()[0] == 0


def test_thirty_concurrent_bootstraps_make_exactly_one_admin(settings):
    def attempt(_: int) -> str:
        try:
            return Vault(settings).bootstrap_admin()["token"]
        except Conflict:
            return ""

    with ThreadPoolExecutor(max_workers=30) as pool:
        made = [t for t in pool.map(attempt, range(30)) if t]
    assert len(made) == 1
    with connect(settings.vault_dir) as db:
        assert [tuple(r) for r in db.execute("SELECT role FROM tokens")] == [("admin",)]


def test_thirty_concurrent_token_creations_are_distinct(vault, people, settings):
    with ThreadPoolExecutor(max_workers=30) as pool:
        made = list(pool.map(lambda _: Vault(settings).create_token(people.admin, "researcher"), range(30)))
    assert len({m["token"] for m in made}) == len({m["token_id"] for m in made}) == 30
    assert all(vault.authenticate(m["token"]).role.value == "researcher" for m in made)


def test_the_vault_router_serves_the_servers_home_not_the_environments(tmp_path, monkeypatch):
    served = Settings(home=tmp_path / "served", vault_key_file=tmp_path / "keys" / "vault.key")
    create_vault_key(served)
    monkeypatch.setenv("OBSERVATORY_HOME", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("OBSERVATORY_VAULT_KEY_FILE", str(served.vault_key_file))
    assert create_portal(served).state.settings is served  # `serve --home` hands its settings to the app ...
    app = bare_router_app()
    app.state.settings = served  # ... and the vault router reads the app's settings, as every other router does

    async def ask() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://vault") as client:
            return await client.get("/api/vault/publications")

    response = asyncio.run(ask())
    assert_no_record_values(response)
    assert response.status_code == 200
    assert (tmp_path / "served" / "vault" / "audit.log").is_file() and not (tmp_path / "elsewhere").exists()
    assert create_app(served).state.settings is served


def test_grants_decide_who_may_upload(vault, people, settings):
    vault.set_rules(people.steward, "grant-grc", RULES)
    data = (DATA / "clinic_b.csv").read_bytes()
    with pytest.raises(Forbidden, match="neither its owner nor granted"):
        vault.upload(people.clinic, "grant-grc", "clinic_b.csv", data)
    vault.grant(people.steward, "grant-grc", "shelter-a", "owner")
    with pytest.raises(Conflict, match="already has an owner"):
        vault.grant(people.steward, "grant-grc", "clinic-b", "owner")
    vault.grant(people.steward, "grant-grc", "clinic-b")
    upload = vault.upload(people.clinic, "grant-grc", "clinic_b.csv", data)["upload_id"]
    vault.revoke_grant(people.steward, "grant-grc", "clinic-b")
    with pytest.raises(Forbidden, match="neither its owner nor granted"):
        vault.upload(people.clinic, "grant-grc", "clinic_b.csv", data)
    assert (
        vault.withdraw(people.clinic, upload)["status"] == "withdrawn"
    )  # an organisation can always take its data back
    with pytest.raises(Forbidden, match="^role 'admin' may not grant$"):
        vault.grant(people.admin, "grant-grc", "clinic-b")


def test_a_rival_cannot_spend_another_analysts_or_organisations_budget(vault, people, dataset, settings):
    vault.set_rules(people.steward, dataset, DP_RULES)
    rival = vault.authenticate(vault.create_token(people.admin, "researcher", label="rival")["token"])
    outsider = vault.authenticate(vault.create_token(people.admin, "contributor", org="rival-org")["token"])
    one_record = b"nationality,sex,age,legal_status,month\nSYR,female,30,refugee,2024-05\n"
    vault.upload(people.shelter, dataset, "shelter_a.csv", (DATA / "shelter_a.csv").read_bytes())
    for _ in range(2):  # the attack: a rival's one-record uploads, each followed by a query
        with pytest.raises(Forbidden, match="neither its owner nor granted"):
            vault.upload(outsider, dataset, "one.csv", one_record)
        vault.aggregate(rival, dataset, by=["sex"])
    assert vault.get_rules(rival, dataset)["budget_spent"] == pytest.approx(0.5)  # one version: one release
    vault.upload(people.clinic, dataset, "one.csv", one_record)  # a granted contributor changes the data twice
    vault.aggregate(rival, dataset, by=["sex"])
    vault.upload(people.clinic, dataset, "one.csv", one_record)
    with pytest.raises(BudgetExhausted, match="your privacy budget"):
        vault.aggregate(rival, dataset, by=["sex"])  # the rival's own share is spent ...
    mine = vault.aggregate(people.researcher, dataset, by=["sex"])  # ... and the other analyst's is untouched
    assert mine["cells"] and vault.get_rules(people.researcher, dataset)["analyst_budget_spent"] == pytest.approx(0.5)
    assert vault.get_rules(rival, dataset)["analyst_budget_spent"] == pytest.approx(1.0)
    assert vault.get_rules(rival, dataset)["budget_spent"] == pytest.approx(1.5)


def test_analyst_budgets_are_bounded_and_only_tighten(vault, people, dataset):
    with pytest.raises(InvalidQuery, match="analyst_budget may not exceed budget"):
        vault.set_rules(people.steward, dataset, {**DP_RULES, "analyst_budget": 3.0})
    vault.set_rules(people.steward, dataset, DP_RULES)
    vault.upload(people.shelter, dataset, "shelter_a.csv", (DATA / "shelter_a.csv").read_bytes())
    vault.aggregate(people.researcher, dataset, by=["sex"])
    with pytest.raises(Conflict, match="budget"):
        vault.set_rules(people.steward, dataset, {**DP_RULES, "analyst_budget": 1.5})
    assert vault.set_rules(people.steward, dataset, {**DP_RULES, "analyst_budget": 0.5})["rules_version"] == 3


def test_a_version_released_again_after_its_cache_was_dropped_is_charged_again(vault, people, dataset, settings):
    vault.set_rules(people.steward, dataset, {**DP_RULES, "budget": 3.0, "analyst_budget": 1.5})
    vault.upload(people.shelter, dataset, "shelter_a.csv", (DATA / "shelter_a.csv").read_bytes())
    one_record = b"nationality,sex,age,legal_status,month\nSYR,female,30,refugee,2024-05\n"
    first = vault.aggregate(people.researcher, dataset, by=["sex"])["cells"]
    extra = vault.upload(people.clinic, dataset, "one.csv", one_record)["upload_id"]
    vault.aggregate(people.researcher, dataset, by=["sex"])
    vault.withdraw(people.clinic, extra)  # back to the first version's records: its release is rebuilt with fresh noise
    again = vault.aggregate(people.researcher, dataset, by=["sex"])["cells"]
    assert vault.aggregate(people.researcher, dataset, by=["sex"])["cells"] == again  # repeats of it are free
    spent = vault.get_rules(people.researcher, dataset)
    assert spent["analyst_budget_spent"] == pytest.approx(1.5) and spent["budget_spent"] == pytest.approx(1.5)
    assert len(first) == len(again)
    vault.upload(people.clinic, dataset, "one.csv", one_record)
    with pytest.raises(BudgetExhausted, match="your privacy budget"):
        vault.aggregate(people.researcher, dataset, by=["sex"])
