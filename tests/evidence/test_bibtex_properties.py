"""BibTeX properties: any record round-trips (TeX specials, genres, keys); any input reads without crash or echo."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from observatory.evidence.formats import BIBTEX_GENRES, BIBTEX_TYPES, read_bibtex, valid_citation_key, write_bibtex
from observatory.evidence.records import Genre, Record, RecordType, citation_key_of, work_source_key

# Letters, accents and every character TeX or BibTeX treats specially.
NASTY = "abcXYZéüçñøÅŁş019&%$#_{}~^\\-`'\"!?.:()<>@=/"
word = st.text(alphabet=NASTY, min_size=1, max_size=8).filter(lambda w: w.lower() != "and")
phrase = st.lists(word, min_size=1, max_size=6).map(" ".join)
plain_word = st.text(alphabet="abcdefXYZéüñ019-", min_size=1, max_size=8).filter(lambda w: w.lower() != "and")
author = st.one_of(
    st.tuples(word, word).map(lambda p: f"{p[0]}, {p[1]}"),
    st.tuples(word, word).map(lambda p: f"{p[0]} {p[1]}"),
    st.lists(word, min_size=2, max_size=4).map(lambda ws: " and ".join(ws)),  # a body such as 'Ford and Sons'
)
citation_key = st.from_regex(r"[A-Za-z][A-Za-z0-9:_./+-]{0,20}", fullmatch=True)
records = st.builds(
    Record,
    title=phrase,
    authors=st.lists(author, max_size=3),
    year=st.one_of(st.none(), st.integers(1500, 2100)),
    type=st.sampled_from(list(RecordType)),
    genre=st.one_of(st.none(), st.sampled_from(list(Genre))),
    venue=st.one_of(st.none(), phrase),
    doi=st.one_of(st.none(), st.from_regex(r"10\.[0-9]{4,5}/[a-z0-9_%#&.()-]{1,12}", fullmatch=True)),
    url=st.one_of(st.none(), st.from_regex(r"https://example\.org/[a-z0-9_%#&?=]{1,12}", fullmatch=True)),
    abstract=st.one_of(st.none(), phrase),
    language=st.one_of(st.none(), phrase),
    licence=st.one_of(st.none(), phrase),
    keywords=st.lists(st.lists(plain_word, min_size=1, max_size=3).map(" ".join), max_size=3, unique=True),
    note=st.one_of(st.none(), phrase),
)
FIELDS = [
    "title",
    "authors",
    "year",
    "type",
    "venue",
    "doi",
    "url",
    "abstract",
    "language",
    "licence",
    "keywords",
    "note",
]


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(records, citation_key), min_size=1, max_size=4))
def test_any_record_round_trips_with_its_key_and_genre(pairs: list[tuple[Record, str]]) -> None:
    recs = [r.model_copy(update={"source_key": work_source_key("bibtex", key, r)}) for r, key in pairs]
    back = read_bibtex(write_bibtex(recs), "round.bib")
    assert [i for i in back.issues if i.level == "error"] == []
    assert len(back.records) == len(recs)
    for rec, got in zip(recs, back.records, strict=True):
        assert {f: getattr(got, f) for f in FIELDS} == {f: getattr(rec, f) for f in FIELDS}
        assert got.genre == (rec.genre or BIBTEX_GENRES[BIBTEX_TYPES[rec.type.value]])
        assert got.source_key == rec.source_key
        assert citation_key_of(got.source_key) == citation_key_of(rec.source_key)


# Pieces of values: TeX, BibTeX delimiters, the word CANARY (which no issue may repeat); never '@', so no value
# can open an entry and make CANARY a citation key (keys may be quoted in issues).
VALUE_TOKENS = [
    "CANARY",
    " ",
    "\n",
    ",",
    "=",
    "{",
    "}",
    '"',
    "#",
    "2019",
    "1066",
    "and",
    " and ",
    "\\'e",
    '\\"{u}',
    "\\c{c}",
    "--",
    "\\href{x}",
    "$",
    "%",
    "&",
    "\\",
    "_",
    "~",
    "^",
    "{\\L}",
    "jan",
    "(",
    ")",
]
soup = st.lists(st.sampled_from(VALUE_TOKENS), max_size=12).map("".join)
value = st.one_of(
    soup.map(lambda v: "{" + v + "}"),
    soup.map(lambda v: f'"{v}"'),
    soup,
    st.sampled_from(["2019", "jan", "undefined # {x}", "{2019} # jan"]),
)
field = st.tuples(
    st.sampled_from(["title", "Title", "author", "year", "journal", "school", "doi", "url", "note", "evidence_type"]),
    value,
).map(lambda p: f"  {p[0]} = {p[1]}")
entry = st.tuples(
    st.sampled_from(["article", "book", "phdthesis", "report", "misc", ""]),
    st.sampled_from(["Roweetal2017", "k1", "", "a b", "x,y"]),
    st.lists(field, max_size=5),
).map(lambda e: f"@{e[0]}{{{e[1]},\n" + ",\n".join(e[2]) + "\n}")
bibliography = st.lists(st.one_of(entry, entry, soup), max_size=6).map("\n".join)


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(bibliography)
def test_any_input_is_read_without_crash_or_echo(text: str) -> None:
    result = read_bibtex(text, "fuzz.bib")
    lines = max(1, len(text.splitlines()))
    for issue in result.issues:
        assert issue.line is not None and 1 <= issue.line <= lines
        assert "CANARY" not in str(issue)
        for quoted in re.findall(r"'([^']*)'", issue.message):
            assert valid_citation_key(quoted) or quoted in {t.value for t in RecordType}
    assert all(r.title.strip() for r in result.records)
