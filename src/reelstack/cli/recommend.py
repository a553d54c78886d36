"""``reelstack feed USER`` and ``reelstack recommend train|stats``."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from reelstack.cli.common import DEFAULT_DATA, DataOption, settings_for
from reelstack.runtime.platform import Platform

app = typer.Typer(
    help="The recommender: train the feed ranker, show its state.", no_args_is_help=True
)


def _print(value: dict[str, Any]) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def feed(
    user: Annotated[
        str | None, typer.Argument(help="User id or handle; omit for an anonymous feed.")
    ] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="Posts on the page.")] = 10,
    cursor: Annotated[str | None, typer.Option(help="Cursor of the previous page.")] = None,
    lang: Annotated[str | None, typer.Option(help="Language for an anonymous feed.")] = None,
    region: Annotated[str | None, typer.Option(help="Region for an anonymous feed.")] = None,
    explain: Annotated[bool, typer.Option(help="Add sources and score parts.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="The full API response as JSON.")] = False,
    data: DataOption = DEFAULT_DATA,
) -> None:
    """A user's For You feed (what GET /v1/feed answers)."""
    with Platform.open(settings_for(data)) as platform:
        response = platform.recommend.feed(
            user, k=k, cursor=cursor, explain=explain or as_json, language=lang, region=region
        )
    if as_json:
        _print(response)
        return
    ranker = response["ranker"]
    typer.echo(f"ranker: {ranker['kind']}{' ' + ranker['version'] if ranker['version'] else ''}")
    for n, item in enumerate(response["items"], 1):
        sources = ",".join(item.get("why", {}).get("sources", {})) if explain else ""
        tags = " ".join(f"#{t}" for t in item["hashtags"][:3])
        typer.echo(f"{n:>3}. {item['id']}  {item['caption'][:60]}  {tags}  {sources}".rstrip())
    if response["cursor"]:
        typer.echo(f"next page: --cursor {response['cursor']}")


@app.command("train")
def train(data: DataOption = DEFAULT_DATA) -> None:
    """Train the multi-task feed ranker from the event log (a new version under
    <data>/recommend/models); running servers pick it up within seconds."""
    with Platform.open(settings_for(data)) as platform:
        manifest = platform.recommend.train()
    _print(manifest)


@app.command("stats")
def stats(data: DataOption = DEFAULT_DATA) -> None:
    """Catalogue, users, events applied, ranker in use."""
    with Platform.open(settings_for(data)) as platform:
        _print(platform.recommend.stats())
