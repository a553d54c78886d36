"""``reelstack keys add|list|revoke``: API keys with roles (client, reviewer, admin)."""

from __future__ import annotations

from typing import Annotated

import typer

from reelstack.api.auth import create_key
from reelstack.cli.common import DEFAULT_DATA, DataOption, settings_for
from reelstack.core import clock
from reelstack.runtime.platform import Platform

app = typer.Typer(help="Manage API keys.", no_args_is_help=True)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Who the key is for.")],
    role: Annotated[str, typer.Option(help="client, reviewer or admin.")] = "client",
    data: DataOption = DEFAULT_DATA,
) -> None:
    """Create a key and print it once (only its hash is stored)."""
    with Platform.open(settings_for(data)) as platform:
        record, secret = create_key(platform.store, name, role)
    typer.echo(f"{record.id} {record.role} {record.name}")
    typer.echo(secret)


@app.command("list")
def list_keys(data: DataOption = DEFAULT_DATA) -> None:
    with Platform.open(settings_for(data)) as platform:
        for key in platform.store.list_api_keys():
            state = "revoked" if key.revoked_at else "active"
            typer.echo(f"{key.id}\t{key.role}\t{state}\t{key.name}")


@app.command("revoke")
def revoke(key_id: str, data: DataOption = DEFAULT_DATA) -> None:
    with Platform.open(settings_for(data)) as platform:
        platform.store.revoke_api_key(key_id, clock.now())
    typer.echo(f"revoked {key_id}")
