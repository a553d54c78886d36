"""Hashes: exact (md5 of the media file) and perceptual (PDQ of each keyframe) fingerprints.

PDQ is Meta's open perceptual hash (``pdqhash``): 256 bits per image, compared by Hamming
distance, with a quality score (0-100) that is low for flat or featureless frames. Hashes are
written in ThreatExchange's hex form (first bit = most significant), so they can be compared
with hash banks shared in that format. Videos are matched vPDQ-style: by the share of each
side's good-quality frames that have a close frame on the other side. That survives
re-encoding, resizing and brightness changes; PDQ is not crop-proof, so a zoom of more than a
few percent can break a match (see ``video_match``).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from reelstack.config import UnderstandSettings
from reelstack.core.errors import ModelUnavailable
from reelstack.understand.stage import PerItemStage, StageError, StageInput

if TYPE_CHECKING:
    from reelstack.models.registry import ModelRegistry

MATCH_DISTANCE = 31  # PDQ's recommended "confident match" distance (ThreatExchange)
MIN_QUALITY = 50  # frames below this PDQ quality are too featureless to vouch for a match
MATCH_FRACTION = 0.7  # both videos must have this share of their good frames matched
_BLOCK = 128  # frames per block of the all-pairs pre-filter: ~40 MB at 30,000 frames


@dataclass(frozen=True, slots=True)
class VideoMatch:
    """How much of each video is found in the other; ``is_match`` when both are high enough."""

    a_fraction: float  # share of a's good-quality frames with a frame of b within the distance
    b_fraction: float
    is_match: bool


class HashesStage(PerItemStage):
    name: ClassVar[str] = "hashes"
    requires: ClassVar[tuple[str, ...]] = ("keyframes",)
    applies_to: ClassVar[frozenset[str]] = frozenset({"video", "image"})
    code_version: ClassVar[str] = "1"

    def __init__(self, registry: ModelRegistry, settings: UnderstandSettings) -> None:
        super().__init__(registry, settings)
        self._pdq: ModuleType | None = None

    @cached_property
    def version(self) -> str:
        """Names pdqhash's version (another release may flip a few bits); raises
        ``ModelUnavailable`` when it is missing, which the pipeline records as unavailable."""
        _import_pdqhash()
        return f"{self.name}/{self.code_version} pdqhash=={importlib.metadata.version('pdqhash')}"

    def process_one(self, inp: StageInput) -> dict[str, Any]:
        path = inp.post.media_path
        try:
            md5 = file_md5(path) if path is not None else None
            frames = inp.keyframes()
        except OSError as exc:
            raise StageError(f"cannot read the media or its keyframes: {exc}") from exc
        if md5 is None:
            raise StageError("no media file for this post")
        pdq = [{"ts": ts, **self.pdq(image)} for ts, image in frames]
        return {"md5": md5, "pdq": pdq, "frames": len(pdq)}

    def pdq(self, image: Any) -> dict[str, Any]:
        """``{"hash": 64 hex digits, "quality": 0-100}`` of one PIL image."""
        if self._pdq is None:
            self._pdq = _import_pdqhash()
        bits, quality = self._pdq.compute(np.asarray(image.convert("RGB")))
        return {
            "hash": np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex(),
            "quality": int(quality),
        }


def _import_pdqhash() -> ModuleType:
    try:
        import pdqhash
    except ImportError as exc:
        raise ModelUnavailable(
            "the hashes stage needs the Python package 'pdqhash' (pip install pdqhash==0.2.8); "
            "it is not installed"
        ) from exc
    return pdqhash


def file_md5(path: Any) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def hamming(a_hex: str, b_hex: str) -> int:
    """Bits that differ between two equal-length hex hashes."""
    if len(a_hex) != len(b_hex):
        raise ValueError(f"hashes of different lengths: {len(a_hex)} and {len(b_hex)} digits")
    return (int(a_hex, 16) ^ int(b_hex, 16)).bit_count()


def video_match(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    *,
    distance: int = MATCH_DISTANCE,
    min_quality: int = MIN_QUALITY,
    threshold: float = MATCH_FRACTION,
) -> VideoMatch:
    """vPDQ-style comparison of two ``hashes`` values (videos or images).

    ``a_fraction`` is the share of a's good-quality frames (PDQ quality >= ``min_quality``)
    within ``distance`` bits of some frame of b, and the other way round. Only good frames
    vouch for a match, but they may find any frame: quality is gradient energy, which a
    brightness or size change can push across the line on one side only. A side without good
    frames (all flat or black) matches nothing. 0.7 rather than vPDQ's customary 0.8 leaves
    room for re-uploads with a frame or two lost to a trim or an added intro.
    """
    good_a, good_b = _words(a, min_quality), _words(b, min_quality)
    if not len(good_a) or not len(good_b):
        return VideoMatch(0.0, 0.0, False)
    a_fraction = float((_distances(good_a, _words(b, 0)) <= distance).any(axis=1).mean())
    b_fraction = float((_distances(good_b, _words(a, 0)) <= distance).any(axis=1).mean())
    return VideoMatch(a_fraction, b_fraction, a_fraction >= threshold and b_fraction >= threshold)


def near_duplicate_groups(
    hashes: Mapping[str, Mapping[str, Any]],
    *,
    distance: int = MATCH_DISTANCE,
    min_quality: int = MIN_QUALITY,
    threshold: float = MATCH_FRACTION,
) -> list[list[str]]:
    """Groups (size >= 2) of items that are exact (same md5) or near (``video_match``) copies.

    Union-find over matching pairs, so copies of copies join one group. The pre-filter is a
    brute-force Hamming distance from every good-quality frame to every frame (numpy, blocked:
    O(F^2) in the number of frames F); it keeps ``video_match`` to the pairs sharing at least
    one close frame. That suits a few thousand items (~2.5 s of CPU for 3,000 items of 8
    frames); beyond that, use a multi-index or ANN index over the PDQ hashes. Groups and their
    members keep the input order.
    """
    ids = list(hashes)
    parent = list(range(len(ids)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)

    first_by_md5: dict[str, int] = {}
    for i, item in enumerate(ids):
        md5 = hashes[item].get("md5")
        if md5:
            union(i, first_by_md5.setdefault(md5, i))
    good = [_words(hashes[item], min_quality) for item in ids]
    weak = [_words(hashes[item], 0, below=min_quality) for item in ids]
    for i, j in _candidate_pairs(good, weak, distance):
        if find(i) != find(j):
            match = video_match(
                hashes[ids[i]],
                hashes[ids[j]],
                distance=distance,
                min_quality=min_quality,
                threshold=threshold,
            )
            if match.is_match:
                union(i, j)
    groups: dict[int, list[str]] = {}
    for i, item in enumerate(ids):
        groups.setdefault(find(i), []).append(item)
    return [members for members in groups.values() if len(members) > 1]


def exact_duplicate_groups(hashes: Mapping[str, Mapping[str, Any]]) -> list[list[str]]:
    """Groups (size >= 2) of items whose media files are byte-identical (same md5)."""
    by_md5: dict[str, list[str]] = {}
    for item, value in hashes.items():
        if value.get("md5"):
            by_md5.setdefault(value["md5"], []).append(item)
    return [members for members in by_md5.values() if len(members) > 1]


def _words(value: Mapping[str, Any], min_quality: int, below: int = 101) -> np.ndarray:
    """Hashes of the frames with ``min_quality <= quality < below`` as (n, 4) 64-bit words."""
    hexes = [f["hash"] for f in value.get("pdq", ()) if min_quality <= f["quality"] < below]
    raw = b"".join(bytes.fromhex(h) for h in hexes)
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(len(hexes), 4)


def _distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)) Hamming distances between rows of 64-bit words."""
    total = np.zeros((len(a), len(b)), dtype=np.uint16)
    for word in range(a.shape[1]):  # word by word: a fraction of the memory of one broadcast
        total += np.bitwise_count(a[:, None, word] ^ b[None, :, word])
    return total


