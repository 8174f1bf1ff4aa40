"""Attacks on the vault inside one data version: differencing, margins, averaging DP noise, SQL injection, tokens,
cross-organisation reads. Attacks across versions (floods, withdrawals, replacements) are in test_attack_versions.py."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from observatory.firewall.cellkey import support
from observatory.firewall.declarations import load_schema
from observatory.firewall.errors import BudgetExhausted, Conflict, Forbidden, InvalidQuery, NotFound, Unauthenticated
from observatory.firewall.frames import perturbed_counts
from observatory.firewall.metadata import connect, utc_now
from observatory.firewall.publish import PUBLICATION_ID
from observatory.firewall.rules import DATASET_ID, DisclosureRules
from observatory.firewall.suppression import feasible_interval, is_protected
from observatory.firewall.tables import TOTAL, additivity_lines
from observatory.firewall.tokens import ANONYMOUS, ORG_PATTERN, create_token

from .conftest import DATA, RULES

INJECTIONS = [
    "SYR' OR '1'='1",
    "x'; DROP TABLE uploads; --",
    "' UNION SELECT secret_hash FROM tokens --",
    "1=1",
    "*",
    "%",
    "sex) OR (1=1",
    "../../etc/passwd",
    "total",
    "female\x00",
    'SYR" OR ""="',
    "$where: 1",
    "ISL",
]


def published_table(vault, dataset: str, rules: dict) -> tuple[dict[tuple, int], dict[str, list[str]]]:
    """White box: the cell-key perturbed count of every frame cell before suppression, and the frame's categories."""
    records = vault._records(vault._active_uploads(dataset))
    categories, counts = perturbed_counts(load_schema("case_records"), DisclosureRules.model_validate(rules), records)
    return counts, categories


def true_counts(vault, dataset: str, dims: list[str], categories: dict[str, list[str]]) -> dict[tuple, int]:
    """White box: the true count of every interior cell (what the attacker wants)."""
    counts: dict[tuple, int] = {}
    for record in vault._records(vault._active_uploads(dataset)):
        key = tuple(record.values[d] if record.values[d] in categories[d] else categories[d][-1] for d in dims)
        counts[key] = counts.get(key, 0) + 1
    return counts


def candidates(published: float) -> list[int]:
    """True counts that the perturbation table could publish as this value (what anyone can infer from one value)."""
    return [n for n in range(int(published) + 3) if published - n in support(n)]


def harvest(vault, who, dataset: str, dims: list[str], cats: dict[str, list[str]]) -> dict[tuple, float | None]:
    """Ask every permitted query (every breakdown, every filter value) and collect every released cell by frame key."""
    released: dict[tuple, float | None] = {}
    options = [[("by", None), ("absent", None), *[("filter", c) for c in cats[d]]] for d in dims]
    for choice in itertools.product(*options):
        by = [d for d, (kind, _) in zip(dims, choice, strict=True) if kind == "by"]
        filters = {d: v for d, (kind, v) in zip(dims, choice, strict=True) if kind == "filter"}
        for cell in vault.aggregate(who, dataset, by=by, filters=filters)["cells"]:
            key = tuple(
                filters[d] if d in filters else (TOTAL if cell.get(d, "total") == "total" else cell[d]) for d in dims
            )
            value = None if cell["suppressed"] else cell["value"]
            assert released.setdefault(key, value) == value, "the same cell was released with two values"
    return released


def assert_no_small_group_recoverable(released, counts, dims, cats, min_cell):
    """From everything released, no small count can be pinned down: not by a difference, not by linear programming."""
    lines = additivity_lines(dims, cats)
    assert set(released) == set(counts)
    for members, total in lines:
        if released[total] is None:
            continue
        for member in members:
            if released[member] is not None:
                difference = released[total] - released[member]
                assert not 0 < difference < min_cell, f"difference {total} - {member} isolates {difference} people"
    hidden = {k for k, v in released.items() if v is None}
    known = {k: (v if v is not None else 0) for k, v in released.items()}
    for key in sorted(hidden):
        if 0 < counts[key] < min_cell:
            low, high = feasible_interval(key, lines, known, hidden)
            assert is_protected(low, high, min_cell), f"{key} narrowed to [{low}, {high}]"


