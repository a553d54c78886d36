"""Ranking features of (user, candidate items, context), the same code at training and serving.

Training replays the log through a fresh `RealtimeState` and calls `build` just before each
exposure's first event, so every row sees exactly what serving would have seen then (no
leakage from the future). Vectors are compared after `Catalog.center`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from reelstack.recommend.state import RealtimeState, UserState, value_at

FEATURES = (
    "profile_sim",  # user's decayed content profile · item (the learned topic match)
    "recent_sim",  # best match with the last engaged items
    "skip_sim",  # match with recently skipped content, scaled by how much was skipped
    "creator_affinity",
    "tag_affinity",  # share of the user's tag interest on the item's tags
    "follows_creator",
    "creator_fatigue",  # recent skips of this creator
    "tag_fatigue",  # recent skips on the item's tags
    "coengagement",  # co-engaged with the user's recent items
    "language_match",
    "item_plays",
    "item_completion",
    "item_like_rate",
    "item_share_rate",
    "item_skip_rate",
    "item_report_rate",
    "item_velocity",
    "item_age_h",
    "item_duration_s",
    "item_impressions",
    "item_has_vector",
    "user_engaged",
    "user_plays",
    "user_completion",
    "user_like_rate",
    "position",
)
F = {name: n for n, name in enumerate(FEATURES)}
RECENT_FOR_SIMILARITY = 5


@dataclass(slots=True)
class UserView:
    """A consistent copy of what features need from one user's state (taken under the lock)."""

    user: UserState | None
    profile: np.ndarray | None
    skip_vector: np.ndarray | None
    skip_strength: float
    recent: list[int]
    tags: dict[str, float]
    tag_total: float
    creators: dict[int, float]
    creator_fatigue: dict[int, float]
    tag_fatigue: dict[str, float]
    language: int
    now: float
    follows: frozenset[int] = frozenset()
    seen: frozenset[int] = frozenset()
    hidden: frozenset[int] = frozenset()
    region: str | None = None


def user_view(
    state: RealtimeState,
    user: UserState | None,
    language: str | None,
    sets: bool = True,
    region: str | None = None,
) -> UserView:
    """``sets``: copy the seen and hidden sets too (serving filters on them; training not).
    ``language`` and ``region`` are asked for; a known user's own record wins."""
    catalog = state.catalog
    lang = catalog.language_code(language)
    if user is None:
        now = state.now()
        return UserView(None, None, None, 0.0, [], {}, 0.0, {}, {}, {}, lang, now, region=region)
    with state.lock:
        hl, fhl = state._user_hl, state._fatigue_hl
        at = user.last_ts
        tags = {t: value_at(e, at, hl) for t, e in user.tags.items()}
        recent = list(dict.fromkeys(i for i, _, _ in reversed(user.recent)))
        skip_vector, strength = None, 0.0
        if user.skip_vector is not None:
            decayed = user.skip_vector * math.exp2(-max(0.0, at - user.skip_ts) / fhl)
            strength = float(np.linalg.norm(decayed))
            skip_vector = decayed
        if lang == -2 and user.languages:
            lang = max(user.languages, key=lambda k: user.languages[k])
        if user.language and catalog.language_code(user.language) != -2:
            lang = catalog.language_code(user.language)
        return UserView(
            user=user,
            profile=None if user.profile is None else user.profile.copy(),
            skip_vector=skip_vector,
            skip_strength=strength,
            recent=recent[:RECENT_FOR_SIMILARITY],
            tags=tags,
            tag_total=sum(abs(v) for v in tags.values()),
            creators={c: value_at(e, at, hl) for c, e in user.creators.items()},
            creator_fatigue={c: value_at(e, at, fhl) for c, e in user.creator_skips.items()},
            tag_fatigue={t: value_at(e, at, fhl) for t, e in user.tag_skips.items()},
            language=lang,
            now=state.now(),
            follows=frozenset(user.follows),
            seen=frozenset(user.seen) if sets else frozenset(),
            hidden=frozenset(user.hidden) if sets else frozenset(),
            region=user.region or region,
        )


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.maximum(norms, 1e-9)


