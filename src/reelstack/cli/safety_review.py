"""``reelstack safety retrain | sample | metrics``: the learning loop and review figures."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from reelstack.cli.common import DEFAULT_DATA, DataOption, settings_for
from reelstack.runtime.platform import Platform
from reelstack.safety.learning import Retrainer
from reelstack.safety.metrics import policy_metrics, transparency_csv, transparency_report
from reelstack.safety.review.sampling import RANDOM_SHARE, active_sample, quality_sample


def retrain(
    policy: Annotated[
        list[str] | None,
        typer.Option(
            help="Policy to retrain (repeatable); default: every policy with reviewer labels."
        ),
    ] = None,
    data: DataOption = DEFAULT_DATA,
    as_json: Annotated[bool, typer.Option("--json", help="Print every run record.")] = False,
) -> None:
    """Retrain few-shot heads from reviewer labels, recalibrated to each policy's operating
    point; keep a new head only if its held-out precision there does not fall (else roll back).
    """
    with Platform.open(settings_for(data)) as platform:
        runs = Retrainer(platform.heads, platform.store).retrain(
            platform.policies.current("content"), policy or None
        )
    if as_json:
        typer.echo(json.dumps(runs, indent=2, ensure_ascii=False))
        return
    if not runs:
        typer.echo("no policy has reviewer labels yet")
    for run in runs:
        line = f"{run['policy_id']}: {run['outcome']}"
        before, after = run.get("before"), run.get("after")
        if after is not None:
            held = sum(run["held_out"].values())
            line += (f" (held-out {held} at {run['operating_point']}: {_figures(before)} → "
                     f"{_figures(after)}; version {run['version']})")  # fmt: skip
        if run["why"]:
            line += f" — {run['why']}"
        typer.echo(line)


def _figures(m: dict | None) -> str:
    return f"P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f}" if m else "no head"


def sample(
    n: Annotated[int, typer.Option(help="How many review jobs to open.")] = 20,
    active: Annotated[
        bool, typer.Option(help="Uncertainty + diversity, with a fixed random share.")
    ] = False,
    random_share: Annotated[float, typer.Option(help="Random share of an active batch.")] = (
        RANDOM_SHARE
    ),
    seed: Annotated[int | None, typer.Option(help="For a reproducible sample.")] = None,
    data: DataOption = DEFAULT_DATA,
) -> None:
    """Open review jobs beyond the automatic review band: a random quality sample, or an
    active-learning batch; each job records the sampler that chose it."""
    with Platform.open(settings_for(data)) as platform:
        if active:
            jobs = active_sample(platform.store, platform.policies, n, random_share, seed)
        else:
            jobs = quality_sample(platform.store, platform.policies, n, seed)
    for job in jobs:
        typer.echo(f"{job.id}\t{job.queue}\t{job.sampler}\t{job.item_id}\t{job.priority}")


def metrics(
    data: DataOption = DEFAULT_DATA,
    transparency: Annotated[
        bool, typer.Option(help="The transparency report (CSV) instead of the metrics.")
    ] = False,
) -> None:
    """Per-policy safety metrics as JSON, or the transparency report as CSV."""
    with Platform.open(settings_for(data)) as platform:
        if transparency:
            typer.echo(transparency_csv(transparency_report(platform.store)), nl=False)
        else:
            figures = policy_metrics(platform.store, platform.policies)
            typer.echo(json.dumps(figures, indent=2, ensure_ascii=False))
