"""The LambdaMART second phase (LightGBM ``lambdarank``) and its versions on disk.

`LambdaMart` follows scikit-learn's rules: ``__init__`` stores parameters, ``fit`` returns
self, fitted attributes end in ``_``, ``save``/``load`` are symmetric. Groups are lists of
candidates of one query (or one click, see `reelstack.search.ltr.training`); per-row weights
scale each row's gradient (LightGBM's ranking objectives multiply by them), which is how
inverse propensity weights enter.

`ModelVersions` keeps every trained model under ``<data>/search/ltr/vNNNN/`` (``model.txt``,
``manifest.json`` with its features, parameters, propensities and offline metrics) and the
promoted one's name in ``current``; a version is written under a temporary name and renamed,
the pointer replaced atomically, so a reader never sees half a model.

LightGBM's native library must load before usearch's (`reelstack.recommend.native`;
`Platform.open` preloads it); a model built in the wrong order fails with "Feature (Column_)
appears more than one time", which `fit` and `load` turn into a clear error.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from reelstack.core.errors import ModelUnavailable
from reelstack.search.ltr.features import FEATURES

MODEL_FILE = "model.txt"
MANIFEST = "manifest.json"
CURRENT = "current"
_VERSION = re.compile(r"^v(\d{4,})$")
_CLASH = "appears more than one time"
Metric = Callable[[np.ndarray, "RankData"], float]
_PARAMS = (
    "num_trees",
    "num_leaves",
    "learning_rate",
    "min_data_in_leaf",
    "eval_at",
    "early_stopping",
    "threads",
    "seed",
)


def load_lightgbm() -> Any:
    try:
        import lightgbm
    except ImportError:
        raise ModelUnavailable(
            "learning to rank needs the Python package 'lightgbm' "
            '(pip install "reelstack[search]"); search keeps the fused order meanwhile',
            model="lightgbm",
            packages=["lightgbm"],
        ) from None
    return lightgbm


def _native_order_error(exc: Exception) -> Exception:
    if _CLASH in str(exc):
        return ModelUnavailable(
            "LightGBM's library was loaded after usearch's and misreads models; load it first "
            "(reelstack.recommend.native.preload(), which Platform.open calls)",
            model="lightgbm",
            packages=["lightgbm"],
        )
    return exc


class LambdaMart:
    """LightGBM lambdarank over `FEATURES`, optimising nDCG@``eval_at``."""

    def __init__(
        self,
        *,
        num_trees: int = 300,
        num_leaves: int = 15,
        learning_rate: float = 0.05,
        min_data_in_leaf: int = 20,
        eval_at: int = 10,
        early_stopping: int = 30,
        threads: int = 2,
        seed: int = 7,
    ) -> None:
        self.num_trees = num_trees
        self.num_leaves = num_leaves
        self.learning_rate = learning_rate
        self.min_data_in_leaf = min_data_in_leaf
        self.eval_at = eval_at
        self.early_stopping = early_stopping
        self.threads = threads
        self.seed = seed

    def get_params(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _PARAMS}

    def _params(self) -> dict[str, Any]:
        return {
            "objective": "lambdarank",
            "metric": "ndcg",
            "eval_at": [self.eval_at],
            "num_leaves": self.num_leaves,
            "learning_rate": self.learning_rate,
            "min_data_in_leaf": self.min_data_in_leaf,
            "min_sum_hessian_in_leaf": 1e-6,
            "feature_fraction": 0.9,
            "lambda_l2": 1.0,
            "num_threads": self.threads,
            "seed": self.seed,
            "deterministic": True,
            "force_row_wise": True,
            "verbosity": -1,
        }

    def _dataset(self, lgb: Any, data: RankData, reference: Any = None) -> Any:
        return lgb.Dataset(
            data.X,
            data.y,
            group=data.groups,
            weight=data.weights,
            feature_name=list(FEATURES),
            reference=reference,
            free_raw_data=True,
        )

    def fit(
        self, train: RankData, valid: RankData | None = None, metric: Metric | None = None
    ) -> LambdaMart:
        """Boost on ``train``; stop early on ``valid`` by ``metric(scores, valid)`` (higher
        is better; LightGBM's nDCG@``eval_at`` without one)."""
        lgb = load_lightgbm()
        params = self._params()
        try:
            train_set = self._dataset(lgb, train)
            sets, callbacks, feval = [], [], None
            if valid is not None and len(valid.groups):
                sets = [self._dataset(lgb, valid, train_set)]
                callbacks = [lgb.early_stopping(self.early_stopping, verbose=False)]
                if metric is not None:
                    params["metric"] = "None"
                    feval = _feval(metric, valid)
            self.booster_ = lgb.train(
                params,
                train_set,
                num_boost_round=self.num_trees,
                valid_sets=sets,
                feval=feval,
                callbacks=callbacks,
            )
        except lgb.basic.LightGBMError as exc:
            raise _native_order_error(exc) from exc
        self.trees_ = int(self.booster_.best_iteration or self.booster_.current_iteration())
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        if len(X) == 0:
            return np.zeros(0, np.float64)
        return self.booster_.predict(X, num_threads=1)

    def importance(self, top: int = 10) -> list[tuple[str, float]]:
        gains = self.booster_.feature_importance(importance_type="gain")
        total = float(gains.sum()) or 1.0
        order = np.argsort(-gains)[:top]
        return [(FEATURES[i], round(float(gains[i]) / total, 4)) for i in order if gains[i] > 0]

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / MODEL_FILE).write_text(self.booster_.model_to_string())

    @classmethod
    def load(cls, directory: Path, params: dict[str, Any]) -> LambdaMart:
        lgb = load_lightgbm()
        model = cls(**params)
        try:
            model.booster_ = lgb.Booster(model_str=(directory / MODEL_FILE).read_text())
        except lgb.basic.LightGBMError as exc:
            raise _native_order_error(exc) from exc
        model.trees_ = int(model.booster_.current_iteration())
        return model


