"""Recommend settings: one typed model, defaults stated once.

Kept with the pillar until `reelstack.config.Settings` grows a ``recommend`` section; read
from ``REELSTACK_RECOMMEND__*`` environment variables (nested with ``__``; dicts as JSON, e.g.
``REELSTACK_RECOMMEND__VALUE_WEIGHTS='{"watch": 1, "like": 4, "share": 6, "skip": -1}'``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

HEADS = ("watch", "like", "share", "skip")
# The value model: expected value of showing a post = Σ weight × predicted head. Watch ratio
# is in [0, 1]; like/share/skip are probabilities (a like is rarer than a long watch, a share
# rarer still, hence the larger weights; a skip costs).
DEFAULT_VALUE_WEIGHTS = {"watch": 1.0, "like": 3.0, "share": 6.0, "skip": -1.0}
DEFAULT_RECALL_SIZES = {
    "coengagement": 60,
    "content": 80,
    "following": 30,
    "trending": 40,
    "fresh": 30,
    "popular": 60,
    "regional": 40,
}


class TrainSettings(BaseModel):
    """`reelstack recommend train`: LightGBM per head over exposures replayed from the log."""

    max_rows: int = Field(300_000, ge=100, description="Exposures sampled at most.")
    min_rows: int = Field(100, ge=10, description="Fewer exposures than this: nothing trained.")
    num_trees: int = Field(100, ge=1, le=5000, description="Boosting rounds (early stopped).")
    num_leaves: int = Field(31, ge=2, le=1024)
    learning_rate: float = Field(0.1, gt=0, le=1)
    min_data_in_leaf: int = Field(20, ge=1)
    validation_share: float = Field(0.2, ge=0, lt=0.9, description="Latest exposures held out.")
    threads: int = Field(2, ge=1, description="LightGBM threads while training.")
    seed: int = 7


class RecommendSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="REELSTACK_RECOMMEND__", env_nested_delimiter="__", extra="ignore"
    )

    # event API
    max_batch: int = Field(1000, ge=1, le=100_000, description="Events per POST /v1/events.")
    max_future_s: float = Field(300.0, ge=0, description="Clock skew tolerated on event ts.")
    max_age_days: float = Field(365.0, gt=0, description="Older events are refused.")
    # real-time state
    user_half_life_h: float = Field(72.0, gt=0, description="Decay of user affinities.")
    fatigue_half_life_h: float = Field(1.0, gt=0, description="Decay of recent skips.")
    velocity_half_life_h: float = Field(6.0, gt=0, description="Decay of trending velocity.")
    recent_len: int = Field(50, ge=1, le=1000, description="Engaged items kept per user.")
    seen_cap: int = Field(5000, ge=10, description="Seen items remembered per user.")
    coengagement_window_s: float = Field(3600.0, gt=0, description="Co-engaged within this.")
    coengagement_cap: int = Field(100, ge=5, description="Neighbours kept per item.")
    prior_strength: float = Field(20.0, gt=0, description="Pseudo-plays in smoothed rates.")
    # recall and ranking
    ann_backend: Literal["usearch", "exact"] = "usearch"
    recall_sizes: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_RECALL_SIZES))
    value_weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_VALUE_WEIGHTS))
    fresh_pool: int = Field(1000, ge=1, description="Newest posts eligible for exploration.")
    fresh_budget: int = Field(200, ge=1, description="Guaranteed impressions of a new post.")
    # re-ranking
    max_k: int = Field(100, ge=1, le=1000, description="Largest page a feed may ask for.")
    max_per_creator: int = Field(2, ge=1, description="Posts of one creator per page.")
    mmr_lambda: float = Field(0.75, ge=0, le=1, description="1: relevance only; 0: spread only.")
    exploration_rate: float = Field(0.1, ge=0, le=0.5, description="Share of exploration slots.")
    fatigue_strength: float = Field(0.35, ge=0, description="Score cut per recent skip.")
    ad_positions: list[int] = Field(
        default_factory=list, description="0-based page positions for approved ads (none: no ads)."
    )
    # restart
    snapshot: bool = Field(
        True, description="Save the state at shutdown and load it at start (fast restart)."
    )
    snapshot_every_s: float = Field(
        300.0, ge=0, description="Also save a snapshot this often while running (0: never)."
    )
    # serving
    cursor_ttl_s: float = Field(86400.0, gt=0)
    refresh_s: float = Field(1.0, ge=0, description="Tail the event log / item table this often.")
    model_check_s: float = Field(2.0, ge=0, description="Look for a newer model this often.")
    predict_threads: int = Field(1, ge=1, description="LightGBM threads per feed request.")
    feed_concurrency: int = Field(
        1, ge=1, description="Feeds computed at once; more threads mostly contend for the GIL."
    )
    rank_pool: int = Field(
        150, ge=10, description="Candidates the learned ranker scores (the heuristic pre-ranks)."
    )
    train: TrainSettings = TrainSettings()

    @field_validator("value_weights")
    @classmethod
    def _known_heads(cls, weights: dict[str, float]) -> dict[str, float]:
        unknown = set(weights) - set(HEADS)
        if unknown:
            raise ValueError(f"unknown heads {sorted(unknown)}; use {', '.join(HEADS)}")
        return {head: float(weights.get(head, 0.0)) for head in HEADS}

    @field_validator("recall_sizes")
    @classmethod
    def _known_sources(cls, sizes: dict[str, int]) -> dict[str, int]:
        unknown = set(sizes) - set(DEFAULT_RECALL_SIZES)
        if unknown:
            raise ValueError(f"unknown recall sources {sorted(unknown)}")
        return {**DEFAULT_RECALL_SIZES, **{k: max(0, int(v)) for k, v in sizes.items()}}
