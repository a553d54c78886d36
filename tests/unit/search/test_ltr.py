"""Learning to rank on synthetic click logs with a known position bias: the propensities are
recovered, the correction recovers the true relevance order better than no correction, and
promotion refuses a model worse than the one in use."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from reelstack.config import LtrSettings
from reelstack.core.records import Event
from reelstack.search.evaluate import mean, ndcg_at_k
from reelstack.search.ltr.clicklog import ClickSession, FeatureLog, LoggedSearch
from reelstack.search.ltr.features import FEATURES, F
from reelstack.search.ltr.model import LambdaMart, ModelVersions
from reelstack.search.ltr.propensity import Propensity
from reelstack.search.ltr.training import Trainer, fit, fit_propensity
from reelstack.storage.registry import open_store

PAGE = 10
TRUE_THETA = 1.0 / np.arange(1, PAGE + 1)  # examination: position^-1
CLICK_IF_SEEN = np.array([0.05, 0.3, 0.6, 0.9])  # by relevance grade


def _docs(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A page of posts: relevance follows ``bm25_caption``; ``fusion`` (what the logging
    ranker orders by) is unrelated to it; ``age_h`` is noise."""
    X = np.zeros((PAGE, len(FEATURES)), np.float32)
    relevant, logged_order, noise = rng.random(PAGE), rng.random(PAGE), rng.random(PAGE)
    X[:, F["bm25_caption"]], X[:, F["fusion"]], X[:, F["age_h"]] = relevant, logged_order, noise
    return X, np.minimum(3, (relevant * 4).astype(int))


def synthetic_log(
    seed: int, queries: int = 150, repeats: int = 8, *, random_clicks: bool = False
) -> tuple[list[LoggedSearch], list[ClickSession]]:
    """Each query asked ``repeats`` times, its page ordered by ``fusion`` plus noise (so a post
    is seen at several positions); clicks follow the position-based model."""
    rng = np.random.default_rng(seed)
    searches, sessions = [], []
    for q in range(queries):
        X, grade = _docs(rng)
        for r in range(repeats):
            order = np.argsort(-(X[:, F["fusion"]] + rng.normal(0, 0.3, PAGE)))
            chance = 0.15 if random_clicks else TRUE_THETA * CLICK_IF_SEEN[grade[order]]
            clicked = np.flatnonzero(rng.random(PAGE) < chance)
            ids = [f"s{seed}q{q}d{d}" for d in order]
            ts = float(seed * 100_000 + q * repeats + r)
            search = LoggedSearch(f"s{seed}q{q}r{r}", f"q{q}", ts, ids, {ids[i] for i in clicked})
            searches.append(search)
            if len(clicked):
                session = ClickSession(
                    search.search_id, search.query, ts, ids, X[order], clicked.tolist()
                )
                sessions.append(session)
    return searches, sessions


def true_ndcg(model: LambdaMart, seed: int = 99, queries: int = 300) -> float:
    """nDCG@10 against the true grades on fresh queries."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(queries):
        X, grade = _docs(rng)
        ranking = [str(i) for i in np.argsort(-model.predict(X))]
        values.append(ndcg_at_k(ranking, {str(i): float(g) for i, g in enumerate(grade)}))
    return mean(values)


def test_em_recovers_the_position_bias() -> None:
    searches, _ = synthetic_log(1)
    estimated = fit_propensity(searches, "em")
    assert estimated.method == "em"
    for position in range(2, 6):
        assert abs(estimated.at(position) - TRUE_THETA[position - 1]) < 0.12, estimated.theta
    assert estimated.weight(10, max_weight=4.0) == 4.0  # clipped


def test_position_bias_correction_recovers_the_true_order_better() -> None:
    searches, sessions = synthetic_log(1)
    settings = LtrSettings()
    corrected = fit(sessions, fit_propensity(searches, "em"), settings)
    uncorrected = fit(sessions, Propensity.none(), settings)
    with_correction, without = true_ndcg(corrected), true_ndcg(uncorrected)
    assert with_correction > without + 0.01, (with_correction, without)
    # Without correction the model learns the logging ranker's order as if it were relevance.
    weight = dict(uncorrected.importance(len(FEATURES)))
    assert weight["fusion"] > dict(corrected.importance(len(FEATURES)))["fusion"]


def _write_log(store, log: FeatureLog, searches, sessions) -> None:
    features = {s.search_id: s.features for s in sessions}
    events = []
    for search in searches:
        context = {"search_id": search.search_id, "query": search.query, "results": search.results}
        events.append(
            Event(
                event_id=search.search_id,
                type="search",
                user_id="u",
                item_id=None,
                ts=search.ts,
                context=context,
            )
        )
        for n, item_id in enumerate(sorted(search.clicks)):
            events.append(
                Event(
                    event_id=f"{search.search_id}-c{n}",
                    type="click",
                    user_id="u",
                    item_id=item_id,
                    ts=search.ts + 1,
                    context={"search_id": search.search_id},
                )
            )
        if search.search_id in features:
            log.put(search.search_id, search.ts, search.results, features[search.search_id])
    store.append_events(events)


@pytest.fixture
def trainer(tmp_path: Path) -> Iterator[Trainer]:
    store = open_store("memory://")
    log = FeatureLog(tmp_path / "features.sqlite")
    yield Trainer(store, log, ModelVersions(tmp_path / "ltr"), LtrSettings(min_sessions=100))
    log.close()
    store.close()


def test_trainer_promotes_a_better_model_and_refuses_a_worse_one(trainer: Trainer) -> None:
    assert trainer.train()["reason"].startswith("not enough click sessions")
    assert trainer.versions.current() is None
    # Clicks that carry relevance: the model beats the fused order and is promoted.
    searches, sessions = synthetic_log(1)
    _write_log(trainer.events, trainer.log, searches, sessions)
    first = trainer.train()
    assert first["promoted"] and first["version"] == "v0001", first["reason"]
    assert first["heldout_ips_ndcg10"]["new"] > first["heldout_ips_ndcg10"]["fusion"]
    assert trainer.versions.current() == "v0001"
    # Then a flood of clicks that say nothing (position and relevance ignored), newest of all
    # but the held-out sessions, which still follow relevance: the new model learns noise.
    noise, noisy = synthetic_log(2, queries=600, random_clicks=True)
    _write_log(trainer.events, trainer.log, noise, noisy)
    later, held = synthetic_log(3, queries=40)
    _write_log(trainer.events, trainer.log, later, held)
    trainer.settings.holdout = len(held) / (len(sessions) + len(noisy) + len(held))
    second = trainer.train()
    assert second["version"] == "v0002" and not second["promoted"]
    assert "does not beat v0001" in second["reason"]
    figures = second["heldout_ips_ndcg10"]
    assert figures["new"] < figures["current"]
    assert trainer.versions.current() == "v0001"  # the old model stays in use
    assert trainer.versions.manifest("v0002")["promoted"] is False
