"""Jinja2 environments of the portal (one per language): templates, numbers and names in the page's language, the
language prefix of addresses, and the context every page gets."""

from __future__ import annotations

import json
import math
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import BytecodeCache, Environment, FileSystemLoader, select_autoescape
from jinja2.bccache import Bucket
from markupsafe import Markup, escape

from observatory.api.localise import place_name as localised_place_name
from observatory.api.problems import not_found
from observatory.api.queries.catalogue import cite, release_info
from observatory.api.queries.series import SCHEME_LABELS
from observatory.api.release_cache import ReleaseHandle
from observatory.i18n.declarations import TERMS, indicator_text, term
from observatory.i18n.languages import DEFAULT_LANGUAGE, LANGUAGES, direction, native_name
from observatory.i18n.messages import gettext_for, translations
from observatory.i18n.numbers import format_value
from observatory.publish.catalogue import CatalogueError
from observatory.web.charts import (
    GEO_FILE,
    PALETTE,
    Chart,
    ChartDrawings,
    chart_csv,
    chart_metadata,
    render_image,
)


def N_(message: str) -> str:
    """Mark a message for extraction where it is declared; it is translated where it is shown."""
    return message


TEMPLATES = Path(__file__).parent / "templates"
NAV = (
    ("/", N_("Home")),
    ("/countries", N_("Countries")),
    ("/corridors", N_("Corridors")),
    ("/indicators", N_("Indicators")),
    ("/frameworks", N_("Frameworks")),
    ("/claims", N_("Check a claim")),
    ("/evidence", N_("Evidence")),
    ("/findings", N_("Findings")),
    ("/knowledge", N_("Research & policy")),
    ("/reports", N_("Reports")),
    ("/sources", N_("Sources")),
)
# Paths that are the same in every language (files, the API, map geometry): never given a language prefix.
UNPREFIXED = ("/static", "/api", "/geo")
PREFIXED_LANGUAGES = tuple(code for code in LANGUAGES if code != DEFAULT_LANGUAGE)
# Opening tags that carry an address; a link naming its language (hreflang) is the switcher's and is left as written.
ADDRESS_TAG = re.compile(r"<(?:a|form)\b[^>]*>")
ADDRESS = re.compile(r'\b(href|action)="(/[^"]*)"')
# ?download=<chart id>.<format> on any page: that view's data or drawing (the page's own URL, so it can be shared).
DOWNLOAD = re.compile(r"^(chart-[0-9a-f]{10})\.(csv|json|svg|png)$")
DRAWINGS_LOCK = threading.Lock()  # one set of chart drawings per app, even when two first requests race
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


def language_of(request: Request) -> str:
    """The page's language, set from the path prefix by LanguagePrefix (English when there is none)."""
    return getattr(request.state, "lang", DEFAULT_LANGUAGE)


def gettext_of(request: Request):
    """The `_` of the request's language, for messages written in the page code (titles, chart texts, notes)."""
    return gettext_for(language_of(request))


def split_language(path: str) -> tuple[str, str]:
    """(language, path without its prefix): /fr/countries/DEU -> (fr, /countries/DEU); English has no prefix."""
    head, _, rest = path[1:].partition("/")
    if head in PREFIXED_LANGUAGES:
        unprefixed = "/" + rest
        if not unprefixed.startswith(UNPREFIXED):
            return head, unprefixed
    return DEFAULT_LANGUAGE, path


def localised_path(path: str, lang: str) -> str:
    """A portal address in a language: the prefix added to a page's path, never to files, the API or the geometry."""
    if lang == DEFAULT_LANGUAGE or not path.startswith("/") or path.startswith(("//", *UNPREFIXED)):
        return path
    if split_language(path)[0] != DEFAULT_LANGUAGE:  # already in a language
        return path
    return f"/{lang}{path}" if path != "/" else f"/{lang}"


def localise_links(html: str, lang: str) -> str:
    """Every portal link and form of a page kept in its language (the switcher's links name theirs and stay)."""
    if lang == DEFAULT_LANGUAGE:
        return html

    def tag(match: re.Match[str]) -> str:
        text = match.group(0)
        if "hreflang=" in text:
            return text
        return ADDRESS.sub(lambda m: f'{m.group(1)}="{localised_path(m.group(2), lang)}"', text)

    return ADDRESS_TAG.sub(tag, html)


