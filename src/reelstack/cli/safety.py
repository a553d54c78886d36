"""``reelstack safety …``: train detectors, backtest rules, moderate stored posts."""

from __future__ import annotations

import typer

from reelstack.cli import moderate, safety_ads, safety_review, safety_rules, safety_train

app = typer.Typer(help="Trust & safety: detectors, rules, decisions.", no_args_is_help=True)
app.command("moderate")(moderate.moderate_stored)
app.command("statements")(moderate.export_statements)
app.command("backtest")(safety_rules.backtest)
app.command("train")(safety_train.train)
app.command("retrain")(safety_review.retrain)
app.command("sample")(safety_review.sample)
app.command("metrics")(safety_review.metrics)
app.command("ads")(safety_ads.review_ads)
