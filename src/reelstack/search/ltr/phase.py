"""The second phase inside `SearchService`: features, reranking, feature logging, training.

Per search: the best ``depth`` fused candidates get their features (`features.feature_matrix`
over per-field BM25, the first phase's scores, the post and the injected `Signals`) and the
ranker reorders them; the rest stay below in fused order. The page shown is logged with its
features under the search id, which is what `training.Trainer` joins clicks with.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from reelstack.config import LtrSettings
from reelstack.search.analysis.query import QueryAnalysis
from reelstack.search.ltr.clicklog import FeatureLog
from reelstack.search.ltr.features import Signals, as_dict, feature_matrix
from reelstack.search.ltr.model import ModelVersions
from reelstack.search.ltr.ranker import PromotedRanker
from reelstack.search.ltr.training import Trainer
from reelstack.search.results import Candidate, Ranker
from reelstack.storage.interfaces import EventStore

log = logging.getLogger(__name__)

FieldScorer = Callable[[QueryAnalysis, Sequence[str]], Mapping[str, Mapping[str, float]]]
TAIL_FACTOR = 0.5  # candidates past the reranked head score below its lowest


class SecondPhase:
    def __init__(
        self,
        directory: Path,
        settings: LtrSettings,
        field_scores: FieldScorer,
        signals: Signals | None = None,
        ranker: Ranker | None = None,
    ) -> None:
        self.settings = settings
        self.field_scores = field_scores
        self.signals = signals
        self.fixed = ranker
        self.versions = ModelVersions(directory)
        self.promoted = PromotedRanker(self.versions, settings.reload_s)
        self.log = FeatureLog(directory / "features.sqlite")
        self._train_lock = threading.Lock()

    def ranker(self) -> Ranker | None:
        """A ranker given explicitly, else the promoted model (None: keep the fused order)."""
        if self.fixed is not None:
            return self.fixed
        return self.promoted.get() if self.settings.enabled else None

    def fill(
        self, analysis: QueryAnalysis, candidates: Sequence[Candidate], user: str | None, now: float
    ) -> None:
        """Compute the features of candidates that have none yet."""
        todo = [c for c in candidates if c.features is None]
        if not todo:
            return
        ids = [c.item_id for c in todo]
        fields = self.field_scores(analysis, ids)
        X = feature_matrix(analysis, todo, fields, self._signals(user, ids), now)
        for candidate, row in zip(todo, X, strict=True):
            candidate.features = row

    def _signals(self, user: str | None, ids: list[str]) -> Mapping[str, Sequence[float]]:
        if self.signals is None:
            return {}
        try:
            return self.signals(user, ids)
        except Exception as exc:  # signals are optional: never fail a search over them
            log.warning("search: ranking signals failed: %s: %s", type(exc).__name__, exc)
            return {}

    def rerank(
        self, analysis: QueryAnalysis, candidates: list[Candidate], user: str | None, now: float
    ) -> tuple[list[Candidate], Ranker | None]:
        """Candidates in second-phase order, and the ranker used (None: fused order kept)."""
        ranker = self.ranker()
        if ranker is None or not candidates:
            return candidates, None
        head, tail = candidates[: self.settings.depth], candidates[self.settings.depth :]
        self.fill(analysis, head, user, now)
        head = ranker.rerank(analysis, head)
        if tail:
            floor = min(c.score for c in head) * TAIL_FACTOR
            first = tail[0].score or 1.0
            for candidate in tail:
                candidate.score = floor * candidate.score / first
        return head + tail, ranker

    def record(
        self,
        search_id: str,
        analysis: QueryAnalysis,
        shown: Sequence[Candidate],
        user: str | None,
        now: float,
    ) -> None:
        """Log the shown page's features for training (when ``log_features`` is on)."""
        if not self.settings.log_features or not shown:
            return
        self.fill(analysis, shown, user, now)
        X = np.stack([c.features for c in shown if c.features is not None])
        self.log.put(search_id, now, [c.item_id for c in shown], X)

    @staticmethod
    def explain(candidate: Candidate, ranker: Ranker | None) -> dict[str, Any] | None:
        if ranker is None:
            return None
        return {
            "ranker": ranker.name,
            "version": ranker.version,
            "score": candidate.second_phase,
            "fused_rank": candidate.fused_rank,
        }

    @staticmethod
    def features(candidate: Candidate) -> dict[str, float]:
        return as_dict(candidate.features) if candidate.features is not None else {}

    def train(self, events: EventStore) -> dict[str, Any]:
        """Train from the click log; promote if better (one training at a time)."""
        with self._train_lock:
            report = Trainer(events, self.log, self.versions, self.settings).train()
        self.promoted.refresh()
        return report

    def info(self) -> dict[str, Any]:
        ranker = self.ranker()
        return {
            "ranker": ranker.name if ranker else None,
            "version": ranker.version if ranker else None,
            "versions": len(self.versions.versions()),
            "note": self.promoted.note,
        }
