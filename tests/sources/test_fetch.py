"""Downloading raw files: checksum verified, retries, resumed transfers, conversion from the publisher's originals."""

from __future__ import annotations

import hashlib
import http.server
import threading

import httpx
import pytest
from rich.progress import Progress

from observatory.settings import Settings
from observatory.sources.errors import SourceError
from observatory.sources.fetch import fetch, fetch_source
from observatory.sources.spec import RawFile, SourceSpec

PAYLOAD = b"dest,orig,year,sex,stock\n" + b"FRA,DZA,2020,Male,800\n" * 100_000


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves files from a dict, honours Range, and can fail or cut the first responses."""

    def do_GET(self):  # noqa: N802 - http.server's naming
        server = self.server
        server.requests.append(dict(self.headers))
        body = server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        if server.failures_left > 0:
            server.failures_left -= 1
            self.send_error(503)
            return
        start = 0
        if "Range" in self.headers:
            start = int(self.headers["Range"].split("=")[1].split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        chunk = body[start:]
        cut = server.cut_next
        server.cut_next = None
        self.send_header("Content-Length", str(len(chunk)))
        self.end_headers()
        self.wfile.write(chunk[:cut] if cut else chunk)
        if cut:
            self.connection.close()

    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.files, httpd.requests, httpd.failures_left, httpd.cut_next = {}, [], 0, None
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _spec(url: str, sha: str) -> SourceSpec:
    return SourceSpec(
        id="remote",
        title="t",
        publisher="p",
        producer="p",
        version_producer="1",
        url_main=url,
        date_published="2026",
        date_accessed="2026-11-25",
        licence="CC0",
        citation_full="c",
        files=[RawFile(path="remote/stock.csv", sha256=sha, url_download=url)],
    )


def _fetch(settings: Settings, spec: SourceSpec) -> list[str]:
    with httpx.Client(timeout=5) as client, Progress(disable=True) as progress:
        return fetch_source(settings, spec, client, progress)


def test_download_verifies_checksum_and_is_cached(server, tmp_path):
    server.files["/stock.csv"] = PAYLOAD
    url = f"http://127.0.0.1:{server.server_address[1]}/stock.csv"
    settings = Settings(home=tmp_path, download_retries=0)
    spec = _spec(url, hashlib.sha256(PAYLOAD).hexdigest())
    assert _fetch(settings, spec) == ["remote/stock.csv: downloaded"]
    assert (tmp_path / "cache/remote/stock.csv").read_bytes() == PAYLOAD
    assert _fetch(settings, spec) == ["remote/stock.csv: cached"]
    assert len(server.requests) == 1


def test_wrong_checksum_is_refused_and_nothing_is_kept(server, tmp_path):
    server.files["/stock.csv"] = PAYLOAD + b"tampered\n"
    url = f"http://127.0.0.1:{server.server_address[1]}/stock.csv"
    settings = Settings(home=tmp_path, download_retries=0)
    with pytest.raises(SourceError, match="checksum mismatch"):
        _fetch(settings, _spec(url, hashlib.sha256(PAYLOAD).hexdigest()))
    assert not (tmp_path / "cache/remote/stock.csv").exists()
    assert not list((tmp_path / "cache/remote").glob("*.part"))


def test_server_errors_are_retried(server, tmp_path):
    server.files["/stock.csv"] = PAYLOAD
    server.failures_left = 2
    url = f"http://127.0.0.1:{server.server_address[1]}/stock.csv"
    settings = Settings(home=tmp_path, download_retries=3)
    assert _fetch(settings, _spec(url, hashlib.sha256(PAYLOAD).hexdigest())) == ["remote/stock.csv: downloaded"]
    assert len(server.requests) == 3


def test_broken_transfer_resumes_with_a_range_request(server, tmp_path):
    server.files["/stock.csv"] = PAYLOAD
    server.cut_next = len(PAYLOAD) // 3
    url = f"http://127.0.0.1:{server.server_address[1]}/stock.csv"
    settings = Settings(home=tmp_path, download_retries=2)
    _fetch(settings, _spec(url, hashlib.sha256(PAYLOAD).hexdigest()))
    assert (tmp_path / "cache/remote/stock.csv").read_bytes() == PAYLOAD
    assert server.requests[-1].get("Range") == f"bytes={len(PAYLOAD) // 3}-"


def test_missing_file_is_a_clear_error(server, tmp_path):
    url = f"http://127.0.0.1:{server.server_address[1]}/absent.csv"
    with pytest.raises(SourceError, match="HTTP 404"):
        _fetch(Settings(home=tmp_path, download_retries=0), _spec(url, "0" * 64))


@pytest.mark.mirror
def test_fetch_real_source_files_from_a_local_server_like_the_mirror(server, tmp_path, mirror):
    """The publisher's own file served on 127.0.0.1 lands in the cache with the mirror's layout and checksum."""
    from observatory.sources import registry

    spec = registry.get_spec("rpw_remittance_prices")
    raw = spec.files[0]
    server.files["/rpw.csv"] = (mirror / raw.path).read_bytes()
    local = spec.model_copy(
        update={
            "files": [raw.model_copy(update={"url_download": f"http://127.0.0.1:{server.server_address[1]}/rpw.csv"})]
        }
    )
    result = fetch(Settings(home=tmp_path, download_retries=0), [local])
    assert result == {"rpw_remittance_prices": [f"{raw.path}: downloaded"]}
    assert (tmp_path / "cache" / raw.path).read_bytes() == (mirror / raw.path).read_bytes()


@pytest.mark.mirror
def test_converted_file_is_rebuilt_from_the_publishers_rda(server, tmp_path, mirror):
    pytest.importorskip("pyreadr", reason="pyreadr converts the publisher's .rda files")
    from observatory.sources import registry

    spec = registry.get_spec("idmc_displacements")
    raw = spec.files[0]
    server.files["/idmc.rda"] = (mirror / raw.converted_from.path).read_bytes()
    origin = raw.converted_from.model_copy(
        update={"url_download": f"http://127.0.0.1:{server.server_address[1]}/idmc.rda"}
    )
    local = spec.model_copy(update={"files": [raw.model_copy(update={"converted_from": origin})]})
    fetch(Settings(home=tmp_path, download_retries=0), [local])
    import pandas as pd

    rebuilt = pd.read_csv(tmp_path / "cache" / raw.path)
    original = pd.read_csv(mirror / raw.path)
    pd.testing.assert_frame_equal(rebuilt, original, check_dtype=False)