def build(
    state: RealtimeState,
    view: UserView,
    idx: np.ndarray,
    positions: np.ndarray | None = None,
    vectors: np.ndarray | None = None,
) -> np.ndarray:
    """Feature matrix (len(idx) × len(FEATURES)), float32. ``vectors``: the candidates'
    centred content vectors when the caller has them already."""
    catalog = state.catalog
    idx = np.asarray(idx, np.int64)
    n = len(idx)
    X = np.zeros((n, len(FEATURES)), np.float32)
    if n == 0:
        return X
    size = len(catalog.creator)
    if vectors is None:
        vectors = catalog.center(catalog.vectors_of(idx))
    has_vector = catalog.has_vector[idx]
    if view.profile is not None and vectors.shape[1] == len(view.profile):
        profile = catalog.center(_unit_rows(view.profile[None, :]))[0]
        X[:, F["profile_sim"]] = vectors @ profile
    if view.recent and vectors.shape[1] > 1:
        recent = catalog.center(catalog.vectors_of(np.array(view.recent)))
        X[:, F["recent_sim"]] = (vectors @ recent.T).max(axis=1)
    if view.skip_vector is not None and vectors.shape[1] == len(view.skip_vector):
        skip = catalog.center(_unit_rows(view.skip_vector[None, :]))[0]
        X[:, F["skip_sim"]] = (vectors @ skip) * math.tanh(view.skip_strength)
    X[~has_vector, F["profile_sim"]] = 0.0
    X[~has_vector, F["recent_sim"]] = 0.0
    X[~has_vector, F["skip_sim"]] = 0.0
    creators = catalog.creator[idx]
    creator_list = creators.tolist()
    if view.creators:
        get = view.creators.get
        X[:, F["creator_affinity"]] = [get(c, 0.0) for c in creator_list]
    if view.creator_fatigue:
        get = view.creator_fatigue.get
        X[:, F["creator_fatigue"]] = [get(c, 0.0) for c in creator_list]
    tag_ids = catalog.tag_matrix[idx] if view.tags or view.tag_fatigue else None
    for column, table, scale in (
        ("tag_affinity", view.tags, 1.0 / (view.tag_total or 1.0)),
        ("tag_fatigue", view.tag_fatigue, 1.0),
    ):
        if table and tag_ids is not None:
            X[:, F[column]] = catalog.tag_weights(table)[tag_ids].sum(axis=1) * scale
    if view.follows:
        X[:, F["follows_creator"]] = np.isin(creators, list(view.follows))
    X[:, F["coengagement"]] = np.log1p(coengagement_scores(state, view.recent, idx))
    languages = catalog.language[idx]
    X[:, F["language_match"]] = np.where(view.language < 0, 0.5, languages == view.language)
    _item_features(state, X, idx, size, view.now)
    if view.user is not None:
        user = view.user
        X[:, F["user_engaged"]] = math.log1p(user.engaged)
        X[:, F["user_plays"]] = math.log1p(user.plays)
        X[:, F["user_completion"]] = (user.watch_sum + 2.5) / (user.plays + 5)
        X[:, F["user_like_rate"]] = (user.likes + 0.5) / (user.plays + 5)
    if positions is not None:
        X[:, F["position"]] = positions
    return X


def _item_features(state: RealtimeState, X: np.ndarray, idx: np.ndarray, size: int, now: float):
    priors = state.priors()
    a = state.settings.prior_strength
    stat = {name: state.item_array(name, size)[idx].astype(np.float64) for name in state.stats}
    plays = stat["plays"]
    X[:, F["item_plays"]] = np.log1p(plays)
    X[:, F["item_impressions"]] = np.log1p(stat["impressions"])
    X[:, F["item_completion"]] = (stat["watch_sum"] + a * priors["completion"]) / (plays + a)
    X[:, F["item_like_rate"]] = (stat["likes"] + a * priors["like"]) / (plays + a)
    X[:, F["item_share_rate"]] = (stat["shares"] + a * priors["share"]) / (plays + a)
    X[:, F["item_skip_rate"]] = (stat["skips"] + a * priors["skip"]) / (plays + a)
    X[:, F["item_report_rate"]] = (stat["reports"] + a * priors["report"]) / (plays + a)
    velocity = state.item_array("velocity", size)[idx]
    scale = math.exp2(-(now - state.velocity_t0) / state._velocity_hl) if state.velocity_t0 else 0
    X[:, F["item_velocity"]] = np.log1p(velocity * scale)
    catalog = state.catalog
    age = np.maximum(0.0, now - catalog.created_at[idx]) / 3600.0
    X[:, F["item_age_h"]] = np.log1p(age)
    X[:, F["item_duration_s"]] = catalog.duration_s[idx]
    X[:, F["item_has_vector"]] = catalog.has_vector[idx]


def coengagement_scores(state: RealtimeState, recent: list[int], idx: np.ndarray) -> np.ndarray:
    """Co-engagement counts of each candidate with the user's recent items, summed."""
    totals: dict[int, float] = {}
    for item in recent:
        for other, count in list(state.coengaged.get(item, {}).items()):
            totals[other] = totals.get(other, 0.0) + count
    if not totals:
        return np.zeros(len(idx), np.float64)
    get = totals.get
    return np.array([get(i, 0.0) for i in np.asarray(idx).tolist()], np.float64)
