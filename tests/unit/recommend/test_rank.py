"""Training from the log with real LightGBM, versioned models, the value model, fallbacks."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from reelstack.core import clock
from reelstack.core.errors import InvalidInput, ModelUnavailable
from reelstack.recommend import synthetic
from reelstack.recommend.rank import heuristic
from reelstack.recommend.rank.features import FEATURES
from reelstack.recommend.rank.model import ModelStore, MultiTaskRanker, auc
from reelstack.recommend.rank.value import ValueModel
from reelstack.recommend.service import RecommendService
from reelstack.recommend.settings import RecommendSettings
from reelstack.recommend.synthetic import World, topics_of


def _train_log(service: RecommendService, world: World) -> None:
    events = synthetic.history(world, users=80, sessions=3, now=clock.now())
    for start in range(0, len(events), 1000):
        assert not service.ingest(events[start : start + 1000]).errors


def test_training_makes_a_versioned_model_the_feed_then_uses(
    service: RecommendService, world: World
) -> None:
    with pytest.raises(InvalidInput, match="not enough"):
        service.train()
    _train_log(service, world)
    manifest = service.train()
    assert manifest["version"] == "v0001" and manifest["rows"] >= 500
    assert set(manifest["metrics"]) == {"watch", "like", "share", "skip"}
    assert manifest["metrics"]["skip"]["auc"] > 0.6
    assert manifest["metrics"]["watch"]["rmse"] < manifest["metrics"]["watch"]["rmse_mean"]
    folder = service.directory / "models" / "v0001"
    assert {p.name for p in folder.iterdir()} >= {"manifest.json", "ranker.json", "watch.txt"}
    response = service.feed("syn1_user00000", k=10, explain=True)
    assert response["ranker"] == {"kind": "model", "version": "v0001", "note": None}
    assert all(0 <= item["why"]["heads"]["skip"] <= 1 for item in response["items"])
    # a new user still adapts with the learned ranker
    now = clock.now()
    likes = [
        {
            "event_id": f"m-{n}",
            "type": "like",
            "user": "learner",
            "ts": now - 1,
            "item": world.item_ids[n],
        }
        for n in world.by_topic[3][:3]
    ]
    service.ingest(likes)
    topics = topics_of(world, [i["id"] for i in service.feed("learner", k=10)["items"]])
    assert topics.count(3) >= 5
    assert service.train()["version"] == "v0002"
    assert service.feed(None, k=3)["ranker"]["version"] == "v0002"


def test_a_saved_ranker_loads_with_the_same_predictions(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X = rng.random((400, len(FEATURES))).astype(np.float32)
    labels = {
        "watch": rng.random(400),
        "like": (X[:, 0] > 0.7).astype(float),
        "share": np.zeros(400),
        "skip": (X[:, 1] < 0.3).astype(float),
    }
    ranker = MultiTaskRanker(num_trees=20, threads=1).fit(X, labels)
    assert ranker.constants_ == {"share": 0.0}  # one class only: a constant head
    models = ModelStore(tmp_path)
    version = models.save(ranker, {"note": "test"})
    loaded = models.load(version)
    for head, values in ranker.predict(X[:50]).items():
        assert np.allclose(values, loaded.predict(X[:50])[head])
    assert models.manifest(version)["note"] == "test" and models.current() == version


def test_without_lightgbm_training_names_the_extra_and_feeds_stay_heuristic(
    service: RecommendService, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "lightgbm", None)
    with pytest.raises(ModelUnavailable, match=r"reelstack\[recommend\]"):
        service.train()
    assert service.feed(None, k=3)["ranker"]["kind"] == "heuristic"


def test_the_value_model_weighs_heads_from_settings() -> None:
    heads = {
        "watch": np.array([0.5, 0.9]),
        "like": np.array([0.2, 0.0]),
        "share": np.array([0.0, 0.0]),
        "skip": np.array([0.1, 0.6]),
    }
    default = ValueModel(RecommendSettings().value_weights)
    assert default(heads)[0] > default(heads)[1]  # a like is worth more than a long watch
    watch_only = ValueModel(RecommendSettings(value_weights={"watch": 1.0}).value_weights)
    assert watch_only(heads)[1] > watch_only(heads)[0]
    with pytest.raises(ValueError, match="unknown heads"):
        RecommendSettings(value_weights={"dwell": 1.0})


def test_heuristic_prefers_matching_posts() -> None:
    X = np.zeros((2, len(FEATURES)), np.float32)
    X[:, FEATURES.index("item_completion")] = 0.5
    X[:, FEATURES.index("item_like_rate")] = 0.05
    X[:, FEATURES.index("item_skip_rate")] = 0.3
    X[0, FEATURES.index("profile_sim")] = 0.8
    heads = heuristic.predict(X)
    assert heads["watch"][0] > heads["watch"][1] and heads["skip"][0] < heads["skip"][1]


def test_auc_matches_the_pairwise_definition() -> None:
    rng = np.random.default_rng(1)
    scores, labels = rng.random(60).round(1), rng.random(60) > 0.6
    pairs = [(s > t) + 0.5 * (s == t) for s in scores[labels] for t in scores[~labels]]
    assert auc(scores, labels) == pytest.approx(np.mean(pairs))
