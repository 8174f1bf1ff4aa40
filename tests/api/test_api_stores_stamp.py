"""Pages and answers that show the mutable stores (findings, policies, publications) never stay stale in a cache."""

from __future__ import annotations

import httpx

from observatory.publish.catalogue import NewPublication, register_publication, release_folder

from .conftest import load_helper

RELEASE = "r20260101T000000Z"


def test_a_change_to_a_store_changes_the_etag_and_the_cached_answers(tmp_path):
    settings = load_helper("synthetic").synthetic_home(tmp_path / "home")
    with load_helper("server").running_server(settings, tmp_path / "server.log") as base:
        with httpx.Client(base_url=base, timeout=30) as client:
            first = client.get("/api/areas")
            etag = first.headers["etag"]
            assert first.status_code == 200 and RELEASE in etag
            assert client.get("/api/areas", headers={"If-None-Match": etag}).status_code == 304

            folder = release_folder(settings, RELEASE, "PB")
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "brief.html").write_text("<p>brief</p>", encoding="utf-8")
            register_publication(
                settings,
                NewPublication(
                    series="PB",
                    subject="area:FRA",
                    title="France brief",
                    release=RELEASE,
                    language="en",
                    files={"html": folder / "brief.html"},
                ),
            )

            after = client.get("/api/areas", headers={"If-None-Match": etag})
            assert after.status_code == 200, "a browser holding the old ETag gets the page again"
            assert after.headers["etag"] != etag and RELEASE in after.headers["etag"]
            assert after.content == first.content  # same release data: only the validator moved
            assert client.get("/api/areas", headers={"If-None-Match": after.headers["etag"]}).status_code == 304
