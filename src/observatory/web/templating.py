"""Jinja2 environment of the portal: templates, number formatting and the context every page gets."""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from observatory.api.problems import not_found
from observatory.api.queries.catalogue import cite, release_info
from observatory.api.queries.series import SCHEME_LABELS
from observatory.api.release_cache import ReleaseHandle
from observatory.web.charts import GEO_FILE, PALETTE, Chart, chart_csv, chart_metadata, render_image
from observatory.web.compare import view_href

TEMPLATES = Path(__file__).parent / "templates"
NAV = (
    ("/", "Home"),
    ("/countries", "Countries"),
    ("/corridors", "Corridors"),
    ("/indicators", "Indicators"),
    ("/frameworks", "Frameworks"),
    ("/claims", "Check a claim"),
    ("/evidence", "Evidence"),
    ("/findings", "Findings"),
    ("/knowledge", "Research & policy"),
    ("/reports", "Reports"),
    ("/sources", "Sources"),
)
# ?download=<chart id>.<format> on any page: that view's data or drawing (the page's own URL, so it can be shared).
DOWNLOAD = re.compile(r"^(chart-[0-9a-f]{10})\.(csv|json|svg|png)$")
DOWNLOAD_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "svg": "image/svg+xml",
    "png": "image/png",
}


def number(value: Any, unit: str = "") -> str:
    """A number for people: 8.5 million, 12.3%, 0.72, USD 3.2 billion."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    unit = (unit or "").lower()
    if "percent" in unit or unit.startswith("%"):
        return f"{value:,.1f}%"
    if unit == "share" or unit == "ratio 0-1":
        return f"{value:.1%}"
    magnitude = abs(value)
    prefix = "USD " if "usd" in unit else ""
    if magnitude >= 1e9:
        return f"{prefix}{value / 1e9:,.2f} billion"
    if magnitude >= 1e6:
        return f"{prefix}{value / 1e6:,.2f} million"
    if magnitude >= 1000 or value == int(value):
        return f"{prefix}{value:,.0f}"
    return f"{prefix}{value:,.3g}"


def share(value: Any) -> str:
    """A share 0..1 as a percentage."""
    return "–" if value is None else f"{value:.1%}"


def tojson_script(value: Any) -> Markup:
    """JSON safe to embed in a <script type="application/json"> element."""
    text = (
        json.dumps(value, ensure_ascii=False, default=str)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    return Markup(text)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The template environment (built once per process; templates are package files)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(number=number, share=share, tojson_script=tojson_script)
    env.globals.update(scheme_labels=SCHEME_LABELS, view_href=view_href, palette=PALETTE)
    return env


def render(
    request: Request,
    handle: ReleaseHandle | None,
    template: str,
    *,
    title: str,
    sources: list[dict] | set[str] | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """A page with the shared context: navigation, release, permalink and the sources it cites."""
    cited = (
        sources
        if isinstance(sources, list) and (not sources or isinstance(sources[0], dict))
        else (cite(handle, sources or []) if handle else [])
    )
    query = request.url.query
    permalink = request.url.path + (f"?{query}" if query else "")
    wanted = request.query_params.get("download")
    if wanted is not None and status_code == 200:
        return download(request, handle, wanted, context, cited, permalink)
    for chart in page_charts(context):
        chart.page_url = permalink
    html = (
        environment()
        .get_template(template)
        .render(
            request=request,
            title=title,
            nav=NAV,
            path=request.url.path,
            permalink=permalink,
            release=release_info(handle) if handle else None,
            release_id=handle.release_id if handle else None,
            sources=cited,
            **context,
        )
    )
    return HTMLResponse(html, status_code=status_code)


def page_charts(context: dict[str, Any]) -> list[Chart]:
    """Every chart a page shows (alone or in a list)."""
    found: list[Chart] = []
    for value in context.values():
        if isinstance(value, Chart):
            found.append(value)
        elif isinstance(value, list | tuple):
            found.extend(v for v in value if isinstance(v, Chart))
    return found


def geometry_file(settings: Any) -> Path | None:
    """The world-atlas TopoJSON from the mirror (or the download cache); never stored in the repository."""
    for root in (getattr(settings, "mirror", None), getattr(settings, "cache_dir", None)):
        if root is not None and (Path(root) / GEO_FILE).is_file():
            return Path(root) / GEO_FILE
    return None


def download(
    request: Request,
    handle: ReleaseHandle | None,
    wanted: str,
    context: dict[str, Any],
    sources: list[dict],
    permalink: str,
) -> Response:
    """One chart of the page as CSV (with release and sources), JSON metadata, SVG or PNG."""
    match = DOWNLOAD.match(wanted)
    chart = next((c for c in page_charts(context) if match and c.chart_id == match.group(1)), None)
    if match is None or chart is None:
        raise not_found("chart", "download", "use a download link of this page")
    kind = match.group(2)
    release_id = handle.release_id if handle else None
    view = permalink.split("download=")[0].rstrip("?&")
    if kind == "csv":
        body: bytes = chart_csv(chart, release_id, sources).encode()
    elif kind == "json":
        body = json.dumps(chart_metadata(chart, release_id, view, sources), ensure_ascii=False, indent=1).encode()
    else:
        try:
            body = render_image(chart, kind, geometry_file(request.app.state.settings))
        except FileNotFoundError:
            raise not_found("map geometry", "download", "the server's mirror lacks geo/world-atlas") from None
    filename = f"{chart.chart_id}.{kind}"
    return Response(
        body,
        media_type=DOWNLOAD_TYPES[kind],
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-cache"},
    )