def test_differencing_attack_cannot_isolate_the_one_man(vault, people, dataset, loaded):
    rules = {**RULES, "dimensions": ["sex", "service"]}
    vault.set_rules(people.steward, dataset, rules)
    everyone = vault.aggregate(people.researcher, dataset, filters={"service": "legal_aid"})["cells"][0]
    women = vault.aggregate(people.researcher, dataset, filters={"service": "legal_aid", "sex": "female"})["cells"][0]
    men = vault.aggregate(people.researcher, dataset, filters={"service": "legal_aid", "sex": "male"})["cells"][0]
    counts, cats = published_table(vault, dataset, rules)
    assert true_counts(vault, dataset, rules["dimensions"], cats)[("male", "legal_aid")] == 1
    if men["suppressed"]:
        assert men["value"] is None  # marked suppressed, not zeroed
        assert everyone["suppressed"] or women["suppressed"]  # so legal_aid - women cannot be computed
    else:  # the one man's cell was perturbed to 0: shown like an empty cell, which it may or may not be
        assert men["value"] == 0 and len(candidates(0)) >= 2
    if not (
        everyone["suppressed"] or women["suppressed"]
    ):  # the difference is the man's perturbed count, not his count
        assert len(candidates(everyone["value"] - women["value"])) >= 2
    released = harvest(vault, people.researcher, dataset, rules["dimensions"], cats)
    assert_no_small_group_recoverable(released, counts, rules["dimensions"], cats, 10)


def test_small_cells_cannot_be_recovered_from_margins(vault, people, dataset, loaded):
    counts, cats = published_table(vault, dataset, RULES)
    assert cats["nationality"] == ["AFG", "ERI", "SYR", "XXX"]  # ISL (1 person) pooled: its code never appears
    released = harvest(vault, people.researcher, dataset, RULES["dimensions"], cats)
    assert sum(v is None for v in released.values()) > 0
    assert_no_small_group_recoverable(released, counts, RULES["dimensions"], cats, 10)
    exact = [k for k, v in true_counts(vault, dataset, RULES["dimensions"], cats).items() if released.get(k) == v]
    assert all(len(candidates(released[k])) >= 2 for k in exact)  # a right value is never a known-right value


def test_rare_categories_are_not_queryable(vault, people, dataset, loaded):
    with pytest.raises(InvalidQuery, match="not a published category") as info:
        vault.aggregate(people.researcher, dataset, filters={"nationality": "ISL"})
    assert "ISL" not in info.value.detail


DP_RULES = {**RULES, "mode": "dp", "epsilon": 0.5, "budget": 1.0, "categories": {"nationality": ["SYR", "AFG", "ERI"]}}


