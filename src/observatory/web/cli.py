"""The `observatory serve` command: the portal and API on uvicorn, serving whatever release is current."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the `serve` command to the observatory CLI."""

    @app.command()
    def serve(
        host: Annotated[
            str | None, typer.Option("--host", help="Address to listen on (default 127.0.0.1 or $OBSERVATORY_HOST).")
        ] = None,
        port: Annotated[int | None, typer.Option("--port", help="Port (default 8000 or $OBSERVATORY_PORT).")] = None,
        home: Annotated[
            Path | None,
            typer.Option("--home", help="Folder with the releases (default ./var or $OBSERVATORY_HOME)."),
        ] = None,
        mirror: Annotated[
            Path | None, typer.Option("--mirror", help="Data mirror, used for the world map geometry.")
        ] = None,
    ) -> None:
        """Serve the web portal and the API on the current release; a new release is picked up without restart.

        Example: observatory serve --port 8000
        """
        import uvicorn

        from observatory.api.app import create_app
        from observatory.settings import get_settings

        settings = get_settings(host=host, port=port, home=home, mirror=mirror)
        typer.echo(
            f"serving {settings.home / 'releases'} on http://{settings.host}:{settings.port}/ (API at /api/docs)"
        )
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning", access_log=False)
