"""A publication made by the CLI is listed and downloaded through the API; traversal fails on a server with files."""

from __future__ import annotations

import os

import httpx
import pytest
from typer.testing import CliRunner

from observatory.cli.main import app

pytestmark = [pytest.mark.mirror, pytest.mark.slow]


@pytest.fixture(scope="module")
def published(real_release, tmp_path_factory):
    """A Mexico profile (HTML) written into the home by `observatory profile`, plus bait files outside and a symlink."""
    profiles = real_release.home / "profiles"
    profiles.mkdir(exist_ok=True)
    out = profiles / "MEX.html"
    result = CliRunner().invoke(
        app, ["profile", "MEX", "--format", "html", "--out", str(out)], env={"OBSERVATORY_HOME": str(real_release.home)}
    )
    assert result.exit_code == 0, result.output
    secret = tmp_path_factory.mktemp("outside") / "secret.html"
    secret.write_text("<p>SECRET-OUTSIDE-THE-HOME</p>", encoding="utf-8")
    (real_release.home / "releases" / "bait.html").write_text("<p>SECRET-IN-RELEASES</p>", encoding="utf-8")
    link = profiles / "link.html"
    if not link.exists():
        os.symlink(secret, link)
    return out


def test_generated_profile_is_listed_and_downloads_byte_for_byte(real_server, published):
    listing = httpx.get(f"{real_server}/api/publications", timeout=60).json()
    entries = {item["path"]: item for item in listing["files"]}
    assert "profiles/MEX.html" in entries
    response = httpx.get(real_server + entries["profiles/MEX.html"]["url"], timeout=60)
    assert response.status_code == 200 and response.content == published.read_bytes()
    assert "Migration Profile: Mexico" in response.text


@pytest.mark.parametrize(
    "path",
    [
        "profiles/link.html",  # a symlink inside a publication folder pointing outside the home
        "releases/bait.html",  # a file of the home outside the publication folders
        "profiles/../releases/bait.html",
        "profiles/%2e%2e/releases/bait.html",
        "..%2Freleases%2Fbait.html",
        "%2Fetc%2Fpasswd",
        "profiles/MEX.html%00.pdf",
    ],
)
def test_traversal_is_refused_on_a_server_with_files(real_server, published, path):
    response = httpx.get(f"{real_server}/api/publications/{path}", timeout=60)
    assert response.status_code == 404
    assert b"SECRET" not in response.content and b"root:" not in response.content
    listing = httpx.get(f"{real_server}/api/publications", timeout=60).text
    assert "link.html" not in listing and "bait.html" not in listing