def _feval(metric: Metric, valid: RankData) -> Callable[[np.ndarray, Any], tuple]:
    def evaluate(scores: np.ndarray, _: Any) -> tuple[str, float, bool]:
        return "metric", metric(scores, valid), True

    return evaluate


class RankData:
    """Rows grouped by query: features, graded labels, group sizes, per-row weights."""

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        groups: Sequence[int],
        weights: np.ndarray | None = None,
    ) -> None:
        self.X = np.asarray(X, np.float32).reshape(-1, len(FEATURES))
        self.y = np.asarray(y, np.float64)
        self.groups = [int(g) for g in groups]
        self.weights = None if weights is None else np.asarray(weights, np.float64)
        if sum(self.groups) != len(self.X) or len(self.y) != len(self.X):
            raise ValueError("rows, labels and group sizes disagree")

    @classmethod
    def stack(cls, parts: Sequence[tuple[np.ndarray, np.ndarray, float]]) -> RankData:
        """One group per ``(features, labels, weight)`` part."""
        if not parts:
            return cls(np.zeros((0, len(FEATURES))), np.zeros(0), [])
        return cls(
            np.concatenate([X for X, _, _ in parts]),
            np.concatenate([y for _, y, _ in parts]),
            [len(y) for _, y, _ in parts],
            np.concatenate([np.full(len(y), w) for _, y, w in parts]),
        )


class ModelVersions:
    """Trained models ``v0001``, ``v0002``, ... and the ``current`` (promoted) one."""

    def __init__(self, directory: Path | str) -> None:
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
        try:
            version = (self.directory / CURRENT).read_text().strip()
        except OSError:
            return None
        return version if version in self.versions() else None

    def manifest(self, version: str) -> dict[str, Any]:
        return json.loads((self.directory / version / MANIFEST).read_text())

    def load(self, version: str) -> LambdaMart:
        manifest = self.manifest(version)
        if manifest.get("features") != list(FEATURES):
            raise ModelUnavailable(
                f"search ranker {version} was trained on other features; retrain it "
                "(reelstack search train)",
                model="lambdamart",
            )
        return LambdaMart.load(self.directory / version, manifest["params"])

    def save(self, model: LambdaMart, manifest: dict[str, Any]) -> str:
        """Write a new version (temporary directory, then rename); returns its name."""
        self.directory.mkdir(parents=True, exist_ok=True)
        versions = self.versions()
        number = int(versions[-1][1:]) + 1 if versions else 1
        while (self.directory / f"v{number:04d}").exists():
            number += 1
        version = f"v{number:04d}"
        tmp = self.directory / f".tmp-{version}-{time.time_ns()}"
        model.save(tmp)
        body = {
            "version": version,
            "features": list(FEATURES),
            "params": model.get_params(),
            **manifest,
        }
        (tmp / MANIFEST).write_text(json.dumps(body, indent=2))
        try:
            tmp.rename(self.directory / version)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return version

    def promote(self, version: str) -> None:
        tmp = self.directory / f".current-{time.time_ns()}"
        tmp.write_text(version)
        os.replace(tmp, self.directory / CURRENT)

    def stamp(self) -> float:
        """Changes when another version is promoted (the pointer's modification time)."""
        try:
            return (self.directory / CURRENT).stat().st_mtime_ns / 1e9
        except OSError:
            return 0.0
