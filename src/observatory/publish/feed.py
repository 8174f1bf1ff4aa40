"""Atom feed (RFC 4287) of the newest publications in the catalogue, made with feedgen."""

from __future__ import annotations

from datetime import UTC, datetime

from feedgen.feed import FeedGenerator
from lxml import etree

from observatory.publish.catalogue import search_publications
from observatory.settings import Settings

# Atom ids must never change (RFC 4287 4.2.6): tag URIs (RFC 4151) do not depend on the host serving the feed.
TAG = "tag:migration-observatory.org,2026"
PUBLISHER = "Migration Observatory"
FEED_ENTRIES = 50
ATOM = "{http://www.w3.org/2005/Atom}"


def _instant(text: str) -> datetime:
    """An ISO timestamp ('...Z') as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def atom_feed(settings: Settings, base_url: str, limit: int = FEED_ENTRIES) -> bytes:
    """The newest publications as an Atom document; links are absolute on base_url (scheme://host[:port])."""
    base = base_url.rstrip("/")
    entries, _ = search_publications(settings, limit=limit)
    feed = FeedGenerator()
    feed.id(f"{TAG}:publications")
    feed.title("Migration Observatory: new publications")
    feed.subtitle("Migration Profiles, corridor profiles, briefs, reports, dialogue records and background papers.")
    feed.author({"name": PUBLISHER, "uri": base + "/"})
    feed.link(href=f"{base}/api/publications/feed.atom", rel="self", type="application/atom+xml")
    feed.link(href=f"{base}/reports", rel="alternate", type="text/html")
    feed.language("en")
    feed.generator("Migration Observatory")
    # An empty catalogue still has a well-defined 'updated': the feed was made now.
    feed.updated(max((_instant(e["updated"]) for e in entries), default=datetime.now(UTC).replace(microsecond=0)))
    for entry in reversed(entries):  # feedgen prepends: add oldest first so the document lists newest first
        item = feed.add_entry()
        item.id(f"{TAG}:publication:{entry['id']}")
        item.title(f"{entry['title']} ({entry['citation_number']})")
        item.updated(_instant(entry["updated"]))
        item.published(_instant(entry["registered"]))
        for name in entry["authors"] or [PUBLISHER]:
            item.author({"name": name})
        item.link(href=f"{base}/reports/{entry['id']}", rel="alternate", type="text/html")
        release = f" Data release {entry['release']}." if entry["release"] else ""
        about = entry["summary"] or entry["subtitle"] or ""
        item.summary(f"{entry['series_title']} No. {entry['number']}, {entry['date']}.{release} {about}".strip())
        item.category(term=entry["series"], label=entry["series_title"])
    return _with_enclosures(feed.atom_str(pretty=False), {f"{TAG}:publication:{e['id']}": e for e in entries}, base)


def _with_enclosures(document: bytes, entries: dict[str, dict], base: str) -> bytes:
    """Give each entry link its rel and type, and one enclosure link per format.

    feedgen 1.0.0 drops the attributes of entry links other than href (its loop variable shadows the link data), so
    several formats would become several 'alternate' links of no type, which RFC 4287 4.1.1 forbids.
    """
    root = etree.fromstring(document)
    for element in root.iter(f"{ATOM}entry"):
        entry = entries[element.findtext(f"{ATOM}id")]
        for link in element.findall(f"{ATOM}link"):
            link.set("rel", "alternate")
            link.set("type", "text/html")
        anchor = element.findall(f"{ATOM}link")[-1]
        for fmt in reversed(entry["formats"]):
            enclosure = etree.Element(f"{ATOM}link")
            enclosure.set("href", base + fmt["url"])
            enclosure.set("rel", "enclosure")
            enclosure.set("type", fmt["media_type"])
            enclosure.set("length", str(fmt["bytes"]))
            anchor.addnext(enclosure)
    etree.indent(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
