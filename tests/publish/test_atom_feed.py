"""The catalogue's Atom feed validates: RELAX NG of RFC 4287's required structure, and rules a schema cannot say."""

from __future__ import annotations

from datetime import datetime

import pytest
from lxml import etree

from observatory.publish.catalogue import NewPublication, register_publication, release_folder
from observatory.publish.feed import atom_feed
from observatory.settings import Settings

ATOM = "{http://www.w3.org/2005/Atom}"
# RFC 4287 sections 4.1.1 and 4.1.2 in RELAX NG (XML syntax): the elements a feed and an entry must carry (id,
# title, updated; author; link with href), each at most once where the RFC says so, with dates as RFC 3339.
SCHEMA = """<?xml version="1.0"?>
<grammar xmlns="http://relaxng.org/ns/structure/1.0" ns="http://www.w3.org/2005/Atom"
         datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">
  <start><ref name="feed"/></start>
  <define name="common"><optional><attribute name="xml:lang" ns=""><text/></attribute></optional></define>
  <define name="text"><optional><attribute name="type">
    <choice><value>text</value><value>html</value></choice></attribute></optional><text/></define>
  <define name="date"><data type="dateTime"/></define>
  <define name="person"><element name="author"><interleave>
    <element name="name"><text/></element>
    <optional><element name="uri"><data type="anyURI"/></element></optional>
    <optional><element name="email"><text/></element></optional></interleave></element></define>
  <define name="link"><element name="link"><attribute name="href"><data type="anyURI"/></attribute>
    <optional><attribute name="rel"><text/></attribute></optional>
    <optional><attribute name="type"><text/></attribute></optional>
    <optional><attribute name="length"><data type="nonNegativeInteger"/></attribute></optional>
    <empty/></element></define>
  <define name="category"><element name="category"><attribute name="term"><text/></attribute>
    <optional><attribute name="label"><text/></attribute></optional><empty/></element></define>
  <define name="feed"><element name="feed">
    <optional><attribute name="xml:lang"><text/></attribute></optional><interleave>
    <element name="id"><data type="anyURI"/></element>
    <element name="title"><ref name="text"/></element>
    <element name="updated"><ref name="date"/></element>
    <oneOrMore><ref name="person"/></oneOrMore>
    <oneOrMore><ref name="link"/></oneOrMore>
    <optional><element name="subtitle"><ref name="text"/></element></optional>
    <optional><element name="generator"><optional><attribute name="uri"/></optional>
      <optional><attribute name="version"/></optional><text/></element></optional>
    <zeroOrMore><ref name="entry"/></zeroOrMore></interleave></element></define>
  <define name="entry"><element name="entry"><interleave>
    <element name="id"><data type="anyURI"/></element>
    <element name="title"><ref name="text"/></element>
    <element name="updated"><ref name="date"/></element>
    <optional><element name="published"><ref name="date"/></element></optional>
    <zeroOrMore><ref name="person"/></zeroOrMore>
    <oneOrMore><ref name="link"/></oneOrMore>
    <optional><element name="summary"><ref name="text"/></element></optional>
    <zeroOrMore><ref name="category"/></zeroOrMore></interleave></element></define>
</grammar>
"""


@pytest.fixture
def home(tmp_path) -> Settings:
    settings = Settings(home=tmp_path / "home")
    for series, subject, formats, authors in [
        ("MP", "DEU", ("html", "pdf"), []),
        ("PB", "SYR-DEU", ("pdf",), ["Ana Lopez", "Kwame Mensah"]),
        ("BP", "theme:climate", ("md",), ["Secretariat"]),
    ]:
        folder = release_folder(settings, "r1", series)
        folder.mkdir(parents=True, exist_ok=True)
        files = {}
        for fmt in formats:
            files[fmt] = folder / f"{subject.replace(':', '_')}.{fmt}"
            files[fmt].write_bytes(b"content & <more>")
        register_publication(
            settings,
            NewPublication(
                series=series, subject=subject, title=f"{subject} <&> title", release="r1", authors=authors, files=files
            ),
        )
    return settings


def test_feed_validates_against_the_atom_schema(home):
    document = etree.fromstring(atom_feed(home, "http://127.0.0.1:8000"))
    schema = etree.RelaxNG(etree.fromstring(SCHEMA.encode()))
    assert schema.validate(document), schema.error_log


def test_feed_follows_rfc_4287_rules_beyond_the_schema(home):
    root = etree.fromstring(atom_feed(home, "http://127.0.0.1:8000"))
    assert root.tag == f"{ATOM}feed"
    self_links = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert [link.get("href") for link in self_links] == ["http://127.0.0.1:8000/api/publications/feed.atom"]
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 3
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert len(set(ids)) == 3 and all(i.startswith("tag:") for i in ids), "ids are unique, permanent IRIs"
    stamps = [datetime.fromisoformat(entry.findtext(f"{ATOM}updated")) for entry in entries]
    assert all(s.tzinfo is not None for s in stamps), "RFC 3339 dates carry a time zone"
    assert datetime.fromisoformat(root.findtext(f"{ATOM}updated")) == max(stamps)
    for entry in entries:
        links = entry.findall(f"{ATOM}link")
        alternates = [
            (link.get("type"), link.get("hreflang")) for link in links if link.get("rel", "alternate") == "alternate"
        ]
        assert len(alternates) == len(set(alternates)) == 1, "one alternate link per type and language (4.1.1)"
        enclosures = [link for link in links if link.get("rel") == "enclosure"]
        assert enclosures and all(link.get("type") and link.get("length").isdigit() for link in enclosures)
    by_title = {entry.findtext(f"{ATOM}title"): entry for entry in entries}
    brief = by_title["SYR-DEU <&> title (Policy Briefs No. 1)"]
    assert [a.findtext(f"{ATOM}name") for a in brief.findall(f"{ATOM}author")] == ["Ana Lopez", "Kwame Mensah"]
    assert [
        link.get("type") for link in by_title["DEU <&> title (Migration Profiles No. 1)"].findall(f"{ATOM}link")
    ] == [
        "text/html",
        "text/html",
        "application/pdf",
    ]


def test_an_empty_catalogue_is_still_a_valid_feed(tmp_path):
    document = etree.fromstring(atom_feed(Settings(home=tmp_path / "empty"), "http://localhost"))
    assert etree.RelaxNG(etree.fromstring(SCHEMA.encode())).validate(document)
    assert document.findall(f"{ATOM}entry") == []
