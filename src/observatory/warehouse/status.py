"""What the current release holds: datasets with provenance, checksums and row counts."""

from __future__ import annotations

from observatory.settings import Settings
from observatory.warehouse import releases


def dataset_status(settings: Settings) -> tuple[releases.Release, list[dict]]:
    release, con = releases.connect(settings)
    try:
        result = con.execute(
            """
            SELECT d.*, string_agg(f.path || ' ' || left(f.sha256, 12), '; ' ORDER BY f.path) AS sha256
            FROM dataset d LEFT JOIN dataset_file f ON f.dataset_id = d.id
            GROUP BY ALL ORDER BY d.id
            """
        )
        columns = [c[0] for c in result.description]
        return release, [dict(zip(columns, row)) for row in result.fetchall()]
    finally:
        con.close()
