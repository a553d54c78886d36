"""``reelstack doctor``: what is installed, which models load, what is missing."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from reelstack.cli.common import DEFAULT_DATA, DataOption, settings_for
from reelstack.runtime.doctor import report
from reelstack.runtime.platform import Platform


def doctor(
    data: DataOption = DEFAULT_DATA,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Report system tools, fonts, models and the data directory. Never fails on a gap."""
    with Platform.open(settings_for(data)) as platform:
        result = report(platform)
    if as_json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    for check in result["checks"]:
        mark = typer.style("ok  ", fg="green") if check["ok"] else typer.style("MISS", fg="yellow")
        typer.echo(f"{mark} {check['name']:<34} {check['detail']}")
        if not check["ok"]:
            typer.echo(f"     needed for: {check['needed_for']}")
    typer.echo("")
    for key, value in result["data"].items():
        typer.echo(f"{key:>9}: {value}")
