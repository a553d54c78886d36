"""``reelstack serve``: the HTTP API and web console over one data directory."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from reelstack.api.app import create_app
from reelstack.api.auth import is_loopback
from reelstack.cli.common import DEFAULT_DATA, DataOption, settings_for
from reelstack.config import Settings
from reelstack.core.errors import ConfigError
from reelstack.runtime.platform import Platform

Host = Annotated[str, typer.Option(help="Address to bind; non-loopback needs API keys.")]
Port = Annotated[int, typer.Option(help="TCP port.")]


def serve(
    data: DataOption = DEFAULT_DATA,
    host: Host = "127.0.0.1",
    port: Port = 8080,
    open_access: Annotated[
        bool, typer.Option("--open-access", help="No keys needed (loopback only).")
    ] = False,
) -> None:
    """Serve the API (/v1, /docs, /metrics) and the console (/)."""
    settings = settings_for(data, host=host, port=port, open_access=open_access or None)
    run_server(settings, Platform.open(settings))


def run_server(settings: Settings, platform: Platform) -> None:
    """Start uvicorn on an open platform; refuses public binds without API keys."""
    host = settings.api.host
    if not is_loopback(host) and not platform.store.list_api_keys():
        platform.close()
        raise ConfigError(
            f"binding {host} needs API keys; create one with `reelstack keys add NAME --role "
            f"admin --data {settings.data_dir}`"
        )
    try:
        app = create_app(settings, platform, close_platform=True)
        typer.echo(f"ReelStack on http://{host}:{settings.api.port}  (data: {settings.data_dir})")
        if settings.understand.worker:
            platform.start_worker()
        platform.start_schedule()
        uvicorn.run(app, host=host, port=settings.api.port, log_level="warning")
    finally:
        platform.close()
