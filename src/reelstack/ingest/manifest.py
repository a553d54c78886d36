"""The post description accepted by every ingest path (CLI manifest, HTTP JSON, Python).

Unknown fields are rejected rather than dropped, so a typo never silently loses data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from reelstack.core.clock import parse_timestamp
from reelstack.core.errors import InvalidInput

_HASHTAG_IN_TEXT = re.compile(r"#([^\s#@]+)")
_TRAILING_PUNCT = ".,!?;:()[]{}\"'，。！？、：；…"


class AdSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    advertiser: str = Field(min_length=1, max_length=200)
    landing_page_text: str | None = Field(None, max_length=100_000)
    claims: list[str] = Field(default_factory=list)
    call_to_action: str | None = Field(None, max_length=200)


class PostSpec(BaseModel):
    """One post: optional media plus caption, hashtags, creator, language, ad fields."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    media: str | None = Field(None, description="Path of the media file (CLI manifests only).")
    caption: str = Field("", max_length=4000)
    hashtags: list[str] = Field(default_factory=list, max_length=100)
    creator: str = Field(min_length=1, max_length=64, pattern=r"^[^\s/@#]+$")
    creator_name: str | None = Field(None, max_length=200)
    language: str | None = Field(None, pattern=r"^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")
    created_at: float | str | None = None
    external_id: str | None = Field(None, min_length=1, max_length=200)
    ad: AdSpec | None = None
    meta: dict[str, Any] = Field(default_factory=dict)

    @field_validator("created_at")
    @classmethod
    def _timestamp(cls, value: float | str | None) -> float | None:
        return None if value is None else parse_timestamp(value)

    @field_validator("hashtags")
    @classmethod
    def _clean_tags(cls, tags: list[str]) -> list[str]:
        return [t.lstrip("#") for t in tags if t.strip("# ")]

    def all_hashtags(self) -> list[str]:
        """Declared hashtags plus ``#tags`` written in the caption, first spelling kept."""
        found = list(self.hashtags)
        found += [m.rstrip(_TRAILING_PUNCT) for m in _HASHTAG_IN_TEXT.findall(self.caption)]
        seen: set[str] = set()
        unique = []
        for tag in found:
            if tag and tag.casefold() not in seen:
                seen.add(tag.casefold())
                unique.append(tag)
        return unique


def describe_validation_error(exc: ValidationError) -> str:
    """``field 'hashtags': Input should be a valid list; ...`` without pydantic's URLs."""
    parts = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(p) for p in err["loc"]) or "body"
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        parts.append(f"field '{where}': {message}")
    return "; ".join(parts)


def parse_post(data: Any) -> PostSpec:
    """Validate one manifest entry; raises ``InvalidInput`` with a readable reason."""
    if not isinstance(data, dict):
        raise InvalidInput(f"expected a JSON object, got {type(data).__name__}")
    try:
        return PostSpec.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(describe_validation_error(exc)) from exc


def read_manifest(path: Path) -> Iterator[tuple[int, PostSpec | InvalidInput]]:
    """(line number, post or the error for that line) for each non-blank line of a JSONL file."""
    with Path(path).open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, parse_post(json.loads(line))
            except json.JSONDecodeError as exc:
                yield number, InvalidInput(f"malformed JSON: {exc.msg} at column {exc.colno}")
            except InvalidInput as exc:
                yield number, exc
