"""The commands a person runs first — build, check, sources, indicators, framework, fetch, serve — run end to end."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from observatory.cli import main as cli_main
from observatory.cli.main import app

pytestmark = pytest.mark.mirror


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    """Tables at 400 columns, so names are never wrapped: the CLI's console fixes its width from COLUMNS when first
    imported, and pytest-xdist workers set COLUMNS=80, which a CliRunner's env cannot change afterwards."""
    monkeypatch.setattr(cli_main.console, "width", 400)


@pytest.fixture(scope="module")
def built_home(mirror, tmp_path_factory) -> Path:
    """A home with one release built by `observatory build` from two small real sources."""
    home = tmp_path_factory.mktemp("cli-home")
    result = CliRunner().invoke(
        app, ["build", "--mirror", str(mirror), "--home", str(home), "--source", "undp_hdi", "--source", "sdg_10_7_2"]
    )
    assert result.exit_code == 0, result.output
    return home


def _run(home: Path, *args: str):
    result = CliRunner().invoke(app, list(args), env={"OBSERVATORY_HOME": str(home), "COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    return result


def test_build_reports_what_it_loaded(built_home):
    status = _run(built_home, "status")
    assert "undp_hdi" in status.output and "sdg_10_7_2" in status.output


def test_check_lists_findings(built_home):
    rows = json.loads(_run(built_home, "check", "--format", "json").stdout)
    assert rows and {"dataset_id", "check_name", "severity"} <= set(rows[0])


def test_sources_lists_every_declared_source(built_home):
    output = _run(built_home, "sources").output
    for source in ("undesa_ims_2024_bilateral", "iom_missing_migrants_2025", "knomad_bilateral_2021"):
        assert source in output


def test_indicators_and_framework(built_home):
    catalogue = json.loads(_run(built_home, "indicators", "--framework", "sdg", "--format", "json").stdout)
    ids = {row["id"] for row in catalogue}
    assert {"sdg_10_7_2", "human_development_index"} & ids
    framework = _run(built_home, "framework", "sdg", "--format", "json").stdout
    assert "10.7" in framework


def test_fetch_refuses_an_unknown_source_without_downloading(tmp_path):
    result = CliRunner().invoke(app, ["fetch", "no_such_source", "--home", str(tmp_path)])
    assert result.exit_code != 0 and "no_such_source" in result.output
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []  # nothing downloaded or written


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_answers_on_loopback(built_home, mirror):
    port = _free_port()
    env = {**os.environ, "OBSERVATORY_HOME": str(built_home)}
    command = [sys.executable, "-m", "observatory.cli.main", "serve", "--port", str(port), "--mirror", str(mirror)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/indicators", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None, "observatory serve exited"
                assert time.monotonic() < deadline, "observatory serve did not answer within 60 s"
                time.sleep(0.5)
        assert response.status_code == 200
        assert response.headers["x-observatory-release"]
    finally:
        server.terminate()
        server.wait(timeout=30)
