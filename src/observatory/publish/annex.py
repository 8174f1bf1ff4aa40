"""Closing sections every publication shares: related evidence, data gaps, sources annex."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlsplit

import duckdb

from observatory.i18n.declarations import term
from observatory.i18n.languages import route
from observatory.publish.data import ReleaseData
from observatory.publish.document import Document, Link, Notice, Prose, Section, Table, gaps, source_ids
from observatory.publish.language import N_, text

NO_EVIDENCE = N_("No related evidence yet.")


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


def evidence_section(data: ReleaseData, area: str | None = None, corridor: tuple[str, str] | None = None) -> Section:
    """Findings about the place with their confidence, then research and testimonies linked to it, most certain
    first; or 'no related evidence yet'. Records keep their own language (the reference as published)."""
    from observatory.publish.findings import finding_blocks

    _ = data._
    findings = finding_blocks(data, area=area, corridor=corridor)
    records = related_evidence(data, area=area, corridor=corridor)
    if not records and not findings:
        return Section("evidence", _("Related evidence"), [Notice(_(NO_EVIDENCE), kind="info")])
    lines = [
        f"{n}. {r['reference']} ("
        + text(
            _("themes: %(themes)s; link confidence %(confidence)s"),
            themes=", ".join(r["themes"]) or _("none"),
            confidence=f"{r['confidence']:.2f}",
        )
        + ")\n"
        for n, r in enumerate(records, start=1)
    ]
    blocks = [*findings, Prose(lines)] if lines else findings
    return Section("evidence", _("Findings and related evidence") if findings else _("Related evidence"), blocks)


def gaps_section(document: Document, data: ReleaseData) -> Section:
    """Every 'no data' in the document with its reason."""
    _ = data._
    missing = gaps(document)
    if not missing:
        return Section(
            "gaps", _("Data gaps"), [Notice(_("Every figure in this publication has a value in this release."), "info")]
        )
    rows = [
        [
            f.label,
            route((data.name(x) for x in (f.origin, f.destination) if x), data.lang) or data.name(f.area),
            f.reason or "",
        ]
        for f in missing
    ]
    return Section(
        "gaps",
        _("Data gaps"),
        [
            Notice(
                text(
                    _(
                        "%(count)s figures have no value in this release; they are shown as “%(no_data)s”, never as "
                        "zero."
                    ),
                    count=len(missing),
                    no_data=term("no_data", data.lang),
                )
            ),
            Table(
                _("Missing figures and why"), [_("Figure"), _("Area or corridor"), _("Reason")], rows, numbered=False
            ),
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


def sources_section(document: Document, data: ReleaseData, title: str | None = None, compact: bool = False) -> Section:
    """Every dataset cited, numbered as in the text, as a four-column table that fits the text block: citation (or,
    compact, the publisher and the licence's first clause only: the profile's annex has the rest), version and
    licence, and a short link keeping the full address."""
    _ = data._
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
                    text(
                        _("%(dataset)s: %(version)s. Licence: %(licence)s"),
                        dataset=ds["id"],
                        version=version,
                        licence=licence,
                    ),
                    _link(ds.get("url_main")),
                ]
            )
    columns = (
        ["#", _("Dataset"), _("Licence"), _("Link")]
        if compact
        else ["#", _("Citation"), _("Version and licence"), _("Link")]
    )
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
                text(
                    _(
                        "Figures come from warehouse release %(release)s: indicator values computed by the indicator "
                        "engine, and context observations as published by their producers."
                    ),
                    release=data.release_id,
                ),
                "info",
            )
        ]
    )
    if rows:
        table = Table(
            _("Datasets cited"),
            columns,
            rows,
            numbered=False,
            row_ids=[f"src-{n}" for n in range(1, len(rows) + 1)],
            css_class="sources",
            widths=widths,
        )
        blocks.append(table)
    else:
        blocks.append(Notice(_("No dataset is cited: the release has no value for any figure of this publication.")))
    return Section("sources", title or _("Sources annex"), blocks)
