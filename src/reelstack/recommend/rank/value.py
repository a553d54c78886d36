"""The value model: one score from the heads, Σ weight × prediction, weights from settings.

As the public home-timeline rankers do, each head's weight says what one unit of it is worth
(``RecommendSettings.value_weights``, e.g. a like 3× a full watch, a skip −1).
"""

from __future__ import annotations

import numpy as np

from reelstack.recommend.settings import HEADS


class ValueModel:
    def __init__(self, weights: dict[str, float]) -> None:
        self.weights = {head: float(weights.get(head, 0.0)) for head in HEADS}

    def __call__(self, heads: dict[str, np.ndarray]) -> np.ndarray:
        total = None
        for head, weight in self.weights.items():
            part = weight * np.asarray(heads[head], np.float64)
            total = part if total is None else total + part
        return total if total is not None else np.zeros(0)

    def parts(self, heads: dict[str, np.ndarray], row: int) -> dict[str, float]:
        """Each head's contribution to one row's score (for ``explain``)."""
        return {head: round(w * float(heads[head][row]), 4) for head, w in self.weights.items()}
