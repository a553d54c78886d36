"""Content similarity to what the user engaged with: ANN over text and cross-modal vectors.

Queries: the user's decayed content profile and the latest engaged items, in the ``text``
(``embed``) and ``visual`` (``crossmodal``) indexes. New posts are found by what they are
about before anyone watched them — the cold-start path for items.
"""

from __future__ import annotations

import numpy as np

from reelstack.recommend.recall import EMPTY, RecallContext, top_n

RECENT_QUERIES = 2  # ANN queries cost ~0.5 ms each: the profile and the latest two


class ContentSimilarity:
    name = "content"

    def recall(self, context: RecallContext, n: int) -> tuple[np.ndarray, np.ndarray]:
        catalog, view = context.state.catalog, context.view
        queries: list[tuple[str, np.ndarray, float]] = []
        if view.profile is not None and catalog.dims["text"] == len(view.profile):
            norm = float(np.linalg.norm(view.profile))
            if norm > 1e-9:
                queries.append(("text", view.profile / norm, 1.0))
        for item in view.recent[:RECENT_QUERIES]:
            for kind, weight in (("text", 0.95), ("visual", 0.85)):
                vector = catalog.kind_vector(kind, item)
                if vector is not None:
                    queries.append((kind, vector, weight))
        if not queries:
            return EMPTY
        per_query = max(10, n // len(queries) + 5)
        found_idx, found_scores = [], []
        for kind, vector, weight in queries:
            idx, sims = catalog.search(kind, vector, per_query)
            found_idx.append(idx)
            found_scores.append(sims * weight)
        return top_n(np.concatenate(found_idx), np.concatenate(found_scores), n)


def similar(context_catalog, item: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Nearest neighbours of one item in both spaces (for related videos); itself excluded."""
    found_idx, found_scores = [], []
    for kind in ("text", "visual"):
        vector = context_catalog.kind_vector(kind, item)
        if vector is not None:
            idx, sims = context_catalog.search(kind, vector, n + 1)
            keep = idx != item
            found_idx.append(idx[keep])
            found_scores.append(sims[keep] * (1.0 if kind == "text" else 0.9))
    if not found_idx:
        return EMPTY
    return top_n(np.concatenate(found_idx), np.concatenate(found_scores), n)
