"""Publication commands (profile, profiles, corridor, brief, report), mounted on the main app by `register(app)`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, cast

import typer
from rich.console import Console

from observatory.settings import get_settings

HomeOption = Annotated[
    Path | None, typer.Option("--home", help="Folder with the releases (default ./var or $OBSERVATORY_HOME).")
]
MirrorOption = Annotated[
    Path | None, typer.Option("--mirror", help="Raw-file mirror (for the world map file geo/world-atlas/...).")
]
FormatOption = Annotated[str, typer.Option("--format", "-f", help="html, pdf, md or json.")]
OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out", "-o", help="Output file (default: standard output; a PDF: <place>-<kind>.<lang>.pdf in this folder)."
    ),
]
ReleaseOption = Annotated[str | None, typer.Option("--release", help="A named release instead of the current one.")]
LangOption = Annotated[
    str, typer.Option("--lang", help="Language of the document: ar, zh, en, fr, ru or es (the six UN languages).")
]


def _open(home: Path | None, mirror: Path | None, release: str | None, lang: str = "en"):
    from observatory.publish.data import ReleaseData

    return ReleaseData.open(get_settings(home=home, mirror=mirror), release, lang=lang)


def default_pdf_name(document) -> Path:
    """Where a PDF asked for without --out goes: the working folder, named by place, kind and language."""
    meta = document.meta
    place = meta.get("area") or f"{meta.get('origin')}-{meta.get('destination')}"
    return Path(f"{place}-{document.kind}.{meta.get('language') or 'en'}.pdf")


def _emit(document, fmt: str, out: Path | None, layout: str = "document") -> None:
    from observatory.publish.render import write

    if fmt == "pdf" and out is None:  # a PDF cannot go to the terminal
        out = default_pdf_name(document)
    result = write(document, fmt, out, layout=layout)
    if out is None:
        typer.echo(result, nl=False)
    else:
        Console(stderr=True).print(f"wrote {result}", highlight=False)


def _fail(message: str) -> None:
    Console(stderr=True).print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(1)


def _code(data, text: str, role: str = "area") -> str:
    """The area code for what a person typed, a code or a name (`nepal` → NPL); else a ValueError with suggestions."""
    from observatory.geo.lookup import AreaDirectory

    return AreaDirectory.from_connection(data.con).resolve(text, role)


def _run(build, fmt: str, out: Path | None, home, mirror, release, layout: str = "document", lang: str = "en") -> None:
    """Open the release, build the document, render it; errors end with a one-line message."""
    from observatory.publish.data import PublishError
    from observatory.warehouse.releases import ReleaseError

    try:
        data = _open(home, mirror, release, lang)
        try:
            _emit(build(data), fmt, out, layout)
        finally:
            data.close()
    except (PublishError, ReleaseError, ValueError) as error:
        _fail(str(error))


def profile(
    iso3: Annotated[str, typer.Argument(help="ISO3 code or name, e.g. MEX or mexico.")],
    fmt: FormatOption = "html",
    out: OutOption = None,
    home: HomeOption = None,
    mirror: MirrorOption = None,
    release: ReleaseOption = None,
    lang: LangOption = "en",
) -> None:
    """Country Migration Profile (IOM structure) from the current release.

    Example: observatory profile MEX --format pdf --out mexico.pdf   |   observatory profile SEN --lang fr --format pdf
    --out senegal.pdf
    """
    from observatory.publish.profile import country_profile

    _run(lambda data: country_profile(data, _code(data, iso3)), fmt, out, home, mirror, release, lang=lang)


def profiles(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Folder for the documents (default: the release's publication folder, catalogued)."
        ),
    ] = None,
    all_countries: Annotated[bool, typer.Option("--all", help="Every country of the release.")] = False,
    countries: Annotated[list[str] | None, typer.Argument(help="ISO3 codes or names (or --all).")] = None,
    fmt: FormatOption = "html",
    kinds: Annotated[list[str] | None, typer.Option("--kind", help="profile and/or brief (repeatable).")] = None,
    home: HomeOption = None,
    mirror: MirrorOption = None,
    release: ReleaseOption = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, max=256, help="Worker processes (default: every core, at most one per 4 documents)."
        ),
    ] = None,
) -> None:
    """Write many country profiles (one file each) on every core with a progress bar; without --out, the release's
    catalogued batch. A failed document is listed at the end (file and reason) and the exit code is 1.

    Example: observatory profiles --all --format html --out profiles/   |   observatory profiles --all --kind profile
    --kind brief --format pdf
    """
    from observatory.publish.batch import describe_failures, folder_jobs, release_jobs, run_batch

    if not all_countries and not countries:
        _fail("name countries or pass --all")
    chosen_kinds = tuple(dict.fromkeys(kinds or ["profile"]))
    if set(chosen_kinds) - {"profile", "brief"}:
        _fail("--kind must be profile or brief")
    data = _open(home, mirror, release)
    try:
        try:
            codes = (
                data.countries() if all_countries else [_code(data, country) for country in cast(list[str], countries)]
            )
            jobs = (
                release_jobs(codes, chosen_kinds, (fmt,))
                if out is None
                else folder_jobs(codes, chosen_kinds, (fmt,), out)
            )
        except ValueError as error:
            _fail(str(error))
        report = run_batch(data, jobs, progress=True, workers=workers)
        failed = describe_failures(report, data)
    finally:
        data.close()
    timings = report.timings
    cpu = sum(o.cpu_seconds for o in report.outcomes if o.error is None)
    where = out or "the release's publication folder (catalogued)"
    console = Console(stderr=True)
    console.print(
        f"{len(timings)} publications in {report.wall_seconds:.1f} s on {report.workers} processes "
        f"({sum(timings.values()) / max(len(timings), 1):.2f} s each, {cpu / max(len(timings), 1):.2f} s CPU each) "
        f"-> {where}",
        highlight=False,
    )
    if failed:
        console.print(f"[bold red]{len(report.failures)} failed:[/]", highlight=False)
        console.print(failed, highlight=False, markup=False)
        raise typer.Exit(1)


def corridor(
    origin: Annotated[str, typer.Argument(help="Origin country (where migrants were born), ISO3 or name.")],
    destination: Annotated[str, typer.Argument(help="Destination country, ISO3 or name.")],
    fmt: FormatOption = "html",
    out: OutOption = None,
    home: HomeOption = None,
    mirror: MirrorOption = None,
    release: ReleaseOption = None,
    lang: LangOption = "en",
) -> None:
    """Corridor profile: stocks, flows, asylum, drivers, costs and benefits of origin -> destination.

    Example: observatory corridor MEX USA --format pdf --out mex-usa.pdf
    """
    from observatory.publish.corridor import corridor_profile

    _run(
        lambda data: corridor_profile(data, _code(data, origin, "origin"), _code(data, destination, "destination")),
        fmt,
        out,
        home,
        mirror,
        release,
        lang=lang,
    )


def brief(
    iso3: Annotated[str | None, typer.Argument(help="ISO3 code or name of a country.")] = None,
    corridor_pair: Annotated[
        tuple[str, str] | None, typer.Option("--corridor", help="ORIGIN DESTINATION instead of a country.")
    ] = None,
    fmt: FormatOption = "pdf",
    out: OutOption = None,
    home: HomeOption = None,
    mirror: MirrorOption = None,
    release: ReleaseOption = None,
    lang: LangOption = "en",
) -> None:
    """Two-page brief (A4 PDF): key messages with their sources, two charts and a map.

    Example: observatory brief SSD --out ssd-brief.pdf   |   observatory brief MEX --lang es --out mexico.pdf
    """
    from observatory.publish.brief import corridor_brief, country_brief

    if (iso3 is None) == (corridor_pair is None):
        _fail("give either a country code or --corridor ORIGIN DESTINATION")
    if corridor_pair:

        def build(data):
            origin, destination = corridor_pair
            return corridor_brief(data, _code(data, origin, "origin"), _code(data, destination, "destination"))
    else:

        def build(data):
            return country_brief(data, _code(data, iso3))

    _run(build, fmt, out, home, mirror, release, layout="brief", lang=lang)


def report(
    outline: Annotated[Path, typer.Argument(help="Outline YAML listing the Markdown chapters.")],
    fmt: FormatOption = "html",
    out: OutOption = None,
    home: HomeOption = None,
    mirror: MirrorOption = None,
    release: ReleaseOption = None,
) -> None:
    """Assessment or thematic report from an outline of Markdown chapters with live directives.

    Example: observatory report examples/thematic-report/outline.yml --format pdf --out report.pdf
    """
    from observatory.publish.report import build_report

    _run(lambda data: build_report(data, outline), fmt, out, home, mirror, release)


def register(app: typer.Typer) -> None:
    """Add the publication commands to the main `observatory` app."""
    app.command("profile")(profile)
    app.command("profiles")(profiles)
    app.command("corridor")(corridor)
    app.command("brief")(brief)
    app.command("report")(report)
