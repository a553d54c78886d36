"""Options and helpers shared by the commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reelstack.config import Settings

DataOption = Annotated[
    Path,
    typer.Option(
        "--data",
        envvar="REELSTACK_DATA_DIR",
        help="Data directory (store, media blobs, models cache).",
    ),
]
DEFAULT_DATA = Path("./reelstack-data")


def settings_for(data: Path, **overrides: object) -> Settings:
    """Settings for a command: environment and defaults, with the command's own options on top."""
    base = Settings()
    api = base.api.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    return base.model_copy(update={"data_dir": data, "api": api})


def echo_err(message: str) -> None:
    typer.secho(message, err=True, fg=typer.colors.RED)
