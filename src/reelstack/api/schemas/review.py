"""JSON bodies of reports, review decisions, appeals, samples and ad checks."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_REASON = 4000


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item: str = Field(min_length=1, max_length=100, description="The reported post's id.")
    reporter: str = Field(min_length=1, max_length=200, description="Who reports (user id).")
    policy: str | None = Field(None, description="The content policy it breaks, if known.")
    reason: str = Field("", max_length=MAX_REASON, description="The reporter's words.")


class DecisionIn(BaseModel):
    """A reviewer's decision: ``action`` + ``policy`` + ``reason``; appeals take ``outcome``."""

    model_config = ConfigDict(extra="forbid")

    action: str | None = Field(None, description="allow, label, age_restrict, demote, ...")
    policy: str | None = Field(None, description="Required unless the action is allow.")
    reason: str = Field("", max_length=MAX_REASON)
    outcome: Literal["uphold", "overturn"] | None = Field(None, description="Appeal jobs only.")


class SkipIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=MAX_REASON, description="Why it is hard.")


class SampleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    n: int = Field(20, ge=1, le=1000, description="How many jobs to open.")
    seed: int | None = Field(None, description="For a reproducible sample.")
    sampler: Literal["random", "active"] = Field(
        "random", description="random: quality sample; active: uncertainty + diversity"
    )
    random_share: float = Field(0.2, ge=0, le=1, description="Random share of an active batch.")


class AppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: str = Field(min_length=1, max_length=100, description="The decision appealed.")
    creator: str = Field(min_length=1, max_length=200, description="Creator id or handle.")
    reason: str = Field("", max_length=MAX_REASON, description="Why it is wrong.")
