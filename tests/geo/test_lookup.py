"""Names a person types resolve to area codes; near misses get 'did you mean', ambiguous names list the candidates."""

from __future__ import annotations

import pytest

from observatory.geo.lookup import MAX_NAME_LENGTH, AreaDirectory, AreaLookupError

AREAS = [
    {"code": "NPL", "name": "Nepal", "short_name": "Nepal", "kind": "country", "iso2": "NP"},
    {"code": "NER", "name": "Niger", "short_name": "Niger", "kind": "country", "iso2": "NE"},
    {"code": "CIV", "name": "Côte d'Ivoire", "short_name": None, "kind": "country", "iso2": "CI"},
    {"code": "KOR", "name": "Republic of Korea", "short_name": None, "kind": "country", "iso2": "KR"},
    {
        "code": "PRK",
        "name": "Democratic People's Republic of Korea",
        "short_name": None,
        "kind": "country",
        "iso2": "KP",
    },
    {"code": "SDN", "name": "Sudan", "short_name": None, "kind": "country", "iso2": "SD"},
    {"code": "SUD", "name": "Sudan (before 2011)", "short_name": None, "kind": "historical", "iso2": None},
    {"code": "XKX", "name": "Kosovo", "short_name": None, "kind": "other_entity", "iso2": "XK"},
    {"code": "CONT_EUROPE", "name": "Europe", "short_name": None, "kind": "group", "iso2": None},
    {"code": "UNR_EUROPE", "name": "Europe", "short_name": None, "kind": "group", "iso2": None},
    {"code": "DEU", "name": "Germany", "short_name": None, "kind": "country", "iso2": "DE"},
]
ALIASES = [
    {"alias": "Sudan*", "code": "SUD", "scheme": "name"},
    {"alias": "Ivory Coast", "code": "CIV", "scheme": "name"},
    {"alias": "KOS", "code": "XKX", "scheme": "code"},
    {"alias": "GFR", "code": "DEU", "scheme": "unhcr"},
    {"alias": "Atlantis", "code": "ATL", "scheme": "name"},  # an alias of no listed area is ignored
]


@pytest.fixture(scope="module")
def directory() -> AreaDirectory:
    return AreaDirectory(AREAS, ALIASES)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("NPL", "NPL"),
        ("npl", "NPL"),
        (" Npl ", "NPL"),  # codes, any case
        ("nepal", "NPL"),
        ("NEPAL", "NPL"),
        ("Népal", "NPL"),  # names, case- and accent-insensitive
        ("cote d’ivoire", "CIV"),
        ("CÔTE D'IVOIRE", "CIV"),
        ("ivory coast", "CIV"),  # curly apostrophe; alias
        ("kos", "XKX"),  # a declared alternative code
        ("sudan", "SDN"),  # today's Sudan, not the historical area that also answers to "Sudan*"
    ],
)
def test_codes_names_and_aliases_resolve(directory, typed, code):
    assert directory.resolve(typed) == code


def test_a_near_miss_suggests_the_code_and_name(directory):
    with pytest.raises(AreaLookupError, match="^unknown area 'nepl'") as caught:
        directory.resolve("nepl")
    assert str(caught.value) == "unknown area 'nepl': did you mean NPL (Nepal)?"
    assert [c.code for c in caught.value.candidates] == ["NPL"]


def test_a_role_names_the_option(directory):
    with pytest.raises(AreaLookupError, match=r"^unknown origin 'germny': did you mean DEU \(Germany\)\?$"):
        directory.resolve("germny", "origin")


def test_an_ambiguous_name_lists_every_candidate(directory):
    with pytest.raises(AreaLookupError, match="^'Europe' names 2 areas") as caught:
        directory.resolve("Europe")
    assert "CONT_EUROPE (Europe), UNR_EUROPE (Europe)" in str(caught.value)
    assert [c.code for c in caught.value.candidates] == ["CONT_EUROPE", "UNR_EUROPE"]


def test_a_word_of_several_names_offers_each(directory):
    with pytest.raises(AreaLookupError, match="^unknown area 'korea': did you mean one of") as caught:
        directory.resolve("korea")
    assert {c.code for c in caught.value.candidates} == {"KOR", "PRK"}
    assert "did you mean one of" in str(caught.value)


def test_other_code_schemes_are_suggested_not_taken(directory):
    """ISO2 and UNHCR codes collide with typos of ISO3 codes, so they are offered, never silently used."""
    with pytest.raises(AreaLookupError, match=r"did you mean NPL \(Nepal\)\?"):
        directory.resolve("np")
    with pytest.raises(AreaLookupError, match=r"did you mean DEU \(Germany\)\?"):
        directory.resolve("GFR")


def test_nothing_close_says_so(directory):
    with pytest.raises(AreaLookupError, match="no code, name or alias is close") as caught:
        directory.resolve("xyzzy")
    assert caught.value.candidates == ()
    with pytest.raises(AreaLookupError, match="unknown area 'Atlantis'"):  # the orphan alias was not loaded
        directory.resolve("Atlantis")


@pytest.mark.parametrize("typed", ["", "   "])
def test_an_empty_name_is_refused(directory, typed):
    with pytest.raises(AreaLookupError, match="empty area"):
        directory.resolve(typed)


def test_long_input_is_refused_without_being_repeated(directory):
    typed = "nepal" * (MAX_NAME_LENGTH // 5 + 1)
    with pytest.raises(AreaLookupError, match="^the area is longer than any area name") as caught:
        directory.resolve(typed)
    assert "nepalnepal" not in str(caught.value).lower() and len(str(caught.value)) < 120
    assert directory.suggestions(typed) == ()


@pytest.mark.parametrize("typed", ["[bold red]nepl[/]", "nep\x1b[31ml", "ne\npl", "nepl\u202e"])
def test_markup_and_control_characters_never_reach_the_message(directory, typed):
    with pytest.raises(AreaLookupError, match="^unknown area '") as caught:
        directory.resolve(typed)
    message = str(caught.value)
    assert not any(char in message for char in "[]\x1b\n\u202e"), message
    assert len(message) < 200


def test_only_a_bounded_part_of_a_plain_name_is_repeated(directory):
    typed = "a very long place name that names nothing at all in this reference"
    assert len(typed) <= MAX_NAME_LENGTH
    with pytest.raises(AreaLookupError, match="no code, name or alias is close") as caught:
        directory.resolve(typed)
    assert typed not in str(caught.value) and "a very long place name" in str(caught.value)


@pytest.mark.mirror
def test_every_country_of_the_real_release_resolves_by_its_own_name(con):
    """Over the release: each country's name and short name give its code, unless another area shares the name."""
    directory = AreaDirectory.from_connection(con)
    countries = con.execute("SELECT code, name, short_name FROM area WHERE kind = 'country' ORDER BY code").fetchall()
    assert len(countries) > 200
    wrong = []
    for code, *names in countries:
        for name in filter(None, names):
            try:
                if directory.resolve(name) != code:
                    wrong.append((code, name))
            except AreaLookupError as error:
                if code not in {c.code for c in error.candidates}:
                    wrong.append((code, name))
    assert not wrong


@pytest.mark.mirror
def test_the_real_release_knows_nepal(con):
    directory = AreaDirectory.from_connection(con)
    assert directory.resolve("nepal") == directory.resolve("NPL") == "NPL"
    assert directory.resolve("United States") == "USA" and directory.resolve("Türkiye") == "TUR"
    with pytest.raises(AreaLookupError, match=r"did you mean NPL \(Nepal\)\?$"):
        directory.resolve("nepl")
