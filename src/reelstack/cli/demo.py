"""``reelstack demo``: build the demo platform once, then serve it on loopback."""

from __future__ import annotations

from typing import Annotated

import typer

from reelstack.cli.common import DEFAULT_DATA, DataOption, settings_for
from reelstack.cli.serve import Host, Port, run_server
from reelstack.runtime.doctor import system_checks
from reelstack.runtime.platform import Platform


def demo(
    data: DataOption = DEFAULT_DATA,
    host: Host = "127.0.0.1",
    port: Port = 8080,
    posts: Annotated[int, typer.Option(min=10, help="Posts in the corpus.")] = 320,
    users: Annotated[int, typer.Option(min=1, help="Simulated users.")] = 200,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve when built.")] = True,
    progress: Annotated[bool, typer.Option(help="Progress bars on stderr.")] = True,
) -> None:
    """Build (or reuse) the demo corpus, users and events in DATA, then serve API and console."""
    from reelstack.demo.build import build_demo  # heavy: only the demo needs it

    for check in system_checks():
        if not check.ok and "demo" in check.needed_for:
            typer.secho(
                f"note: {check.name} missing ({check.detail}); {check.needed_for} degrade",
                err=True,
                fg="yellow",
            )
    settings = settings_for(data, host=host, port=port)
    platform = Platform.open(settings)
    summary = build_demo(platform, posts=posts, users=users, progress=progress)
    typer.echo(
        f"demo: {platform.store.count_items()} posts, {summary.users} users, "
        f"{summary.events} events (build seconds: {summary.seconds})"
    )
    if not serve:
        platform.close()
        return
    run_server(settings, platform)