def localise_chart_links(value: Any, lang: str) -> None:
    """Addresses a chart's marks lead to (Vega `url` fields of its data), in the page's language; in place."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "url" and isinstance(item, str):
                value[key] = localised_path(item, lang)
            else:
                localise_chart_links(item, lang)
    elif isinstance(value, list):
        for item in value:
            localise_chart_links(item, lang)


class LanguagePrefix:
    """ASGI middleware: /fr/…, /ar/…, /zh/…, /ru/…, /es/… are the pages of / in that language; the prefix is taken
    off the path (so every route, guard and cache sees one path per page) and kept as state["lang"]; redirects keep
    the language."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        lang, path = split_language(scope["path"])
        scope.setdefault("state", {})["lang"] = lang
        if lang == DEFAULT_LANGUAGE:
            await self.app(scope, receive, send)
            return

        async def localised_redirects(message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, localised_path(value.decode("latin-1"), lang).encode("latin-1"))
                    if name.lower() == b"location"
                    else (name, value)
                    for name, value in message.get("headers", [])
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app({**scope, "path": path, "raw_path": path.encode()}, receive, localised_redirects)


def number_in(lang: str):
    """The `number` filter of a language: English keeps the portal's own wording (tests read it), the others CLDR's;
    numbers in Arabic pages are isolated (<bdi>) so their digits and signs are never reordered by the text around."""
    if lang == DEFAULT_LANGUAGE:
        return number

    def localised(value: Any, unit: str = "") -> str | Markup:
        text = format_value(value, unit or None, lang)
        return Markup(f"<bdi>{escape(text)}</bdi>") if direction(lang) == "rtl" else text

    return localised


def share_in(lang: str):
    """The `share` filter of a language."""
    return share if lang == DEFAULT_LANGUAGE else (lambda value: number_in(lang)(value, "share"))


def indicator_title(item: Any, lang: str) -> str:
    """An indicator's (or Series') title in `lang` from the declarations; a raw measure keeps its publisher's."""
    item_id, title = _field(item, "id"), _field(item, "title")
    if lang == DEFAULT_LANGUAGE:
        return title
    try:
        return indicator_text(item_id, lang)[0]
    except KeyError:
        return title


def indicator_unit(item: Any, lang: str) -> str:
    """An indicator's unit in `lang`; a raw measure's unit as published."""
    unit = _field(item, "unit")
    if lang == DEFAULT_LANGUAGE:
        return unit
    try:
        return indicator_text(_field(item, "id"), lang)[1]
    except KeyError:
        return unit


def indicator_definition(item: Any, lang: str) -> str:
    """An indicator's plain-language definition in `lang`; a raw measure's as published."""
    definition = _field(item, "definition")
    if lang == DEFAULT_LANGUAGE:
        return definition
    try:
        return indicator_text(_field(item, "id"), lang)[2]
    except KeyError:
        return definition


def _field(item: Any, name: str) -> Any:
    """A field of a row (dict) or of an object (Series)."""
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def place_name(handle: ReleaseHandle | None, code: str | None, lang: str, fallback: str | None = None) -> str:
    """An area's name in `lang` (the API's localisation); without a release or code, the fallback as given."""
    if handle is None or code is None:
        return fallback or code or ""
    return localised_place_name(handle, code, lang, fallback or None)


def declared_messages() -> list[str]:
    """Messages the portal shows from other layers' declarations (group schemes, claim verdicts, confidence levels):
    extracted with the templates' (scripts/messages.py) so every catalogue translates them."""
    from observatory.api.queries.claims import SCHEMES, VERDICTS
    from observatory.evidence.findings import CONFIDENCE_LEVELS

    return sorted(
        {*SCHEME_LABELS.values(), *SCHEMES.values(), *VERDICTS, *(f"{level} confidence" for level in CONFIDENCE_LEVELS)}
    )


def status_label(status: str | None, lang: str) -> str:
    """A value's status (reported, estimated, modelled, minimum) in `lang`, from the declarations' terms."""
    return term(status, lang) if status in TERMS else (status or "")


