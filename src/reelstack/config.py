"""One typed settings tree, validated at start-up; every default is stated here once.

Values come from keyword arguments, then ``REELSTACK_*`` environment variables (nested with
``__``, e.g. ``REELSTACK_API__PORT=9000``), then the defaults below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MB = 1024 * 1024


class ApiSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    open_access: bool = Field(
        False,
        description="Treat requests without a key as admin. Only honoured on loopback addresses.",
    )
    max_upload_mb: int = Field(256, ge=1, description="Largest request body accepted.")


class IngestSettings(BaseModel):
    max_file_mb: int = Field(256, ge=1, description="Largest single media file accepted.")
    max_image_pixels: int = Field(40_000_000, ge=1, description="Image bomb guard (width*height).")
    max_video_pixels: int = Field(4096 * 4096, ge=1, description="Per-frame guard for video.")
    max_video_seconds: float = Field(900.0, gt=0)


class UnderstandSettings(BaseModel):
    """Knobs of the understanding pipeline; stages read only their own section."""

    worker: bool = Field(True, description="Process new items in the background of serve/demo.")
    batch_size: int = Field(8, ge=1, description="Items per batched model call.")
    threads: int | None = Field(None, ge=1, description="CPU threads for models (None: all).")
    # keyframes
    max_keyframes: int = Field(16, ge=1, le=64)
    scene_threshold: float = Field(0.35, gt=0, lt=1, description="Histogram change for a cut.")
    keyframe_px: int = Field(720, ge=64, description="Longest side of stored keyframes.")
    thumbnail_px: int = Field(320, ge=32)
    # visual and cross-modal
    concept_top_k: int = Field(5, ge=1, le=50)
    crossmodal_backend: Literal["conse", "clip"] = "conse"
    conse_top_t: int = Field(3, ge=1, le=1000, description="Tuned on the demo eval split.")
    clip_model: str | None = Field(
        None, description="open_clip 'ARCH:/path/to/weights' for the clip backend (never fetched)."
    )
    # OCR and ASR
    ocr_min_confidence: float = Field(0.5, ge=0, le=1)
    asr_model: str = "asr-whisper-base"
    asr_max_seconds: float = Field(180.0, gt=0)
    # text
    text_embedding_model: str = "text-multilingual-e5"


class SafetySettings(BaseModel):
    """Automated moderation: when it runs and how far zero-shot signals may go on their own."""

    auto_moderate: bool = Field(True, description="Moderate each post once it is understood.")
    zero_shot_cap: float = Field(
        0.69, ge=0, le=1, description="Highest confidence a zero-shot detector may report."
    )
    few_shot_min_examples: int = Field(5, ge=2, description="Per class, to train a policy head.")
    retrain_every_hours: float = Field(
        24.0, ge=0, description="serve retrains policy heads from reviewer labels (0: never)."
    )


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


class LtrSettings(BaseModel):
    """Search's learned second phase (LambdaMART from the click log)."""

    enabled: bool = Field(True, description="Rerank with the promoted model when there is one.")
    depth: int = Field(100, ge=1, le=2000, description="Fused candidates the model reranks.")
    log_features: bool = Field(True, description="Log the features of each page for training.")
    min_sessions: int = Field(50, ge=2, description="Click sessions needed to train.")
    holdout: float = Field(0.2, gt=0, lt=1, description="Newest share of sessions held out.")
    position_correction: Literal["em", "power", "none"] = Field(
        "em", description="Propensity model: PBM by EM, the 1/position prior, or none."
    )
    max_weight: float = Field(10.0, ge=1, description="Clip of inverse propensity weights.")
    min_gain: float = Field(0.0, ge=0, description="Held-out nDCG a new model must add.")
    threads: int = Field(2, ge=1, description="LightGBM threads when training.")
    reload_s: float = Field(5.0, ge=0, description="How often servers look for a new model.")


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
        0.03,
        ge=0,
        le=1,
        description="How far above the query's background a vector match must be "
        "(the median similarity of its neighbours past the first ten).",
    )
    spelling: bool = True
    suggest_window_days: float = Field(7.0, gt=0, description="Trending: recent window.")
    query_cache: int = Field(4096, ge=0, description="Query embeddings kept in memory.")
    ltr: LtrSettings = LtrSettings()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REELSTACK_", env_nested_delimiter="__")

    data_dir: Path = Path("./reelstack-data")
    store_url: str | None = Field(
        None, description="Store backend URL; default sqlite:///<data_dir>/reelstack.db"
    )
    stream_url: str = "memory://"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["text", "json"] = Field("text", description="json: one object per line")
    api: ApiSettings = ApiSettings()
    ingest: IngestSettings = IngestSettings()
    understand: UnderstandSettings = UnderstandSettings()
    safety: SafetySettings = SafetySettings()
    search: SearchSettings = SearchSettings()

    @property
    def resolved_store_url(self) -> str:
        return self.store_url or f"sqlite:///{(self.data_dir / 'reelstack.db').resolve()}"

    @property
    def blobs_dir(self) -> Path:
        return self.data_dir / "blobs"
