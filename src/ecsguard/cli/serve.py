"""``ecsguard serve``: the read-only dashboard over the store or a results folder."""

from __future__ import annotations

import click

from ecsguard.errors import UsageError
from ecsguard.web.security import required_token


def load_data(db: str | None, folder: str | None):  # type: ignore[no-untyped-def]
    from ecsguard.web.data import DashboardData

    if folder:
        return DashboardData.from_directory(folder)
    from ecsguard.web.store_data import from_store

    return from_store(db)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8080, show_default=True, type=int)
@click.option(
    "--db",
    default=None,
    help="Store URL or SQLite path (default: $ECSGUARD_DB or ~/.local/share/ecsguard/ecsguard.db).",
)
@click.option(
    "--from",
    "folder",
    default=None,
    help="Serve a results folder (e.g. ecsguard-demo/) instead of the store.",
)
def serve(host: str, port: int, db: str | None, folder: str | None) -> None:
    """Serve the dashboard. Binding anything but loopback requires ECSGUARD_TOKEN."""
    token = required_token(host)
    if not 0 < port < 65536:
        raise UsageError(f"--port {port} is not a TCP port")
    import uvicorn

    from ecsguard.web.app import create_app

    app = create_app(load_data(db, folder), token=token)
    click.echo(
        f"ecsguard dashboard on http://{host}:{port}/" + (" (token required)" if token else ""),
        err=True,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")
