"""``reelstack search "QUERY"``, ``search reindex``, ``search train``, ``search suggest``,
``search stats``.

A first argument that is not a subcommand is the query: ``reelstack search "cat videos"``
is ``reelstack search query "cat videos"`` (write that form to search for "reindex").
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import click
import typer
from typer.core import TyperGroup

from reelstack.cli.common import DEFAULT_DATA, DataOption, settings_for
from reelstack.runtime.platform import Platform


class _QueryByDefault(TyperGroup):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["query", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_QueryByDefault,
    help="Search stored posts; rebuild the search index; train the ranker.",
    no_args_is_help=True,
)


def _print(value: dict[str, Any], as_json: bool) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2 if as_json else None))


@app.command("query")
def query(
    q: Annotated[str, typer.Argument(help="The query (any language; #tags and @creators too).")],
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="Results to show.")] = 10,
    user: Annotated[str | None, typer.Option(help="Search as this user id.")] = None,
    filters: Annotated[
        str | None, typer.Option(help="e.g. 'language:en,duration:<30,hashtag:cat'.")
    ] = None,
    explain: Annotated[bool, typer.Option(help="Add per-result score parts.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="The full API response as JSON.")] = False,
    data: DataOption = DEFAULT_DATA,
) -> None:
    """Search the stored posts (what GET /v1/search answers)."""
    with Platform.open(settings_for(data)) as platform:
        response = platform.search.search(q, user=user, k=k, filters=filters, explain=explain)
    if as_json:
        _print(response, True)
        return
    qa = response["query_analysis"]
    if qa["spelling"]["corrected"]:
        typer.echo(f"(showing results for: {qa['spelling']['corrected']})")
    if not response["results"]:
        hint = qa.get("did_you_mean")
        typer.echo("no results" + (f"; did you mean: {hint}" if hint else ""))
    for result in response["results"]:
        creator = f"@{result['creator']}" if result["creator"] else ""
        typer.echo(f"{result['rank']:>3}. {result['item_id']}  {creator}  {result['caption'][:80]}")
        for highlight in result["highlights"]:
            typer.echo(f"       {highlight['field']}: {highlight['snippet']}")


@app.command("reindex")
def reindex(
    data: DataOption = DEFAULT_DATA,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Rebuild the search index from the store (lexical, vectors, side table)."""
    with Platform.open(settings_for(data)) as platform:
        count = platform.search.indexer.reindex(progress=progress)
        _print({"indexed": count, **platform.search.stats()}, False)


@app.command("train")
def train(data: DataOption = DEFAULT_DATA) -> None:
    """Train the LambdaMART ranker from the click log (a new version under
    <data>/search/ltr); promoted only if it beats the ranker in use on held-out sessions."""
    with Platform.open(settings_for(data)) as platform:
        report = platform.search.train()
    _print(report, True)


@app.command("suggest")
def suggest(
    prefix: Annotated[str, typer.Argument(help="What was typed so far ('' for trending).")] = "",
    limit: Annotated[int, typer.Option(min=1, max=50)] = 10,
    data: DataOption = DEFAULT_DATA,
) -> None:
    """Completions, related searches, trending queries (what GET /v1/suggest answers)."""
    with Platform.open(settings_for(data)) as platform:
        _print(platform.search.suggest(prefix, limit), True)


@app.command("stats")
def stats(data: DataOption = DEFAULT_DATA) -> None:
    """How many documents and vectors the index holds."""
    with Platform.open(settings_for(data)) as platform:
        _print(platform.search.stats(), True)
