"""``reelstack understand FILE`` and ``reelstack reprocess``: run the understanding stages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from reelstack.cli.common import DEFAULT_DATA, DataOption, settings_for
from reelstack.core.errors import InvalidInput
from reelstack.runtime.platform import Platform
from reelstack.storage.paging import iter_items

StageOption = Annotated[
    list[str] | None,
    typer.Option("--stage", "-s", help="Only this stage (repeatable); default: all."),
]


def understand(
    file: Annotated[Path, typer.Argument(help="A video or image file.", exists=True)],
    caption: Annotated[str, typer.Option(help="Caption to analyse with the media.")] = "",
    language: Annotated[str | None, typer.Option(help="Language hint (ISO 639-1).")] = None,
    stage: StageOption = None,
    data: DataOption = DEFAULT_DATA,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (the default).")] = True,
) -> None:
    """Print every feature of one file as JSON, without storing anything.

    Models load from the data dir's cache (e.g. assembled Whisper weights); exit code 1 when
    a stage failed (its error is in the output).
    """
    with Platform.open(settings_for(data)) as platform:
        result = platform.understand.understand_file(file, caption, language, stage)
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2 if as_json else None))
    if any("error" in value for value in result["features"].values()):
        raise typer.Exit(1)


def reprocess(
    stage: StageOption = None,
    item: Annotated[
        list[str] | None, typer.Option("--item", help="Only this item id (repeatable).")
    ] = None,
    data: DataOption = DEFAULT_DATA,
    progress: Annotated[bool, typer.Option(help="Show a progress bar (items/s).")] = True,
) -> None:
    """Recompute stages for stored items.

    With --stage, that stage and everything downstream are recomputed for every item (or the
    given items); without it, only what is missing, failed or made by another model version.
    """
    with Platform.open(settings_for(data)) as platform:
        service = platform.understand
        known = {s.name for s in service.pipeline.stages}
        unknown = set(stage or ()) - known
        if unknown:
            raise InvalidInput(f"unknown stage(s) {sorted(unknown)}; stages: {sorted(known)}")
        ids = list(item or []) or [i.id for i in iter_items(platform.store)]
        report = service.run(ids, force=set(stage) if stage else None, progress=progress)
    done = ", ".join(f"{k} {v}" for k, v in sorted(report.computed.items())) or "nothing"
    typer.echo(f"{report.items} items; computed: {done}; errors: {len(report.errors)}")
    for key, name, error in report.errors[:20]:
        typer.echo(f"  {key} {name}: {error}", err=True)
    if report.errors:
        raise typer.Exit(1)


def duplicates(
    data: DataOption = DEFAULT_DATA,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array per group.")] = False,
) -> None:
    """List groups of near-duplicate posts (same bytes, or matching PDQ keyframes)."""
    with Platform.open(settings_for(data)) as platform:
        groups = platform.understand.duplicate_groups()
        for group in groups:
            if as_json:
                typer.echo(json.dumps(group))
                continue
            typer.echo(f"group of {len(group)}:")
            for item_id in group:
                item = platform.store.get_item(item_id)
                typer.echo(f"  {item_id}  {item.caption[:60]}")
    if not as_json:
        typer.echo(f"{len(groups)} groups")
