"""Search settings: one typed model, defaults stated once.

Kept with the pillar until `reelstack.config.Settings` grows a ``search`` section; the
platform passes ``SearchSettings()`` (environment: ``REELSTACK_SEARCH__*`` once it moves).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

DEFAULT_FIELD_WEIGHTS = {
    "caption": 2.0,
    "hashtags": 2.0,
    "ocr": 1.2,
    "transcript": 1.0,
    "creator": 1.5,
    "concepts": 0.8,
    "folded": 0.6,
    "cjk": 0.3,
}
# bm25 : dense = 0.6 : 0.4 with a normalised weighted sum is what tuning on SciFact's train
# queries chose (bench/search_beir.py; test nDCG@10 .725 vs .705 for plain RRF). Cross-modal
# and exact matches have no public training set: their weights were set on the demo corpus.
DEFAULT_FUSION_WEIGHTS = {"bm25": 0.6, "dense": 0.4, "crossmodal": 0.4, "exact": 0.3}


class SearchSettings(BaseModel):
    vector_backend: Literal["usearch", "exact"] = "usearch"
    field_weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_FIELD_WEIGHTS))
    fusion_method: Literal["rrf", "wsum"] = "wsum"
    fusion_weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_FUSION_WEIGHTS))
    rrf_k: int = Field(60, ge=1)
    candidates: int = Field(200, ge=10, le=2000, description="Per retriever, before fusion.")
    max_k: int = Field(100, ge=1, description="Largest page a search may ask for.")
    dense_min_similarity: float = Field(
        0.85, ge=-1, le=1, description="E5 cosine below which a dense match is noise."
    )
    crossmodal_min_similarity: float = Field(
        0.84, ge=-1, le=1, description="ConSE cosine below which a visual match is noise."
    )
    relative_floor: float = Field(
        0.04, ge=0, le=1, description="Vector matches this far below the best one are dropped."
    )
    vector_margin: float = Field(
        0.03, ge=0, le=1, description="How far above the query's background a vector match "
        "must be (the median similarity of its neighbours past the first ten)."
    )  # fmt: skip
    spelling: bool = True
    suggest_window_days: float = Field(7.0, gt=0, description="Trending: recent window.")