class SharedBytecode(BytecodeCache):
    """Compiled templates shared by the six language environments: a template is parsed and compiled once per process,
    not once per language (the code is the same: translations are looked up when a page is rendered)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def load_bytecode(self, bucket: Bucket) -> None:
        with self._lock:
            code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)  # a changed source (other checksum) is ignored by the bucket

    def dump_bytecode(self, bucket: Bucket) -> None:
        code = bucket.bytecode_to_string()
        with self._lock:
            self._code[bucket.key] = code


@lru_cache(maxsize=1)
def shared_bytecode() -> SharedBytecode:
    """The one compiled-template store of the process."""
    return SharedBytecode()


def warm_up(handle: ReleaseHandle | None = None, languages: tuple[str, ...] = LANGUAGES) -> None:
    """Load, in every language, what a first page would otherwise load while its reader waits: the message catalogue,
    the declared indicator texts and place names of the release, and every template (compiled once, then read from the
    shared store by the other languages)."""
    from observatory.api.queries.catalogue import areas, indicators

    for lang in languages:
        gettext_for(lang)
        if handle is not None:
            for item in indicators(handle).values():
                indicator_title(item, lang)
                indicator_unit(item, lang)
            for code in areas(handle):
                place_name(handle, code, lang)
        env = environment(lang)
        for name in env.list_templates(extensions=["html"]):
            env.get_template(name)


@lru_cache(maxsize=len(LANGUAGES))
def environment(lang: str = DEFAULT_LANGUAGE) -> Environment:
    """The template environment of a language (built once per process; templates and catalogues are package files)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
        bytecode_cache=shared_bytecode(),
        auto_reload=False,  # package files: no stat of every template on every page (slow on a busy disk)
    )
    from observatory.web.compare import view_href  # compare.py names areas with this module's place_name

    env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks are read as one line, as babel.cfg extracts them
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        number=number_in(lang),
        share=share_in(lang),
        tojson_script=tojson_script,
        indicator_title=lambda item: indicator_title(item, lang),
        indicator_unit=lambda item: indicator_unit(item, lang),
        indicator_definition=lambda item: indicator_definition(item, lang),
    )
    _ = translations(lang).gettext
    env.globals.update(
        scheme_labels=SCHEME_LABELS,
        view_href=view_href,
        palette=PALETTE,
        lang=lang,
        text_direction=direction(lang),
        status_label=lambda status: status_label(status, lang),
        confidence_label=lambda level: _(f"{level} confidence"),
    )
    return env


def language_links(request: Request, lang: str) -> list[dict[str, str]]:
    """The switcher: this page in each of the six languages (its own name, its address, whether it is this one)."""
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "download"], safe=",")
    path = request.url.path + (f"?{query}" if query else "")
    return [
        {
            "code": code,
            "name": native_name(code),
            "href": localised_path(path, code) if code != DEFAULT_LANGUAGE else path,
            "current": "true" if code == lang else "",
        }
        for code in LANGUAGES
    ]


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
    lang = language_of(request)
    query = request.url.query
    permalink = request.url.path + (f"?{query}" if query else "")
    wanted = request.query_params.get("download")
    if wanted is not None and status_code == 200:
        return download(request, handle, wanted, context, cited, permalink)
    drawings = chart_drawings(request, handle)
    undrawn = False
    for chart in page_charts(context):
        chart.page_url = permalink
        localise_chart_links(chart.spec, lang)
        chart.spec_json = tojson_script(chart.spec)
        if drawings is not None:
            chart.svg = drawings.svg(chart) or ""
            undrawn = undrawn or not chart.svg
    html = (
        environment(lang)
        .get_template(template)
        .render(
            request=request,
            title=title,
            nav=NAV,
            path=request.url.path,
            permalink=localised_path(permalink, lang),
            languages=language_links(request, lang),
            release=release_info(handle) if handle else None,
            release_id=handle.release_id if handle else None,
            sources=cited,
            place=lambda code, fallback=None: place_name(handle, code, lang, fallback),
            **context,
        )
    )
    response = HTMLResponse(localise_links(html, lang), status_code=status_code)
    if undrawn:  # the next request shows the server's drawing: no browser or shared cache keeps this page
        response.headers["Cache-Control"] = "no-store"
    return response


def chart_drawings(request: Request, handle: ReleaseHandle | None) -> ChartDrawings | None:
    """The server's chart drawings of the release a request reads (one set per app, replaced with the release)."""
    state = request.app.state
    settings = getattr(state, "settings", None)
    if handle is None or settings is None:
        return None
    with DRAWINGS_LOCK:
        current = getattr(state, "chart_drawings", None)
        if current is not None and current.release_id == handle.release_id:
            return current
        try:
            fresh = ChartDrawings.for_release(settings, handle.release_id, geometry_file(settings))
        except CatalogueError:  # a release id no folder can be named after: browsers draw its charts
            return None
        if current is not None:
            current.close()
        state.chart_drawings = fresh
        return fresh


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
