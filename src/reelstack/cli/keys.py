"""``reelstack keys add|list|revoke``: API keys with roles (client, reviewer, admin); reviewer
keys may be limited to some review queues."""

from __future__ import annotations

from typing import Annotated

import typer

from reelstack.api.auth import create_key
from reelstack.cli.common import DEFAULT_DATA, DataOption, settings_for
from reelstack.core import clock
from reelstack.core.records import ApiKey
from reelstack.runtime.platform import Platform
from reelstack.safety.review.access import QueueAccess, known_queues


def _queues(key: ApiKey) -> str:
    """What the key may review: its queues, every queue, or nothing (client keys)."""
    if key.role == "client":
        return "-"
    return ",".join(key.queues) or "all"


app = typer.Typer(help="Manage API keys.", no_args_is_help=True)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Who the key is for.")],
    role: Annotated[str, typer.Option(help="client, reviewer or admin.")] = "client",
    queues: Annotated[
        str | None,
        typer.Option(
            help="Reviewer keys only: the review queues this reviewer works, comma-separated, "
            "each QUEUE or QUEUE:LANGUAGE (e.g. violence,hate:en); default: every queue."
        ),
    ] = None,
    data: DataOption = DEFAULT_DATA,
) -> None:
    """Create a key and print it once (only its hash is stored)."""
    with Platform.open(settings_for(data)) as platform:
        QueueAccess.parse(queues or "").check_known(known_queues(platform.policies))
        record, secret = create_key(platform.store, name, role, queues or "")
    typer.echo(f"{record.id} {record.role} {record.name} queues={_queues(record)}")
    typer.echo(secret)


@app.command("list")
def list_keys(data: DataOption = DEFAULT_DATA) -> None:
    """One line per key: id, role, state, name, review queues."""
    with Platform.open(settings_for(data)) as platform:
        for key in platform.store.list_api_keys():
            state = "revoked" if key.revoked_at else "active"
            typer.echo(f"{key.id}\t{key.role}\t{state}\t{key.name}\t{_queues(key)}")


@app.command("revoke")
def revoke(key_id: str, data: DataOption = DEFAULT_DATA) -> None:
    with Platform.open(settings_for(data)) as platform:
        platform.store.revoke_api_key(key_id, clock.now())
    typer.echo(f"revoked {key_id}")
