"""What a cold page needs at first paint: the corridor page paints without the profile sections it has not made yet
and names the fragment that brings them, in the page's language; the six language environments share compiled
templates; the portal's warm-up loads every template in every language."""

from __future__ import annotations

import re

import httpx
import pytest
from jinja2 import DictLoader, Environment

from observatory.i18n.messages import translations
from observatory.web import templating
from observatory.web.templating import SharedBytecode, environment, warm_up

FRAGMENT = re.compile(r'data-fragment="([^"]+)"')


@pytest.fixture(scope="module")
def client(portal_url):
    """A client of the portal on the real release (corridors no other test asks for: their sections are cold)."""
    with httpx.Client(base_url=portal_url, timeout=120) as test_client:
        yield test_client


@pytest.mark.mirror
def test_a_cold_corridor_page_names_the_fragment_of_its_profile_sections(client):
    page = client.get("/corridors?origin=SYR&destination=SWE")
    assert page.status_code == 200
    assert 'class="profile-section"' not in page.text  # not made yet: not waited for
    [url] = FRAGMENT.findall(page.text)
    assert url == "/corridors/sections?origin=SYR&amp;destination=SWE"
    assert 'href="/corridors/SYR/SWE/profile.html"' in page.text  # without scripts, the profile itself
    fragment = client.get(url.replace("&amp;", "&"))
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and fragment.text.count('class="profile-section"') >= 4
    assert "Refugees and asylum along the corridor" in fragment.text
    cited = re.search(r"<ul hidden data-fragment-sources>(.*?)</ul>", fragment.text, re.S)
    assert cited and 'href="/sources#' in cited.group(1) and "UNHCR" in cited.group(1)
    again = client.get("/corridors?origin=SYR&destination=SWE")  # made now: shown in the page itself
    assert 'class="profile-section"' in again.text and not FRAGMENT.search(again.text)
    assert "Refugees and asylum along the corridor" in again.text


@pytest.mark.mirror
def test_the_fragment_keeps_the_page_language(client):
    page = client.get("/fr/corridors?origin=MAR&destination=ESP")
    [url] = FRAGMENT.findall(page.text)
    assert url.startswith("/fr/corridors/sections?")
    fragment = client.get(url.replace("&amp;", "&"))
    assert fragment.status_code == 200 and fragment.text.count('class="profile-section"') >= 4
    assert "Refugees and asylum along the corridor" not in fragment.text  # said in French
    assert 'href="/fr/sources#' in fragment.text and 'href="/sources#' not in fragment.text


@pytest.mark.mirror
def test_the_fragment_refuses_what_is_no_corridor(client):
    assert client.get("/corridors/sections?origin=SYR&destination=SYR").status_code == 400
    assert client.get("/corridors/sections?origin=SYR").status_code == 422  # a required parameter is missing
    assert client.get("/corridors/sections?origin=SYR&destination=ZZZ").status_code == 404


def test_language_environments_share_compiled_templates(monkeypatch):
    shared = SharedBytecode()
    source = {"t.html": "{{ _('Countries') }}|{{ lang }}"}

    def made(lang: str) -> Environment:
        env = Environment(loader=DictLoader(source), extensions=["jinja2.ext.i18n"], bytecode_cache=shared)
        env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
        env.globals["lang"] = lang
        return env

    french = made("fr").get_template("t.html").render()
    arabic_env = made("ar")

    def no_compiling(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(arabic_env, "compile", no_compiling)
    arabic = arabic_env.get_template("t.html").render()  # read from the shared store
    assert french == f"{translations('fr').gettext('Countries')}|fr"
    assert arabic == f"{translations('ar').gettext('Countries')}|ar" and arabic != french
    source["t.html"] = "changed {{ lang }}"  # a changed source is compiled again, never served from the store
    monkeypatch.undo()
    assert made("zh").get_template("t.html").render() == "changed zh"


def test_the_warm_up_loads_every_template_in_every_language(monkeypatch):
    loaded: list[tuple[str, str]] = []
    for lang in ("en", "ar"):
        env = environment(lang)
        original = env.get_template

        def spy(name, *args, _lang=lang, _original=original, **kwargs):
            loaded.append((_lang, name))
            return _original(name, *args, **kwargs)

        monkeypatch.setattr(env, "get_template", spy)
    warm_up(None, languages=("en", "ar"))
    names = set(environment("en").list_templates(extensions=["html"]))
    assert {"country.html", "corridors.html", "base.html", "macros.html"} <= names
    assert {name for lang, name in loaded if lang == "en"} == names == {name for lang, name in loaded if lang == "ar"}
    assert templating.shared_bytecode() is environment("fr").bytecode_cache


def test_a_drawing_kept_by_another_process_is_found_and_an_absent_one_is_not(tmp_path):
    from observatory.web.charts import ChartDrawings, DrawingCache, bar_chart, drawing_key

    drawings = ChartDrawings(DrawingCache(tmp_path / "portal", "r1"), None, max_pending=0)  # nothing drawn here
    chart = bar_chart("Largest", [{"name": "A", "value": 3.0}], "persons")
    assert drawings.svg(chart) is None  # no folder yet
    (tmp_path / "portal").mkdir()
    assert drawings.svg(chart) is None  # an empty folder, now listed
    made = ChartDrawings(DrawingCache(tmp_path / "portal", "r1"), None).draw(chart)  # another process's batch
    assert drawings.cache.file(drawing_key("r1", chart)).is_file()
    assert drawings.svg(chart) == made  # the folder changed: listed again
