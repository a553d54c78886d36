"""``reelstack safety train``: rebuild a detector's shipped model from its recipe."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from reelstack.core.errors import InvalidInput
from reelstack.safety.detectors.spam import MODELS_DIR
from reelstack.safety.training.spam import DEFAULT_SEED, train_spam

TRAINABLE = ("spam",)


def train(
    detector: Annotated[
        str, typer.Option(help="Detector whose model to train (trainable: spam).")
    ] = "spam",
    data: Annotated[
        Path, typer.Option(help="Folder holding the SMS Spam Collection (SMSSpamCollection).")
    ] = Path("../shared/data/sms_spam_collection"),
    out: Annotated[
        Path, typer.Option(help="Where to write the model and its metrics file.")
    ] = MODELS_DIR,
    seed: Annotated[int, typer.Option(help="Seed of the split and the generated rows.")] = (
        DEFAULT_SEED
    ),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the full metrics as JSON.")
    ] = False,
) -> None:
    """Train a detector's model: seeded stratified split, fit, held-out figures, files written.

    The held-out part of the data is never used for fitting or for choosing anything; its
    precision, recall and F1 at the operating threshold and its ROC-AUC are printed.
    """
    if detector not in TRAINABLE:
        raise InvalidInput(
            f"detector {detector!r} has no training recipe; trainable: {', '.join(TRAINABLE)} "
            "(text.abuse uses alt-profanity-check and its word lists as shipped)"
        )
    metrics = train_spam(data, out, seed=seed, progress=lambda m: typer.echo(m, err=True))
    if as_json:
        typer.echo(json.dumps(metrics, indent=2, ensure_ascii=False))
        return
    held = metrics["held_out_sms"]
    split = metrics["split"]
    typer.echo(
        f"text.spam: seed {seed}; trained on {split['sms_train']} SMS + "
        f"{split['generated_train']} generated rows; held out {split['sms_held_out']} SMS"
    )
    typer.echo(
        f"held-out SMS at {held['threshold']}: precision {held['precision']:.4f}  "
        f"recall {held['recall']:.4f}  F1 {held['f1']:.4f}  ROC-AUC {held['roc_auc']:.4f}"
    )
    for band in held["bands"]:
        typer.echo(
            f"  band {band['threshold']}: precision {band['precision']:.4f}  "
            f"recall {band['recall']:.4f}  F1 {band['f1']:.4f}"
        )
    typer.echo(f"wrote {out / metrics['model']['file']} and its metrics file")
