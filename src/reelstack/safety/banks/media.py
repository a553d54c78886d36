"""Hashing what gets banked: a media file, or a stored item's keyframes, with zoom variants.

A file runs through the Understand ``keyframes`` and ``hashes`` stages exactly as an upload
would (same keyframe choice, same JPEG round trip, same PDQ), so a banked frame's hash is the
hash a re-upload of the same frame gets. Each keyframe is then also hashed as a few crops
zoomed back to full size — 4 zoom levels (3-12 %) × 9 anchors (corners, edge centres,
centre) — because PDQ is not crop-proof: a re-upload zoomed by 5 % lands 40-60 bits away from
the original frame, beyond any safe threshold, while one of its crops lands close to it. The
variants sit on the bank side only, so queries (every stored item) stay one hash per frame.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from reelstack.config import IngestSettings, UnderstandSettings
from reelstack.core.errors import InvalidInput, MediaError
from reelstack.ingest.probe import probe_media
from reelstack.storage.blobs import FileBlobStore
from reelstack.understand.hashes import HashesStage
from reelstack.understand.keyframes import KeyframesStage
from reelstack.understand.pipeline import Pipeline
from reelstack.understand.stage import Post

if TYPE_CHECKING:
    from reelstack.models.registry import ModelRegistry

ZOOMS = (0.97, 0.94, 0.91, 0.88)  # share of the width and height each variant keeps
ANCHORS = (0.0, 0.5, 1.0)  # where the crop sits, horizontally and vertically
VARIANTS = f"crop {'/'.join(map(str, ZOOMS))} x {len(ANCHORS) ** 2} anchors"

Hasher = Callable[[Image.Image], dict[str, Any]]  # image -> {"hash", "quality"}


@dataclass(slots=True)
class MediaHashes:
    kind: str  # "video" or "image"
    md5: str
    frames: list[dict[str, Any]] = field(default_factory=list)
    duration_s: float | None = None


def crops(image: Image.Image) -> list[Image.Image]:
    """The zoom variants of one frame, each resized back to the frame's size."""
    width, height = image.size
    found = []
    for zoom in ZOOMS:
        w, h = width * zoom, height * zoom
        for ax in ANCHORS:
            for ay in ANCHORS:
                left, top = (width - w) * ax, (height - h) * ay
                box = (left, top, left + w, top + h)
                found.append(image.resize((width, height), Image.Resampling.BILINEAR, box=box))
    return found


def with_variants(frame: dict[str, Any], image: Image.Image | None, hasher: Hasher) -> dict:
    """``{"ts", "hash", "quality", "variants"}``: the frame's own hash, plus its crops' hashes
    (none when its image is gone) without repeats."""
    variants: list[str] = []
    if image is not None:
        for crop in crops(image):
            value = hasher(crop)["hash"]
            if value != frame["hash"] and value not in variants:
                variants.append(value)
    return {"ts": frame["ts"], "hash": frame["hash"], "quality": frame["quality"],
            "variants": variants}  # fmt: skip


class MediaHasher:
    """Runs keyframes + hashes on a lone file and adds the zoom variants of each keyframe."""

    def __init__(
        self, registry: ModelRegistry, understand: UnderstandSettings, ingest: IngestSettings
    ) -> None:
        self.registry = registry
        self.understand = understand
        self.ingest = ingest
        self._hashes = HashesStage(registry, understand)

    def pdq(self, image: Image.Image) -> dict[str, Any]:
        return self._hashes.pdq(image)

    def hash_file(self, path: Path, variants: bool = True) -> MediaHashes:
        """md5 and per-keyframe PDQ (with zoom variants unless ``variants`` is false: the
        ``hashes`` feature a post gets) of a video or image file.

        Raises ``MediaError`` for what ingest would refuse, ``InvalidInput`` when the file
        decodes but yields no keyframe, and ``ModelUnavailable`` without pdqhash.
        """
        probe = probe_media(Path(path), self.ingest)
        post = Post(item_id=None, kind=probe.kind, media_path=Path(path),
                    duration_s=probe.duration_s, has_audio=probe.has_audio)  # fmt: skip
        stages = [KeyframesStage(self.registry, self.understand), self._hashes]
        _ = self._hashes.version  # ModelUnavailable now rather than as a per-item error
        with tempfile.TemporaryDirectory(prefix="reelstack-bank-") as tmp:
            blobs = FileBlobStore(Path(tmp))
            _, values = Pipeline(stages, blobs, None, batch_size=1).run_posts([("file", post)])
            value = values["file"]
            for stage in ("keyframes", "hashes"):
                if "error" in value.get(stage, {"error": "not run"}):
                    raise MediaError(f"cannot hash this file: {value[stage]['error']}")
            frames = self._frames(value["hashes"], value["keyframes"] if variants else None, blobs)
        if not frames:
            raise InvalidInput("the file has no frame to hash")
        return MediaHashes(probe.kind, value["hashes"]["md5"], frames, probe.duration_s)

    def hash_item(
        self, hashes: dict[str, Any], keyframes: dict[str, Any] | None, blobs: FileBlobStore
    ) -> list[dict[str, Any]]:
        """Frames with variants from a stored item's ``hashes`` and ``keyframes`` values."""
        return self._frames(hashes, keyframes, blobs)

    def _frames(
        self, hashes: dict[str, Any], keyframes: dict[str, Any] | None, blobs: FileBlobStore
    ) -> list[dict[str, Any]]:
        stored = (keyframes or {}).get("frames") or []
        by_ts = {round(float(f["ts"]), 3): f.get("sha256") for f in stored}
        frames = []
        for frame in hashes.get("pdq", []):
            sha = by_ts.get(round(float(frame["ts"]), 3))
            frames.append(with_variants(frame, _open(blobs, sha), self.pdq))
        return frames


def _open(blobs: FileBlobStore, sha256: str | None) -> Image.Image | None:
    if not sha256:
        return None
    path = blobs.path(sha256)
    if not path.is_file():
        return None
    with Image.open(path) as image:
        return image.convert("RGB")


__all__ = ["ANCHORS", "VARIANTS", "ZOOMS", "MediaHasher", "MediaHashes", "crops"]
