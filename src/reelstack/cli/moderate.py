"""``reelstack moderate`` (a verdict, nothing stored); ``safety moderate`` and ``statements``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from reelstack.cli.common import DEFAULT_DATA, DataOption, settings_for
from reelstack.core.errors import InvalidInput
from reelstack.runtime.platform import Platform
from reelstack.safety.audit import as_csv, as_json_lines, statements
from reelstack.storage.paging import iter_items

MAX_TEXT_CHARS = 2_000_000


def moderate(
    file: Annotated[Path | None, typer.Argument(help="A video, image or text file.")] = None,
    text: Annotated[str | None, typer.Option("--text", "-t", help="Text to check.")] = None,
    language: Annotated[str | None, typer.Option(help="Language hint (ISO 639-1).")] = None,
    data: DataOption = DEFAULT_DATA,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object (the default).")] = True,
) -> None:
    """Print the verdict on text and/or a media file under the policies in force.

    One JSON object: ``action`` (allow when nothing applies), ``reasons`` (policy, detector,
    score, threshold, or the rule), every detector score, and detectors that failed. Nothing
    is stored. A ``.txt`` file is read as text; ``-`` reads text from stdin.
    """
    body, media = _inputs(file, text)
    with Platform.open(settings_for(data)) as platform:
        verdict = platform.moderation.moderate_upload(body, media, language)
    typer.echo(json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2 if as_json else None))


def _inputs(file: Path | None, text: str | None) -> tuple[str, Path | None]:
    body, media = text or "", None
    if file is not None and str(file) == "-":
        body = (body + "\n" + sys.stdin.read(MAX_TEXT_CHARS + 1)).strip()
    elif file is not None:
        if not file.is_file():
            raise InvalidInput(f"{file}: no such file")
        if file.suffix.lower() in (".txt", ".md"):
            body = (body + "\n" + file.read_text(encoding="utf-8", errors="replace")).strip()
        else:
            media = file
    if len(body) > MAX_TEXT_CHARS:
        raise InvalidInput(f"text is longer than {MAX_TEXT_CHARS:,} characters")
    if not body.strip() and media is None:
        raise InvalidInput("give --text, a file, or '-' for stdin")
    return body, media


def moderate_stored(
    everything: Annotated[
        bool, typer.Option("--all", help="Re-decide every item, not only undecided ones.")
    ] = False,
    item: Annotated[list[str] | None, typer.Option("--item", help="Only this item id.")] = None,
    data: DataOption = DEFAULT_DATA,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Decide on stored items (new posts are moderated automatically once understood).

    Decisions a human took are kept. Prints how many items got each action.
    """
    with Platform.open(settings_for(data)) as platform:
        service = platform.moderation
        if item:
            ids = list(item)
        elif everything:
            ids = [i.id for i in iter_items(platform.store)]
        else:
            ids = service.pending()
        counts = service.moderate_items(ids, progress=progress)
    typer.echo(json.dumps({"items": len(ids), "actions": counts}))


def export_statements(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File (default: stdout).")] = None,
    format: Annotated[Literal["json", "csv"], typer.Option(help="JSON lines or CSV.")] = "json",
    policy: Annotated[str | None, typer.Option(help="Only this policy and its children.")] = None,
    data: DataOption = DEFAULT_DATA,
) -> None:
    """Export DSA statements of reasons for every restrictive decision."""
    with Platform.open(settings_for(data)) as platform:
        rows = statements(platform.store, platform.store, policy_id=policy)
        chunks = as_csv(rows) if format == "csv" else as_json_lines(rows)
        target = out.open("w", encoding="utf-8", newline="") if out else sys.stdout
        try:
            for chunk in chunks:
                target.write(chunk)
        finally:
            if out:
                target.close()
