"""The multi-task ranker: one LightGBM model per head, versioned on disk.

Heads: ``watch`` (expected watch ratio, cross-entropy on a label in [0, 1]), ``like``,
``share`` and ``skip`` (probabilities). A head whose labels have one class only is kept as a
constant (its base rate) and says so in the manifest. Follows scikit-learn's rules:
``__init__`` stores parameters, ``fit`` returns self, fitted attributes end in ``_``, and
``save``/``load`` are symmetric.

`ModelStore` keeps versions under ``<data_dir>/recommend/models/vNNNN/`` (one text model file
per head and ``manifest.json``); a version directory is written under a temporary name and
renamed, so a reader never sees half a model.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from reelstack.core.errors import ModelUnavailable
from reelstack.recommend.rank.features import FEATURES
from reelstack.recommend.settings import HEADS

MANIFEST = "manifest.json"
_VERSION = re.compile(r"^v(\d{4,})$")


def load_lightgbm() -> Any:
    try:
        import lightgbm
    except ImportError:
        raise ModelUnavailable(
            "the feed ranker needs the Python package 'lightgbm' "
            '(pip install "reelstack[recommend]"); feeds use the heuristic ranker meanwhile',
            model="lightgbm",
            packages=["lightgbm"],
        ) from None
    return lightgbm


class MultiTaskRanker:
    """LightGBM per head over `FEATURES`."""

    def __init__(
        self,
        *,
        num_trees: int = 100,
        num_leaves: int = 31,
        learning_rate: float = 0.1,
        min_data_in_leaf: int = 20,
        threads: int = 2,
        seed: int = 7,
    ) -> None:
        self.num_trees = num_trees
        self.num_leaves = num_leaves
        self.learning_rate = learning_rate
        self.min_data_in_leaf = min_data_in_leaf
        self.threads = threads
        self.seed = seed

    def _params(self, head: str) -> dict[str, Any]:
        return {
            "objective": "cross_entropy" if head == "watch" else "binary",
            "num_leaves": self.num_leaves,
            "learning_rate": self.learning_rate,
            "min_data_in_leaf": self.min_data_in_leaf,
            "feature_fraction": 0.9,
            "bagging_fraction": 0.9,
            "bagging_freq": 1,
            "lambda_l2": 1.0,
            "num_threads": self.threads,
            "seed": self.seed,
            "deterministic": True,
            "force_row_wise": True,
            "verbosity": -1,
        }

    def fit(
        self,
        X: np.ndarray,
        labels: dict[str, np.ndarray],
        valid: tuple[np.ndarray, dict[str, np.ndarray]] | None = None,
    ) -> MultiTaskRanker:
        lgb = load_lightgbm()
        self.boosters_: dict[str, Any] = {}
        self.constants_: dict[str, float] = {}
        self.metrics_: dict[str, dict[str, float]] = {}
        for head in HEADS:
            y = np.asarray(labels[head], np.float64)
            if (head != "watch" and len(np.unique(y)) < 2) or len(y) == 0:
                self.constants_[head] = float(y.mean()) if len(y) else 0.0
                continue
            train = lgb.Dataset(X, y, feature_name=list(FEATURES), free_raw_data=True)
            sets, callbacks = [], []
            if valid is not None and len(valid[0]):
                sets = [lgb.Dataset(valid[0], valid[1][head], reference=train)]
                callbacks = [lgb.early_stopping(20, verbose=False)]
            booster = lgb.train(
                self._params(head),
                train,
                num_boost_round=self.num_trees,
                valid_sets=sets,
                callbacks=callbacks,
            )
            self.boosters_[head] = booster
            if valid is not None and len(valid[0]):
                self.metrics_[head] = _metrics(head, booster.predict(valid[0]), valid[1][head])
        return self

    def predict(self, X: np.ndarray, threads: int = 1) -> dict[str, np.ndarray]:
        """Per head, a prediction per row (watch ratio or probability)."""
        out = {}
        for head in HEADS:
            booster = self.boosters_.get(head)
            if booster is None:
                out[head] = np.full(len(X), self.constants_.get(head, 0.0), np.float64)
            elif len(X) == 0:
                out[head] = np.zeros(0, np.float64)
            else:
                out[head] = booster.predict(X, num_threads=threads)
        return out

    def importance(self, top: int = 8) -> dict[str, list[tuple[str, float]]]:
        found = {}
        for head, booster in self.boosters_.items():
            gains = booster.feature_importance(importance_type="gain")
            order = np.argsort(-gains)[:top]
            total = float(gains.sum()) or 1.0
            found[head] = [(FEATURES[i], round(float(gains[i]) / total, 4)) for i in order]
        return found

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for head, booster in self.boosters_.items():
            (directory / f"{head}.txt").write_text(booster.model_to_string())
        params = {
            k: getattr(self, k)
            for k in (
                "num_trees",
                "num_leaves",
                "learning_rate",
                "min_data_in_leaf",
                "threads",
                "seed",
            )
        }
        (directory / "ranker.json").write_text(
            json.dumps(
                {
                    "features": list(FEATURES),
                    "heads": sorted(self.boosters_),
                    "constants": self.constants_,
                    "metrics": self.metrics_,
                    "params": params,
                },
                indent=2,
            )
        )

    @classmethod
    def load(cls, directory: Path) -> MultiTaskRanker:
        lgb = load_lightgbm()
        meta = json.loads((directory / "ranker.json").read_text())
        if meta["features"] != list(FEATURES):
            raise ValueError("model features differ from this code's; retrain it")
        ranker = cls(**meta["params"])
        ranker.boosters_ = {
            head: lgb.Booster(model_str=(directory / f"{head}.txt").read_text())
            for head in meta["heads"]
        }
        ranker.constants_ = {k: float(v) for k, v in meta["constants"].items()}
        ranker.metrics_ = meta["metrics"]
        return ranker


def _metrics(head: str, predicted: np.ndarray, actual: np.ndarray) -> dict[str, float]:
    actual = np.asarray(actual, np.float64)
    if head == "watch":
        return {
            "rmse": round(float(np.sqrt(np.mean((predicted - actual) ** 2))), 4),
            "rmse_mean": round(float(np.std(actual)), 4),
        }
    return {
        "auc": round(auc(predicted, actual), 4),
        "positives": int(actual.sum()),
        "rows": len(actual),
    }


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """ROC-AUC by ranks (ties averaged); 0.5 when one class is missing."""
    labels = np.asarray(labels) > 0.5
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if not positives or not negatives:
        return 0.5
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores), np.float64)
    sorted_scores = np.asarray(scores)[order]
    ranks[order] = np.arange(1, len(scores) + 1)
    # average ranks over ties
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    for start, count in zip(first, counts, strict=True):
        if count > 1:
            ranks[order[start : start + count]] = start + (count + 1) / 2
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


class ModelStore:
    """Versions ``v0001``, ``v0002``, ... under one directory; the highest is current."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def versions(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        found = [
            p.name
            for p in self.directory.iterdir()
            if _VERSION.match(p.name) and (p / MANIFEST).is_file()
        ]
        return sorted(found, key=lambda name: int(name[1:]))

    def current(self) -> str | None:
        versions = self.versions()
        return versions[-1] if versions else None

    def manifest(self, version: str) -> dict[str, Any]:
        return json.loads((self.directory / version / MANIFEST).read_text())

    def load(self, version: str) -> MultiTaskRanker:
        return MultiTaskRanker.load(self.directory / version)

    def save(self, ranker: MultiTaskRanker, manifest: dict[str, Any]) -> str:
        """Write a new version (temporary directory, then rename); returns its name."""
        self.directory.mkdir(parents=True, exist_ok=True)
        current = self.current()
        number = int(current[1:]) + 1 if current else 1
        while (self.directory / f"v{number:04d}").exists():
            number += 1
        version = f"v{number:04d}"
        tmp = self.directory / f".tmp-{version}-{time.time_ns()}"
        ranker.save(tmp)
        (tmp / MANIFEST).write_text(json.dumps({"version": version, **manifest}, indent=2))
        try:
            tmp.rename(self.directory / version)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return version
