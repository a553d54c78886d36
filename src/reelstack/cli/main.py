"""Root command. Expected errors print one clear line (no stack trace) and exit with 2."""

from __future__ import annotations

import sys

import typer

from reelstack import __version__
from reelstack.cli import demo, doctor, ingest, keys, moderate, safety, serve, understand
from reelstack.cli import recommend as recommend_cli
from reelstack.cli import search as search_cli
from reelstack.cli.common import echo_err
from reelstack.config import Settings
from reelstack.core.errors import ReelStackError
from reelstack.runtime.logs import configure_logging

app = typer.Typer(
    name="reelstack",
    help="ReelStack: understand, moderate, search and recommend short videos.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("ingest")(ingest.ingest)
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.command("doctor")(doctor.doctor)
app.command("understand")(understand.understand)
app.command("reprocess")(understand.reprocess)
app.command("duplicates")(understand.duplicates)
app.command("moderate")(moderate.moderate)
app.add_typer(keys.app, name="keys")
app.add_typer(safety.app, name="safety")
app.add_typer(search_cli.app, name="search")
app.command("feed")(recommend_cli.feed)
app.add_typer(recommend_cli.app, name="recommend")


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit()


def main() -> None:
    try:
        settings = Settings()
        configure_logging(settings.log_level, settings.log_format)
        app()
    except ReelStackError as exc:
        echo_err(f"error: {exc.message}")
        sys.exit(2)
    except KeyboardInterrupt:
        echo_err("interrupted")
        sys.exit(130)
