"""Closing sections every publication shares: related evidence, data gaps, sources annex."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlsplit

import duckdb

from observatory.publish.data import ReleaseData
from observatory.publish.document import Document, Link, Notice, Prose, Section, Table, gaps, source_ids

NO_EVIDENCE = "No related evidence yet."


def _evidence_store(data: ReleaseData):
    """The evidence store of the same home, or None when there is none (or the module is not available)."""
    try:
        from observatory.evidence.store import STORE_FILE, EvidenceStore
    except ImportError:
        return None
    if data.settings is None:
        return None
    path = data.settings.evidence_dir / STORE_FILE
    return EvidenceStore(path) if path.is_file() else None


def related_evidence(
    data: ReleaseData, area: str | None = None, corridor: tuple[str, str] | None = None, limit: int = 8
) -> list[dict]:
    """Public evidence records about an area or a corridor; [] when the evidence library is absent, empty or busy."""
    try:
        from observatory.evidence import evidence_for_area, evidence_for_corridor
        from observatory.evidence.findings import format_reference
    except ImportError:
        return []
    try:
        store = _evidence_store(data)
        if store is None:
            return []
        records = (
            evidence_for_corridor(*corridor, limit=limit, store=store)
            if corridor
            else evidence_for_area(cast(str, area), limit=limit, store=store)
        )
    except (duckdb.Error, OSError):  # the store is being written by an import: publish without it
        return []
    for record in records:
        record["reference"] = format_reference(record)
    return records


def evidence_section(
    data: ReleaseData, area: str | None = None, corridor: tuple[str, str] | None = None, title: str = "Related evidence"
) -> Section:
    """Findings about the place with their confidence, then research and testimonies linked to it, most certain
    first; or 'no related evidence yet'."""
    from observatory.publish.findings import finding_blocks

    findings = finding_blocks(data, area=area, corridor=corridor)
    records = related_evidence(data, area=area, corridor=corridor)
    if not records and not findings:
        return Section("evidence", title, [Notice(NO_EVIDENCE, kind="info")])
    lines = [
        f"{n}. {r['reference']} (themes: {', '.join(r['themes']) or 'none'}; link confidence {r['confidence']:.2f})\n"
        for n, r in enumerate(records, start=1)
    ]
    blocks = [*findings, Prose(lines)] if lines else findings
    return Section("evidence", f"Findings and {title.lower()}" if findings else title, blocks)


def gaps_section(document: Document, data: ReleaseData) -> Section:
    """Every 'no data' in the document with its reason."""
    missing = gaps(document)
    if not missing:
        return Section(
            "gaps", "Data gaps", [Notice("Every figure in this publication has a value in this release.", "info")]
        )
    rows = [
        [f.label, " → ".join(data.name(x) for x in (f.origin, f.destination) if x) or data.name(f.area), f.reason or ""]
        for f in missing
    ]
    return Section(
        "gaps",
        "Data gaps",
        [
            Notice(
                f"{len(missing)} figures have no value in this release; they are shown as “no data”, never as zero."
            ),
            Table("Missing figures and why", ["Figure", "Area or corridor", "Reason"], rows, numbered=False),
        ],
    )


LINK_TEXT_LIMIT = 34  # characters of an address shown in the annex (the link keeps the whole address)


def short_link(url: str, limit: int = LINK_TEXT_LIMIT) -> str:
    """An address shortened for print: no scheme or 'www.', the path cut with '…' when it is too long."""
    parts = urlsplit(url)
    host = parts.netloc.removeprefix("www.")
    rest = parts.path.rstrip("/") + (f"?{parts.query}" if parts.query else "")
    text = host + rest
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    slash = cut.rfind("/")
    return (cut[: slash + 1] if slash >= len(host) else cut) + "…"


def _link(url: str | None) -> Link | str:
    """A Link for a web address; anything else (no address, another scheme) as plain text."""
    if not url:
        return "—"
    if urlsplit(url).scheme in {"http", "https"}:
        return Link(short_link(url), url)
    return url


def sources_section(
    document: Document, data: ReleaseData, title: str = "Sources annex", compact: bool = False
) -> Section:
    """Every dataset cited, numbered as in the text, as a four-column table that fits the text block: citation (or,
    compact, the publisher and the licence's first clause only: the profile's annex has the rest), version and
    licence, and a short link keeping the full address."""
    ids = source_ids(document)
    rows: list[list] = []
    for number, ds in enumerate(data.datasets(ids), start=1):
        version, licence = ds.get("version_producer") or "", ds.get("licence") or ""
        if compact:
            rows.append(
                [f"[{number}]", ds.get("publisher") or ds["id"], licence.split(";")[0], _link(ds.get("url_main"))]
            )
        else:
            citation = ds.get("citation_full") or ds.get("title") or ds["id"]
            rows.append(
                [
                    f"[{number}]",
                    citation,
                    f"{ds['id']}: {version}. Licence: {licence}",
                    _link(ds.get("url_main")),
                ]
            )
    columns = ["#", "Dataset", "Licence", "Link"] if compact else ["#", "Citation", "Version and licence", "Link"]
    widths = [6, 56, 22, 16] if compact else [5, 50, 31, 14]
    document.meta["datasets"] = [
        {k: (str(v) if v is not None and k in {"retrieved_at", "date_accessed"} else v) for k, v in ds.items()}
        for ds in data.datasets(ids)
    ]
    # A brief's masthead already names the release: its compact list goes without the notice.
    blocks: list[Any] = (
        []
        if compact
        else [
            Notice(
                f"Figures come from warehouse release {data.release_id}: indicator values computed by the indicator "
                "engine, and context observations as published by their producers.",
                "info",
            )
        ]
    )
    if rows:
        table = Table(
            "Datasets cited",
            columns,
            rows,
            numbered=False,
            row_ids=[f"src-{n}" for n in range(1, len(rows) + 1)],
            css_class="sources",
            widths=widths,
        )
        blocks.append(table)
    else:
        blocks.append(Notice("No dataset is cited: the release has no value for any figure of this publication."))
    return Section("sources", title, blocks)
