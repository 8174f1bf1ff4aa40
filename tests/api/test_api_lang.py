"""The API in the six UN languages (lang=): declared texts translated, codes, ids, values and years never changed;
unknown languages refused without echo; Content-Language, ETags and the replay cache kept per language."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from observatory.i18n.declarations import category_label, declarations, indicator_text
from observatory.i18n.glossary import glossary
from observatory.i18n.languages import LANGUAGES

# Fields that carry declared or composed text for people; every other field (codes, ids, values, years, publishers' own
# texts) must be the same in every language.
TEXT_FIELDS = frozenset(
    {
        "name",
        "short_name",
        "partner_name",
        "title",
        "unit",
        "stock_unit",
        "definition",
        "text",
        "label",
        "category_label",
        "category_labels",
        "scheme_label",
        "verdict_label",
        "problem_labels",
        "statement",
        "error",
    }
)
# Where a text field is the publisher's (dataset titles in citations), it is data: the same in every language.
VERBATIM_BLOCKS = frozenset({"sources"})
# Every API route that takes lang= (the others answer 400 to it, like any parameter they do not declare).
LANG_ROUTES = {
    "/api/areas",
    "/api/areas/{code}",
    "/api/indicators",
    "/api/indicators/{indicator_id}",
    "/api/indicators/{indicator_id}/values",
    "/api/indicators/{indicator_id}/map",
    "/api/frameworks",
    "/api/frameworks/{framework}",
    "/api/profiles/{code}",
    "/api/corridors",
    "/api/corridors/{origin}/{destination}",
    "/api/claims/parse",
    "/api/claims/answer",
    "/api/claims/check",
}
SYNTHETIC_URLS = [
    "/api/areas",
    "/api/areas/CONT_EUROPE",
    "/api/areas/FRA",
    "/api/indicators",
    "/api/indicators/migrant_stock",
    "/api/indicators/migrant_stock/values?area=FRA",
    "/api/indicators/migrant_stock/map",
    "/api/frameworks",
    "/api/frameworks/GCM",
    "/api/frameworks/SDG",
    "/api/profiles/FRA",
    "/api/corridors?origin=MAR",
    "/api/corridors/MAR/FRA",
    "/api/claims/check?measure=corridor_stock&origin=MAR&destination=FRA",
    "/api/claims/check?measure=migrant_stock&area=DEU",
]
REAL_URLS = [
    "/api/areas",
    "/api/areas/DEU",
    "/api/areas/CONT_AFRICA",
    "/api/areas/WBI_HIGH_INCOME",
    "/api/indicators",
    "/api/indicators/migrant_stock",
    "/api/indicators/refugees_hosted/values?area=DEU&year_from=2015",
    "/api/indicators/migrant_share_of_population/map",
    "/api/frameworks",
    "/api/frameworks/GCM",
    "/api/frameworks/GCR",
    "/api/frameworks/SDG",
    "/api/profiles/SEN",
    "/api/corridors?destination=DEU",
    "/api/corridors/MEX/USA",
    "/api/corridors/SYR/DEU",
    "/api/claims/check?measure=corridor_stock&origin=CONT_AFRICA&destination=CONT_EUROPE&scheme=wb_income",
    "/api/claims/answer?text=Most+African+migrants+go+to+Europe",
    "/api/claims/answer?text=Germany+hosts+most+refugees+in+Europe",
    "/api/claims/parse?text=Zzyzx+qwerty",
]


def in_language(url: str, lang: str) -> str:
    """The URL with lang= added to its query."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=urlencode([*parse_qsl(parts.query), ("lang", lang)])))