def test_repeated_noisy_queries_cannot_average_away_the_noise(vault, people, dataset):
    vault.set_rules(people.steward, dataset, DP_RULES)
    vault.upload(people.shelter, dataset, "shelter_a.csv", (DATA / "shelter_a.csv").read_bytes())
    first = vault.aggregate(people.researcher, dataset, by=["sex"])
    for _ in range(30):
        assert vault.aggregate(people.researcher, dataset, by=["sex"])["cells"] == first["cells"]
    female = vault.aggregate(people.researcher, dataset, filters={"sex": "female"})["cells"][0]
    assert female["value"] == next(c for c in first["cells"] if c["sex"] == "female")["value"]
    for by in (["nationality"], ["service"], ["nationality", "sex"], ["sex", "service"]):
        vault.aggregate(people.researcher, dataset, by=by)
    assert vault.get_rules(people.researcher, dataset)["budget_spent"] == pytest.approx(0.5)
    vault.upload(people.clinic, dataset, "clinic_b.csv", (DATA / "clinic_b.csv").read_bytes())
    vault.aggregate(people.researcher, dataset, by=["sex"])  # changed data: one more release, the budget is now spent
    assert vault.get_rules(people.researcher, dataset)["budget_spent"] == pytest.approx(1.0)
    vault.upload(people.clinic, dataset, "clinic_b.xlsx", (DATA / "clinic_b.xlsx").read_bytes())
    with pytest.raises(BudgetExhausted, match="^your privacy budget on dataset 'shelters-grc' is spent"):
        vault.aggregate(people.researcher, dataset, by=["sex"])
    with pytest.raises(BudgetExhausted, match="^the privacy budget of dataset 'shelters-grc' is spent"):
        vault.publish(people.steward, dataset, "dp-pub", by=["sex"])
    with pytest.raises(Conflict, match="the privacy budget may not be raised after the first release"):
        vault.set_rules(people.steward, dataset, {**DP_RULES, "budget": 5.0})


def test_dp_answers_are_noisy_counts_with_intervals(vault, people, dataset, loaded):
    vault.set_rules(people.steward, dataset, DP_RULES)
    cells = vault.aggregate(people.researcher, dataset, by=["sex"])["cells"]
    total = next(c for c in cells if c["sex"] == "total")
    assert total["lower"] <= total["value"] <= total["upper"]
    assert abs(total["value"] - 75) < 60


@pytest.mark.parametrize("attack", INJECTIONS)
def test_sql_injection_in_every_filter_and_identifier(vault, people, dataset, loaded, settings, attack):
    before = vault.aggregate(people.researcher, dataset, by=["sex"])["cells"]
    for dim in RULES["dimensions"]:
        with pytest.raises(InvalidQuery, match=f"^filter '{dim}': not a published category of this dataset"):
            vault.aggregate(people.researcher, dataset, filters={dim: attack})
    not_a_dimension = "is not a released dimension of dataset 'shelters-grc'|String should have at most 40 characters"
    with pytest.raises(InvalidQuery, match=not_a_dimension):
        vault.aggregate(people.researcher, dataset, by=[attack])
    with pytest.raises(InvalidQuery, match=not_a_dimension):
        vault.aggregate(people.researcher, dataset, filters={attack: "SYR"})
    if DATASET_ID.fullmatch(attack):
        with pytest.raises(NotFound, match="a steward must first set its rules$"):
            vault.aggregate(people.researcher, attack, by=["sex"])
    else:
        with pytest.raises(InvalidQuery, match="^dataset id must be 2-64 characters"):
            vault.aggregate(people.researcher, attack, by=["sex"])
    with pytest.raises(NotFound, match="^no such upload$"):
        vault.get_upload(people.shelter, attack)
    with pytest.raises(NotFound, match="^no such upload$"):
        vault.withdraw(people.shelter, attack)
    if not PUBLICATION_ID.fullmatch(attack):
        with pytest.raises(InvalidQuery, match="^publication id must be 2-64 characters"):
            vault.publish(people.steward, dataset, attack, by=["sex"])
    with pytest.raises(NotFound, match="^no active token with that id$"):
        vault.revoke_token(people.admin, attack)
    if not ORG_PATTERN.fullmatch(attack):
        with pytest.raises(InvalidQuery, match="^org must be 2-40 characters"):
            vault.create_token(people.admin, "contributor", org=attack)
        with pytest.raises(InvalidQuery, match="^org must be 2-40 characters"):
            vault.grant(people.steward, dataset, attack)
    with connect(settings.vault_dir) as db:
        assert db.execute("SELECT COUNT(*) FROM uploads WHERE status = 'active'").fetchone()[0] == 2
        assert db.execute("SELECT COUNT(*) FROM tokens WHERE revoked_at IS NULL").fetchone()[0] == 5
        assert db.execute("SELECT COUNT(*) FROM grants").fetchone()[0] == 2
    assert vault.aggregate(people.researcher, dataset, by=["sex"])["cells"] == before


