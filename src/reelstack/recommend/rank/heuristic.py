"""The fallback ranker, used only until `reelstack recommend train` has produced a model.

It estimates the same heads as the learned ranker from the same features, by hand: an item's
smoothed rates, lifted by how well it matches the user (content profile, recent items, tags,
creator, follows, co-engagement) and pushed down by recent skips of similar content.
"""

from __future__ import annotations

import numpy as np

from reelstack.recommend.rank.features import F


def _relative(column: np.ndarray) -> np.ndarray:
    """Similarities mapped to [0, 1] within the request (only the order among them counts)."""
    positive = np.clip(column, 0.0, None)
    top = float(positive.max()) if len(positive) else 0.0
    return positive / top if top > 1e-6 else positive


def predict(X: np.ndarray) -> dict[str, np.ndarray]:
    match = (
        0.45 * _relative(X[:, F["profile_sim"]])
        + 0.35 * _relative(X[:, F["recent_sim"]])
        + 0.25 * np.clip(X[:, F["tag_affinity"]] * 3.0, -1.0, 1.0)
        + 0.2 * np.tanh(X[:, F["creator_affinity"]])
        + 0.3 * X[:, F["follows_creator"]]
        + 0.1 * np.minimum(X[:, F["coengagement"]], 2.0)
        + 0.1 * (X[:, F["language_match"]] - 0.5)
    )
    match = np.clip(match, -0.5, 1.5)
    fatigue = np.tanh(0.5 * (X[:, F["creator_fatigue"]] + X[:, F["tag_fatigue"]]))
    skip_sim = np.clip(X[:, F["skip_sim"]], 0.0, None)
    return {
        "watch": np.clip(X[:, F["item_completion"]] * (0.5 + match), 0.0, 1.0),
        "like": np.clip(X[:, F["item_like_rate"]] * (0.3 + 3.0 * match), 0.0, 1.0),
        "share": np.clip(X[:, F["item_share_rate"]] * (0.3 + 3.0 * match), 0.0, 1.0),
        "skip": np.clip(
            X[:, F["item_skip_rate"]] * (1.2 - 0.6 * match) + 0.3 * skip_sim + 0.2 * fatigue,
            0.0,
            1.0,
        ),
    }
