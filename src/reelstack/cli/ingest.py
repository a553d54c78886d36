"""``reelstack ingest PATH...``: files, folders or JSONL manifests, with a progress bar."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from tqdm import tqdm

from reelstack.cli.common import DEFAULT_DATA, DataOption, settings_for
from reelstack.ingest.sources import expand_paths
from reelstack.runtime.platform import Platform


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Media files, folders or .jsonl manifests.")],
    data: DataOption = DEFAULT_DATA,
    creator: Annotated[
        str, typer.Option(help="Creator handle for files given without a manifest.")
    ] = "local",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON result per line.")] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on stderr.")] = True,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also list ingested and skipped posts.")
    ] = False,
) -> None:
    """Ingest posts. Each input gets a result; a bad one never stops the batch.

    Exit code 0 when nothing failed, 1 when some inputs had errors.
    """
    work = list(expand_paths(paths, creator=creator))
    counts: Counter[str] = Counter()
    with Platform.open(settings_for(data)) as platform:
        bar = tqdm(total=len(work), unit="post", disable=not progress or as_json, leave=True)
        for result in platform.ingest.ingest_many(work):
            counts[result.status] += 1
            bar.update()
            if as_json:
                typer.echo(json.dumps(asdict(result), ensure_ascii=False))
            elif verbose or result.status == "error":
                bar.write(f"{result.source}: {result.describe()}")
        bar.close()
    if not as_json:
        typer.echo(
            f"{counts['ingested']} ingested, {counts['skipped']} skipped, {counts['error']} errors"
        )
    if counts["error"]:
        raise typer.Exit(1)