def _candidate_pairs(
    good: list[np.ndarray], weak: list[np.ndarray], distance: int
) -> set[tuple[int, int]]:
    """Item pairs (i < j) where a good frame of one is within ``distance`` of a frame of the other.

    ``video_match`` needs such a frame pair to match, so the filter loses no match. Good frames
    are compared with the good frames after them (distance is symmetric) and all weak ones.
    """
    good_frames, good_owner = _stack(good)
    weak_frames, weak_owner = _stack(weak)
    pairs: set[tuple[int, int]] = set()
    for start in range(0, len(good_frames), _BLOCK):
        block, owner = good_frames[start : start + _BLOCK], good_owner[start : start + _BLOCK]
        for others, others_owner in (
            (good_frames[start:], good_owner[start:]),
            (weak_frames, weak_owner),
        ):
            close = _distances(block, others) <= distance
            if close.any():
                rows, cols = np.nonzero(close)
                a, b = owner[rows], others_owner[cols]
                keep = a != b
                low, high = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
                pairs.update(zip(low.tolist(), high.tolist(), strict=True))
    return pairs


def _stack(words: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """All items' frame hashes in one (n, 4) array, and the item number of each row."""
    frames = np.concatenate([np.empty((0, 4), np.uint64), *words])
    owner = np.concatenate(
        [np.empty(0, np.int64)] + [np.full(len(w), i) for i, w in enumerate(words)]
    )
    return frames, owner
