"""The publications catalogue: series numbers, identity, search, imports, refusals; on-demand renders are locked."""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

import pytest
from pydantic import ValidationError

from observatory.publish.catalogue import (
    CatalogueError,
    NewPublication,
    find_publication,
    get_publication,
    import_publication,
    register_publication,
    release_folder,
    search_publications,
)
from observatory.publish.on_demand import Busy, Wanted, ensure_publication, file_path
from observatory.settings import Settings

from .conftest import RELEASE_ID, make_tiny_release


@pytest.fixture
def home(tmp_path) -> Settings:
    return Settings(home=tmp_path / "home")


def written(settings: Settings, series: str, name: str, text: str = "<p>x</p>") -> Path:
    folder = release_folder(settings, "r1", series)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def publication(settings: Settings, series: str = "MP", subject: str = "DEU", **extra) -> NewPublication:
    if "files" not in extra:
        extra["files"] = {"html": written(settings, series, f"{subject}.html")}
    extra.setdefault("title", f"Profile {subject}")
    extra.setdefault("release", "r1")
    return NewPublication(series=series, subject=subject, **extra)


def test_numbers_count_within_a_series_and_a_new_edition_keeps_its_number(home):
    first = register_publication(home, publication(home, subject="DEU", authors=["Ana Lopez"]))
    second = register_publication(home, publication(home, subject="FRA"))
    brief = register_publication(home, publication(home, series="PB", subject="DEU"))
    assert (first["id"], second["id"], brief["id"]) == ("MP-0001", "MP-0002", "PB-0001")
    assert first["citation_number"] == "Migration Profiles No. 1" and first["authors"] == ["Ana Lopez"]
    pdf = written(home, "MP", "DEU.pdf", "%PDF-1.7 test")
    again = register_publication(home, publication(home, subject="DEU", files={"pdf": pdf}, title="Profile: Germany"))
    assert again["id"] == "MP-0001" and again["title"] == "Profile: Germany"
    assert [f["format"] for f in again["formats"]] == ["html", "pdf"], "formats accumulate, in a fixed order"
    assert again["formats"][1]["url"] == "/api/publications/publications/r1/mp/DEU.pdf"
    other_release = register_publication(home, publication(home, subject="DEU", release="r2"))
    assert other_release["id"] == "MP-0003", "another release's profile is another publication"


def test_numbers_are_never_given_twice_when_many_register_at_once(home):
    results: list[str] = []
    threads = [
        threading.Thread(
            target=lambda n=n: results.append(register_publication(home, publication(home, subject=f"C{n:02d}"))["id"])
        )
        for n in range(12)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [f"MP-{n:04d}" for n in range(1, 13)]


def test_search_filters_and_missing_files(home):
    register_publication(home, publication(home, subject="DEU", title="Migration Profile: Germany"))
    register_publication(home, publication(home, series="PB", subject="SYR-DEU", title="Syria to Germany in brief"))
    register_publication(home, publication(home, subject="MEX", title="Migration Profile: Mexico", language="es"))
    entries, total = search_publications(home, "germany")
    assert total == 2 and {e["id"] for e in entries} == {"MP-0001", "PB-0001"}
    assert [e["id"] for e in search_publications(home, "germany profile")[0]] == ["MP-0001"]
    assert [e["id"] for e in search_publications(home, series="PB")[0]] == ["PB-0001"]
    assert [e["id"] for e in search_publications(home, language="es")[0]] == ["MP-0002"]
    assert search_publications(home, "100%_")[1] == 0, "LIKE wildcards in the words are literal"
    (home.home / "publications" / "r1" / "mp" / "DEU.html").unlink()
    assert get_publication(home, "MP-0001")["formats"] == [], "a file that is gone is not offered"
    assert get_publication(home, "MP-9999") is None and get_publication(home, "../etc") is None
    assert find_publication(home, "PB", "SYR-DEU", "r1")["id"] == "PB-0001"


def test_refusals(home, tmp_path):
    outside = tmp_path / "elsewhere.pdf"
    outside.write_bytes(b"%PDF")
    with pytest.raises(CatalogueError, match="must be written under"):
        register_publication(home, publication(home, files={"pdf": outside}))
    link = release_folder(home, "r1", "MP") / "link.pdf"
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(outside, link)
    with pytest.raises(CatalogueError, match="is a link"):
        register_publication(home, publication(home, files={"pdf": link}))
    with pytest.raises(ValidationError, match="series must be one of"):
        publication(home, series="XX", files={})
    with pytest.raises(ValidationError, match="subject must be"):
        publication(home, subject="../../etc")
    with pytest.raises(ValidationError, match="BCP 47"):
        publication(home, language="english")
    with pytest.raises(ValidationError, match="formats must be among"):
        publication(home, files={"exe": outside})
    with pytest.raises(CatalogueError, match="a release id is letters"):
        release_folder(home, "../r1", "MP")
    assert search_publications(home)[1] == 0


def test_an_imported_publication_is_copied_in_and_registered(home, tmp_path):
    source = tmp_path / "paper.pdf"
    source.write_bytes(b"%PDF-1.7 background paper")
    entry = import_publication(
        home,
        NewPublication(
            series="BP",
            subject="theme:climate",
            title="Climate and mobility",
            authors=["B. Author"],
            files={"pdf": source},
            language="fr",
        ),
    )
    assert entry["id"] == "BP-0001" and entry["origin"] == "imported" and entry["release"] is None
    copied = home.home / entry["formats"][0]["path"]
    assert copied.read_bytes() == source.read_bytes() and copied.is_relative_to(home.home / "publications")


@pytest.fixture(scope="module")
def tiny_home(tmp_path_factory) -> Settings:
    return make_tiny_release(tmp_path_factory.mktemp("on-demand-home"))


def test_on_demand_renders_once_for_simultaneous_requests(tiny_home):
    wanted = Wanted("profile", area="AAA")
    results: list[Path] = []
    threads = [
        threading.Thread(target=lambda: results.append(ensure_publication(tiny_home, RELEASE_ID, wanted, "md")))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    target = file_path(tiny_home, RELEASE_ID, wanted, "md")
    assert results == [target] * 4 and "Migration Profile: Aland of Plenty" in target.read_text(encoding="utf-8")
    entry = find_publication(tiny_home, "MP", "AAA", RELEASE_ID)
    assert entry["id"] == "MP-0001" and {f["format"] for f in entry["formats"]} == {"html", "md", "json"}
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")], "no temporary file is left"
    first_written = target.stat().st_mtime_ns
    assert ensure_publication(tiny_home, RELEASE_ID, wanted, "md") == target
    assert target.stat().st_mtime_ns == first_written, "a kept file is served, not rendered again"


def test_on_demand_is_busy_while_another_render_holds_the_publication(tiny_home):
    wanted = Wanted("brief", area="BBB")
    lock = file_path(tiny_home, RELEASE_ID, wanted, "md").parent.parent / ".locks" / "PB-BBB-brief.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(Busy, match="another render of this publication"):
            ensure_publication(tiny_home, RELEASE_ID, wanted, "md", wait=0.3)
    finally:
        os.close(handle)
    assert ensure_publication(tiny_home, RELEASE_ID, wanted, "md").is_file()


def test_wanted_refuses_what_is_not_a_publication():
    with pytest.raises(ValueError, match="kind must be profile or brief"):
        Wanted("atlas", area="DEU")
    with pytest.raises(ValueError, match="give an area, or an origin and a destination"):
        Wanted("profile")
    with pytest.raises(ValueError, match="give an area, or an origin and a destination"):
        Wanted("profile", area="DEU", origin="SYR", destination="DEU")
