"""The claim check read against claims as people write them (tests/api/data/claims.yml) on the real release."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml

from observatory.api.queries.claim_reading import people_number
from observatory.api.queries.claims import VERDICTS, answer_claim
from observatory.api.release_cache import ReleaseRegistry

CLAIMS = yaml.safe_load((Path(__file__).parent / "data" / "claims.yml").read_text(encoding="utf-8"))
REQUIRED_ACCURACY = 0.95


def test_people_numbers_never_print_exponents():
    assert people_number(2655190.0, "persons") == "2.66 million"
    assert people_number(1.92884e10, "current USD") == "US$ 19.29 billion"
    assert people_number(9678849.0, "persons") == "9.68 million"
    assert people_number(256545.0, "persons") == "256,545"


def test_the_collection_is_large_and_labelled():
    assert len(CLAIMS) >= 60
    for claim in CLAIMS:
        assert {"text", "origin", "destination", "measure"} <= set(claim), claim
        assert claim.get("verdict") in (None, *VERDICTS), claim


@pytest.fixture(scope="module")
def handle(real_release):
    registry = ReleaseRegistry(real_release)
    yield registry.current()
    registry.close()


@pytest.fixture(scope="module")
def answers(handle):
    return [(claim, answer_claim(handle, claim["text"])) for claim in CLAIMS]


@pytest.fixture(scope="module")
def client(real_server):
    with httpx.Client(base_url=real_server, timeout=60) as http:
        yield http


@pytest.mark.mirror
@pytest.mark.slow
class TestOnTheRealRelease:
    def test_parse_accuracy(self, answers):
        correct = []
        for claim, answer in answers:
            if claim.get("understood", True):
                got = (answer["understood"], answer["origin"], answer["destination"], answer["family"])
                correct.append(got == (True, claim["origin"], claim["destination"], claim["measure"]))
            else:
                correct.append(not answer["understood"])
        accuracy = sum(correct) / len(correct)
        missed = [claim["text"] for (claim, _), ok in zip(answers, correct, strict=True) if not ok]
        print(f"claim parse accuracy: {sum(correct)}/{len(correct)} = {accuracy:.1%}; missed: {missed}")
        assert accuracy >= REQUIRED_ACCURACY, missed

    def test_labelled_verdicts(self, answers):
        wrong = [
            (claim["text"], answer["verdict"], answer["statement"])
            for claim, answer in answers
            if claim.get("verdict") and answer["verdict"] != claim["verdict"]
        ]
        assert not wrong

    def test_unread_claims_say_so_with_what_was_understood(self, answers):
        refused = [answer for claim, answer in answers if not claim.get("understood", True)]
        assert len(refused) >= 10
        for answer in refused:
            assert answer["verdict"] == "cannot read this claim" and answer["answer"] is None
            assert answer["statement"].startswith("Cannot read this claim: ") and answer["problems"]
            assert {"family", "origin", "destination", "mentions"} <= set(answer)

    def test_invasion_claim_reads_who_moves_where(self, handle):
        answer = answer_claim(handle, "Europe is being invaded by African migrants")
        assert (answer["origin"], answer["destination"]) == ("CONT_AFRICA", "CONT_EUROPE")
        assert answer["verdict"] == "the data cannot say"
        assert "from Africa in Europe" in answer["statement"]

    def test_most_refugees_in_rich_countries_shows_the_share(self, handle):
        answer = answer_claim(handle, "Most refugees live in rich countries")
        assert answer["destination"] == "WBI_HIGH_INCOME" and answer["question"] == "share"
        assert 0 < answer["answer"] < 0.5 and answer["verdict"] == "not supported by the data"
        assert f"{answer['answer']:.0%}" in answer["statement"]

    def test_headlines_are_formatted_for_people(self, answers):
        assert len(answers) == len(CLAIMS) and any(answer["figures"] for _claim, answer in answers)
        for _claim, answer in answers:
            assert "e+" not in answer["statement"], answer["statement"]
            assert all("e+" not in figure["text"] for figure in answer["figures"])


@pytest.mark.mirror
@pytest.mark.slow
class TestOneNumberPerQuestion:
    def answer(self, client, text):
        response = client.get("/api/claims/answer", params={"text": text})
        assert response.status_code == 200
        return response.json()

    def test_corridor_claim_matches_the_corridor_api(self, client):
        answer = self.answer(client, "More than 10 million Mexicans live in the US")
        stock = {row["year"]: row["total"] for row in client.get("/api/corridors/MEX/USA").json()["stock"]}
        assert answer["figures"][0]["value"] == pytest.approx(stock[answer["year"]], rel=1e-9)

    def test_area_claim_matches_the_indicator_api(self, client):
        answer = self.answer(client, "Germany hosts 2 million refugees")
        params = {"area": "DEU", "limit": 1000}
        rows = client.get("/api/indicators/refugees_hosted/values", params=params).json()["data"]
        values = {row["year"]: row["value"] for row in rows if row.get("sex") in (None, "total")}
        assert answer["measure"] == "refugees_hosted"
        assert answer["answer"] == pytest.approx(values[answer["year"]], rel=1e-9)

    def test_two_routes_to_the_same_question_agree(self, client):
        answer = self.answer(client, "Most refugees live in rich countries")
        check = client.get(
            "/api/claims/check",
            params={"measure": answer["measure"], "destination": "WBI_HIGH_INCOME", "year": answer["year"]},
        ).json()
        assert answer["figures"][0]["value"] == pytest.approx(check["total"], rel=1e-9)
