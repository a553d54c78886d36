"""Item-item co-engagement: posts engaged by the same users within a session window."""

from __future__ import annotations

import numpy as np

from reelstack.recommend.recall import EMPTY, RecallContext, top_n


class CoEngagement:
    name = "coengagement"

    def recall(self, context: RecallContext, n: int) -> tuple[np.ndarray, np.ndarray]:
        graph = context.state.coengaged
        scores: dict[int, float] = {}
        for rank, item in enumerate(context.view.recent):
            neighbours = graph.get(item)
            if not neighbours:
                continue
            weight = 1.0 / (1.0 + 0.5 * rank)  # the latest engagement counts most
            for other, count in list(neighbours.items()):
                scores[other] = scores.get(other, 0.0) + weight * count
        if not scores:
            return EMPTY
        return top_n(
            np.fromiter(scores, np.int64, len(scores)),
            np.fromiter(scores.values(), np.float32, len(scores)),
            n,
        )


def related(graph: dict[int, dict[int, float]], item: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Co-engaged neighbours of one item (for related videos)."""
    neighbours = graph.get(item)
    if not neighbours:
        return EMPTY
    pairs = list(neighbours.items())
    return top_n(
        np.array([p[0] for p in pairs], np.int64), np.array([p[1] for p in pairs], np.float32), n
    )
