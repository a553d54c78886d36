"""`reelstack search train`: LambdaMART from the click log, checked offline before promotion.

Training data (the unbiased pairwise estimator of Joachims, Swaminathan & Schnabel 2017,
"Unbiased learning-to-rank with biased feedback", with the LambdaMART loss): every click is
one group — the clicked result (label 1) against the results shown with it and not clicked
(label 0) — weighted by the inverse propensity of the click's position
(`reelstack.search.ltr.propensity`). A click low on the page, where few people look, says
more about relevance than one at the top, and counts more.

Split by time: the newest ``holdout`` share of the click sessions is held out; of the rest,
the newest 15 % stop the boosting early. The measure, for early stopping and on the held-out
sessions alike, is the same estimator: IPS-weighted nDCG@10 of each clicked result among the
unclicked ones shown with it (`ips_ndcg`; a tie counts against the click). The new model is
promoted only if it beats the ranker in use — the promoted model, or the fused order when
there is none — by more than ``min_gain``. Every trained model is kept as a version with its
figures; a refused one says why.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from reelstack.config import LtrSettings
from reelstack.core.errors import ReelStackError
from reelstack.search.ltr.clicklog import ClickSession, FeatureLog, LoggedSearch, click_sessions
from reelstack.search.ltr.clicklog import read_searches as read_log
from reelstack.search.ltr.features import F
from reelstack.search.ltr.model import LambdaMart, ModelVersions, RankData
from reelstack.search.ltr.propensity import Propensity, estimate
from reelstack.storage.interfaces import EventStore

VALID_SHARE = 0.15
Scorer = Callable[[np.ndarray], np.ndarray]


def _others(session: ClickSession) -> list[int]:
    clicked = set(session.clicked)
    return [n for n in range(len(session.item_ids)) if n not in clicked]


def click_groups(
    sessions: Sequence[ClickSession], propensity: Propensity, max_weight: float
) -> RankData:
    """One group per click: the clicked result (label 1) and the unclicked ones (label 0),
    in the shown order (LightGBM breaks score ties by row order, as serving does)."""
    parts = []
    for session in sessions:
        others = _others(session)
        for position in session.clicked:
            rows = sorted([position, *others])
            labels = np.array([1.0 if row == position else 0.0 for row in rows])
            weight = propensity.weight(position + 1, max_weight)
            parts.append((session.features[rows], labels, weight))
    return RankData.stack(parts)


def ips_ndcg(scores: np.ndarray, data: RankData, k: int = 10) -> float:
    """IPS-weighted mean nDCG@k of each group's clicked row among its unclicked ones under
    ``scores`` (a tie counts against the click: a ranker must separate it to get credit)."""
    total = weights = 0.0
    start = 0
    for size in data.groups:
        group = scores[start : start + size]
        mine = group[int(np.argmax(data.y[start : start + size]))]
        rank = int((group >= mine).sum())
        weight = float(data.weights[start]) if data.weights is not None else 1.0
        total += weight * (1.0 / math.log2(rank + 1) if rank <= k else 0.0)
        weights += weight
        start += size
    return total / weights if weights else 0.0


def fusion_order(X: np.ndarray) -> np.ndarray:
    """The first phase's order: the fused score."""
    return X[:, F["fusion"]]


def fit_propensity(searches: Sequence[LoggedSearch], correction: str) -> Propensity:
    if correction == "none":
        return Propensity.none()
    if correction == "power":
        return Propensity.power()
    observations = [
        ((search.query, item_id), position, item_id in search.clicks)
        for search in searches
        for position, item_id in enumerate(search.results, 1)
    ]
    return estimate(observations)


def split(sessions: Sequence[ClickSession], share: float) -> tuple[list, list]:
    """Oldest first: the newest ``share`` (at least one) goes to the second list."""
    held = max(1, round(len(sessions) * share))
    return list(sessions[:-held]), list(sessions[-held:])


def fit(
    sessions: Sequence[ClickSession], propensity: Propensity, settings: LtrSettings
) -> LambdaMart:
    """LambdaMART on ``sessions`` (oldest first), the newest `VALID_SHARE` for early stopping."""
    fit_part, valid_part = split(sessions, VALID_SHARE)
    train = click_groups(fit_part, propensity, settings.max_weight)
    valid = click_groups(valid_part, propensity, settings.max_weight)
    leaf = max(5, min(20, len(train.X) // 100))
    model = LambdaMart(min_data_in_leaf=leaf, threads=settings.threads)
    return model.fit(train, valid, metric=ips_ndcg)


class Trainer:
    """Trains from the store's click log and promotes under ``versions`` when better."""

    def __init__(
        self, events: EventStore, log: FeatureLog, versions: ModelVersions, settings: LtrSettings
    ) -> None:
        self.events = events
        self.log = log
        self.versions = versions
        self.settings = settings

    def train(self) -> dict[str, Any]:
        started = time.perf_counter()
        s = self.settings
        searches = read_log(self.events)
        sessions = click_sessions(searches, self.log)
        counts = {"searches": len(searches), "click_sessions": len(sessions)}
        if len(sessions) < s.min_sessions:
            reason = (
                f"not enough click sessions with logged features: {len(sessions)} "
                f"(need {s.min_sessions})"
            )
            return {"version": None, "promoted": False, "reason": reason, **counts}
        propensity = fit_propensity(searches, s.position_correction)
        train_part, held = split(sessions, s.holdout)
        model = fit(train_part, propensity, s)
        held_out = click_groups(held, propensity, s.max_weight)

        def measure(score: Scorer) -> float:
            return round(ips_ndcg(score(held_out.X), held_out), 4)

        before, current = self._current()
        figures = {"new": measure(model.predict), "fusion": measure(fusion_order)}
        figures["current"] = measure(current) if before else figures["fusion"]
        promoted = figures["new"] > figures["current"] + s.min_gain
        in_use = before or "the fused order"
        verdict = "beats" if promoted else "does not beat"
        reason = (
            f"held-out IPS nDCG@10 {figures['new']:.4f} {verdict} {in_use} "
            f"({figures['current']:.4f}, min gain {s.min_gain})"
        )
        manifest = {
            "trained_at": time.time(),
            "promoted": promoted,
            "reason": reason,
            "replaces": before,
            "heldout_ips_ndcg10": figures,
            "sessions": {"train": len(train_part), "held_out": len(held), **counts},
            "propensity": propensity.to_dict(),
            "max_weight": s.max_weight,
            "trees": model.trees_,
            "importance": model.importance(),
            "seconds": round(time.perf_counter() - started, 2),
        }
        version = self.versions.save(model, manifest)
        if promoted:
            self.versions.promote(version)
        return {"version": version, **manifest}

    def _current(self) -> tuple[str | None, Scorer]:
        """The promoted version and its scorer; (None, fused order) without a usable one."""
        version = self.versions.current()
        if version is None:
            return None, fusion_order
        try:
            return version, self.versions.load(version).predict
        except ReelStackError:  # trained on other features, or LightGBM missing
            return None, fusion_order