def test_forged_expired_and_revoked_tokens(vault, people, settings):
    good = people.tokens.researcher
    forged = [
        "",
        "Bearer x",
        "obs_000000000000_" + "A" * 43,
        good[:-1] + ("A" if good[-1] != "A" else "B"),
        good.replace(good[4:16], "0123456789ab"),
        good + "x",
        "obs_" + good[4:16],
    ]
    for token in forged[1:]:
        with pytest.raises(Unauthenticated, match="^(malformed|unknown) token$"):
            vault.authenticate(token)
    _, expired = create_token(settings.vault_dir, "researcher", expires_at=utc_now() - timedelta(seconds=1))
    with pytest.raises(Unauthenticated, match="expired"):
        vault.authenticate(expired)
    vault.revoke_token(people.admin, good[4:16])
    with pytest.raises(Unauthenticated, match="revoked"):
        vault.authenticate(good)
    with connect(settings.vault_dir) as db:
        stored = " ".join(str(v) for row in db.execute("SELECT * FROM tokens").fetchall() for v in tuple(row))
    assert good[17:] not in stored and people.tokens.admin[17:] not in stored  # only hashes are kept


def test_roles_cannot_exceed_their_rights(vault, people, dataset, loaded):
    anonymous = vault.authenticate(None)
    with pytest.raises(Unauthenticated, match="^aggregate needs a bearer token$"):
        vault.aggregate(anonymous, dataset, by=["sex"])
    with pytest.raises(Forbidden, match="^role 'contributor' may not aggregate$"):
        vault.aggregate(people.shelter, dataset, by=["sex"])
    with pytest.raises(Forbidden, match="^role 'researcher' may not publish$"):
        vault.publish(people.researcher, dataset, "x-pub", by=["sex"])
    with pytest.raises(Forbidden, match="^role 'researcher' may not set rules$"):
        vault.set_rules(people.researcher, dataset, RULES)
    with pytest.raises(Forbidden, match="^role 'steward' may not upload$"):
        vault.upload(people.steward, dataset, "shelter_a.csv", (DATA / "shelter_a.csv").read_bytes())
    with pytest.raises(Forbidden, match="^role 'steward' may not manage tokens$"):
        vault.create_token(people.steward, "admin")
    with pytest.raises(Unauthenticated, match="^manage tokens needs a bearer token$"):
        vault.create_token(ANONYMOUS, "admin")  # the first admin exists; no one bootstraps twice, and never anonymously
    with pytest.raises(Forbidden, match="^role 'contributor' may not grant$"):
        vault.grant(people.shelter, dataset, "shelter-a")
    with pytest.raises(Forbidden, match="^role 'admin' may not withdraw$"):
        vault.withdraw(people.admin, loaded["shelter"])
    assert vault.list_publications(anonymous) == []


def test_a_contributor_cannot_read_or_withdraw_another_organisations_upload(vault, people, loaded):
    mine = vault.list_uploads(people.clinic)
    assert [u["upload_id"] for u in mine] == [loaded["clinic"]] and mine[0]["records"] == 15
    with pytest.raises(NotFound, match="^no such upload among the uploads you may see$"):
        vault.get_upload(people.clinic, loaded["shelter"])
    with pytest.raises(NotFound, match="^no such upload among the uploads you may see$"):
        vault.withdraw(people.clinic, loaded["shelter"])
    assert vault.get_upload(people.shelter, loaded["shelter"])["status"] == "active"
    assert {u["org"] for u in vault.list_uploads(people.steward)} == {"shelter-a", "clinic-b"}
    assert set(mine[0]) == {"upload_id", "dataset", "org", "records", "status", "created_at"}
