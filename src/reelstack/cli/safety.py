"""``reelstack safety …``: train detectors, backtest rules, moderate stored posts."""

from __future__ import annotations

import typer

app = typer.Typer(help="Trust & safety: detectors, rules, decisions.", no_args_is_help=True)
