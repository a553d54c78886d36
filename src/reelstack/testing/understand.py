"""Build ``StageInput``s for stage tests without running the stages upstream of them."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image

from reelstack.storage.blobs import FileBlobStore
from reelstack.understand.stage import Post, StageInput


def keyframes_value(blobs: FileBlobStore, frames: list[tuple[float, Image.Image]]) -> dict:
    """The ``keyframes`` stage's value for ``frames``, with each image stored as a JPEG blob.

    Schema (what the keyframes stage produces):
    ``{"frames": [{"ts", "sha256", "width", "height", "reason"}], "thumbnail_sha256",
    "duration_s", "decoded_frames"}``
    """
    stored = []
    for ts, image in frames:
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "JPEG", quality=92)
        buffer.seek(0)
        sha, _ = blobs.put_stream(buffer)
        stored.append(
            {
                "ts": ts,
                "sha256": sha,
                "width": image.width,
                "height": image.height,
                "reason": "uniform",
            }
        )
    return {
        "frames": stored,
        "thumbnail_sha256": stored[0]["sha256"] if stored else None,
        "duration_s": frames[-1][0] if frames else 0.0,
        "decoded_frames": len(frames),
    }


def stage_input(
    blobs: FileBlobStore,
    *,
    kind: str = "video",
    media_path: Path | None = None,
    frames: list[tuple[float, Image.Image]] | None = None,
    upstream: dict[str, dict[str, Any]] | None = None,
    **post_fields: Any,
) -> StageInput:
    """A ``StageInput`` for one post; ``frames`` become its ``keyframes`` upstream value."""
    values = dict(upstream or {})
    if frames is not None:
        values["keyframes"] = keyframes_value(blobs, frames)
    post = Post(item_id=post_fields.pop("item_id", None), kind=kind, media_path=media_path,
                **post_fields)  # fmt: skip
    return StageInput(post=post, upstream=values, blobs=blobs)
