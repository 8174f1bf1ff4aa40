"""A real uvicorn server on the mirror-built release and a headless Chromium driven by Playwright."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _server_module():
    """The server helper shared with the API tests."""
    name = "portal_test_server"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parents[1] / "api" / "server.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def portal_url(real_release, tmp_path_factory):
    """Base URL of the portal serving the real release."""
    with _server_module().running_server(real_release, tmp_path_factory.mktemp("logs") / "portal.log") as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium from the system (Debian package), never a downloaded browser; one per module, because
    Playwright's sync driver keeps an event loop running on the main thread for as long as it is open, and any
    asyncio.run() of a later test would fail while it is."""
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page that records console errors and failed requests."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.problems = []
    tab.on("console", lambda message: tab.problems.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: tab.problems.append(str(error)))
    yield tab
    context.close()


@pytest.fixture
def shoot_page():
    """Save a full-page screenshot under tests/artifacts/ (git-ignored)."""

    def shoot(tab, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        tab.screenshot(path=str(path), full_page=True)
        return path

    return shoot