def without_language(url: str) -> str:
    """A link the API wrote (pagination), with the lang= it carries taken off."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "lang"])))


def compare(english: Any, other: Any, path: str, differences: list[str], verbatim: bool = False) -> None:
    """Assert two answers agree everywhere but in declared text fields; collect the paths of texts that differ."""
    if isinstance(english, dict):
        assert isinstance(other, dict) and list(english) == list(other), f"{path}: keys differ"
        for key in english:
            where = f"{path}.{key}"
            if key in TEXT_FIELDS and not verbatim:
                if english[key] != other[key]:
                    differences.append(where)
                assert (english[key] is None) == (other[key] is None), f"{where}: present in one language only"
            elif key in ("next", "previous") and isinstance(english[key], str):
                assert without_language(english[key]) == without_language(other[key]), where
            else:
                compare(english[key], other[key], where, differences, verbatim or key in VERBATIM_BLOCKS)
    elif isinstance(english, list):
        assert isinstance(other, list) and len(english) == len(other), f"{path}: lengths differ"
        for index, (a, b) in enumerate(zip(english, other, strict=True)):
            compare(a, b, f"{path}[{index}]", differences, verbatim)
    else:
        assert english == other, f"{path}: {english!r} != {other!r}"


def six_languages(client: httpx.Client, urls: list[str]) -> dict[str, list[str]]:
    """Fetch every URL in the six languages, check them against English; language -> paths of translated texts."""
    translated: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
    for url in urls:
        english = client.get(url)
        assert english.status_code == 200, (url, english.text[:300])
        assert english.headers["content-language"] == "en"
        for lang in LANGUAGES:
            answer = client.get(in_language(url, lang))
            assert answer.status_code == 200, (url, lang, answer.text[:300])
            assert answer.headers["content-language"] == lang
            compare(english.json(), answer.json(), f"{url}[{lang}]", translated[lang])
    return translated


@pytest.fixture
def client(synthetic_server):
    with httpx.Client(base_url=synthetic_server, timeout=60) as http:
        yield http


def test_six_languages_differ_only_in_declared_texts(client):
    translated = six_languages(client, SYNTHETIC_URLS)
    assert translated["en"] == []
    for lang in LANGUAGES:
        if lang != "en":  # every language translates the indicator, its framework and the areas
            assert any(".indicator.title" in path for path in translated[lang]), lang
            assert any(".members[0].name" in path for path in translated[lang]), lang


def test_texts_are_the_declarations(client):
    release_texts = client.get("/api/indicators/migrant_stock").json()["indicator"]
    for lang in LANGUAGES:
        indicator = client.get("/api/indicators/migrant_stock", params={"lang": lang}).json()["indicator"]
        texts = (indicator["title"], indicator["unit"], indicator["definition"])
        framework = client.get("/api/frameworks/GCM", params={"lang": lang}).json()
        if lang == "en":  # English is the release's own catalogue (the synthetic one words it shortly)
            assert texts == (release_texts["title"], release_texts["unit"], release_texts["definition"])
        else:
            assert texts == indicator_text("migrant_stock", lang)
            assert framework["title"] == glossary(lang)["gcm"]
            first = framework["objectives"][0]
            declared = declarations(lang).frameworks["GCM"][first["code"]]
            assert (first["short_name"], first["text"]) == (declared.short_name, declared.text)
    assert client.get("/api/areas/DEU", params={"lang": "fr"}).json()["area"]["name"] == "Allemagne"
    assert client.get("/api/areas/DEU", params={"lang": "zh"}).json()["area"]["name"] == "德国"
    assert client.get("/api/areas/MAR", params={"lang": "ar"}).json()["area"]["name"] == "المغرب"


@pytest.mark.parametrize("value", ["de", "FR", "", "fr-CA", "xx<script>alert(1)</script>", "e" * 500])
def test_unknown_language_is_refused_without_echo(client, value):
    response = client.get("/api/indicators/migrant_stock", params={"lang": value})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "content-language" not in response.headers
    body = response.json()
    assert body["title"] == "Unknown language"
    assert all(code in body["detail"] for code in LANGUAGES)
    if value not in LANGUAGES and len(value) > 2:
        assert value not in response.text


def test_only_routes_with_declared_texts_take_lang(client):
    assert client.get("/api/datasets", params={"lang": "fr"}).status_code == 400
    assert client.get("/api/release", params={"lang": "fr"}).status_code == 400
    assert client.get("/api/areas", params={"lang": "fr"}).status_code == 200


def test_openapi_documents_lang_on_every_route_that_takes_it(client):
    schema = client.get("/api/openapi.json").json()
    documented = set()
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "lang":
                    documented.add(path)
                    assert parameter["in"] == "query" and not parameter.get("required", False)
                    assert parameter["schema"]["enum"] == list(LANGUAGES) and parameter["schema"]["default"] == "en"
                    assert "Content-Language" in parameter["description"]
    assert documented == LANG_ROUTES


def test_etag_and_replay_are_per_language(client):
    url = "/api/indicators"  # a replayed prefix: finished answers are served from memory without routing
    titles = {}
    etags = {}
    for lang in ("fr", "en", "fr", "ar", "en", "ar"):
        response = client.get(url, params={"lang": lang})
        rows = {row["id"]: row for row in response.json()["data"]}
        titles.setdefault(lang, rows["migrant_stock"]["title"])
        assert rows["migrant_stock"]["title"] == titles[lang] == indicator_text("migrant_stock", lang)[0]
        assert response.headers["content-language"] == lang
        assert etags.setdefault(lang, response.headers["etag"]) == response.headers["etag"]
    assert len(set(etags.values())) == 3
    french = client.get(url, params={"lang": "fr"}, headers={"If-None-Match": etags["en"]})
    assert french.status_code == 200 and french.headers["content-language"] == "fr"
    assert client.get(url, params={"lang": "fr"}, headers={"If-None-Match": etags["fr"]}).status_code == 304


def test_profile_cache_is_per_language(client):
    french = client.get("/api/profiles/MAR", params={"lang": "fr"}).json()
    english = client.get("/api/profiles/MAR").json()
    again = client.get("/api/profiles/MAR", params={"lang": "fr"}).json()
    assert french == again and french["area"]["name"] == "Maroc" and english["area"]["name"] == "Morocco"


def test_the_url_decides_not_the_language_prefix_or_header(client):
    """The portal's /fr/ prefix is for pages: /fr/api/… is no address, and Accept-Language never changes an answer
    (so a cache keyed on the URL is always right)."""
    assert client.get("/fr/api/areas/DEU").status_code == 404
    negotiated = client.get("/api/areas/DEU", headers={"Accept-Language": "fr"})
    assert negotiated.headers["content-language"] == "en" and negotiated.json()["area"]["name"] == "Germany"
    asked = client.get("/api/areas/DEU", params={"lang": "zh"}, headers={"Accept-Language": "fr"})
    assert asked.headers["content-language"] == "zh" and asked.json()["area"]["name"] == "德国"


@pytest.mark.mirror
@pytest.mark.slow
def test_real_release_in_six_languages(real_server):
    with httpx.Client(base_url=real_server, timeout=120) as http:
        translated = six_languages(http, REAL_URLS)
        for lang in LANGUAGES:
            if lang == "en":
                continue
            paths = translated[lang]
            for field in ("title", "definition", "name", "category_labels", "scheme_label", "verdict_label"):
                assert any(path.endswith(f".{field}") for path in paths), (lang, field)
        catalogue = {row["id"]: row for row in http.get("/api/indicators").json()["data"]}
        labelled = [row for row in catalogue.values() if row.get("category_labels")]
        assert labelled  # modelled flows' methods, asylum application and decision types
        for lang in LANGUAGES:
            rows = {row["id"]: row for row in http.get("/api/indicators", params={"lang": lang}).json()["data"]}
            changed = 0
            for row in labelled:
                english, labels = json.loads(row["category_labels"]), json.loads(rows[row["id"]]["category_labels"])
                assert labels == {code: category_label(row["id"], code, lang) for code in english}
                changed += labels != english
            assert changed > 0 or lang == "en"
