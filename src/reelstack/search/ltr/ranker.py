"""The promoted LambdaMART model as search's second phase (`reelstack.search.results.Ranker`).

`PromotedRanker` follows ``<data>/search/ltr/current``: a server picks up a model promoted by
``reelstack search train`` (another process) within ``reload_s`` seconds. Without a model, or
without LightGBM, there is no second phase and the fused order stands.
"""

from __future__ import annotations

import logging
import threading
import time

import numpy as np

from reelstack.core.errors import ReelStackError
from reelstack.search.analysis.query import QueryAnalysis
from reelstack.search.ltr.model import LambdaMart, ModelVersions
from reelstack.search.results import Candidate

log = logging.getLogger(__name__)


class LambdaMartRanker:
    """Reorders candidates by the model's score over their features."""

    name = "lambdamart"

    def __init__(self, model: LambdaMart, version: str) -> None:
        self.model = model
        self.version = version

    def rerank(self, analysis: QueryAnalysis, candidates: list[Candidate]) -> list[Candidate]:
        scored = [c for c in candidates if c.features is not None]
        if not scored:
            return candidates
        raw = self.model.predict(np.stack([c.features for c in scored]))
        top = float(raw.max())
        for candidate, value in zip(scored, raw.tolist(), strict=True):
            candidate.second_phase = round(value, 6)
            candidate.score = float(np.exp(value - top))  # positive, 1 for the best
        scored.sort(key=lambda c: (-c.score, c.fused_rank))
        unscored = [c for c in candidates if c.features is None]
        return scored + unscored


class PromotedRanker:
    """The ranker of the promoted version, reloaded when the promotion changes."""

    def __init__(self, versions: ModelVersions, reload_s: float = 5.0) -> None:
        self.versions = versions
        self.reload_s = reload_s
        self._lock = threading.Lock()
        self._ranker: LambdaMartRanker | None = None
        self._stamp: float | None = None
        self._checked = 0.0
        self.note: str | None = None

    def get(self) -> LambdaMartRanker | None:
        now = time.monotonic()
        if self._stamp is not None and now - self._checked < self.reload_s:
            return self._ranker
        with self._lock:
            self._checked = now
            stamp = self.versions.stamp()
            if stamp != self._stamp:
                self._stamp = stamp
                self._ranker = self._load()
        return self._ranker

    def refresh(self) -> None:
        """Look at the promotion again now (after training in this process)."""
        with self._lock:
            self._stamp = None
            self._checked = 0.0
        self.get()

    def _load(self) -> LambdaMartRanker | None:
        version = self.versions.current()
        if version is None:
            self.note = None
            return None
        try:
            ranker = LambdaMartRanker(self.versions.load(version), version)
        except Exception as exc:  # a model that cannot load must never break search
            message = exc.message if isinstance(exc, ReelStackError) else str(exc)
            self.note = f"search ranker {version} not used: {message}"
            log.warning("%s", self.note)
            return None
        self.note = None
        return ranker
