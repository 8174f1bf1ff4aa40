"""What the current release holds: datasets with provenance, checksums and row counts."""

from __future__ import annotations

from observatory.settings import Settings
from observatory.warehouse import releases


def dataset_status(settings: Settings) -> tuple[releases.Release, list[dict]]:
    release, con = releases.connect(settings)
    try:
        result = con.execute("SELECT * FROM dataset ORDER BY id")
        columns = [c[0] for c in result.description]
        datasets = [dict(zip(columns, row, strict=True)) for row in result.fetchall()]
        files = con.execute(
            "SELECT dataset_id, path, sha256, bytes, url_download FROM dataset_file ORDER BY dataset_id, path"
        ).fetchall()
    finally:
        con.close()
    for dataset in datasets:
        dataset["files"] = [
            {"path": f[1], "sha256": f[2], "bytes": f[3], "url_download": f[4]} for f in files if f[0] == dataset["id"]
        ]
    return release, datasets
