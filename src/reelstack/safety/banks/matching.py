"""Video-level comparison of a post's frame hashes with one bank entry, and its confidence.

This is ``understand.hashes.video_match`` (vPDQ: the share of each side's good-quality frames
with a close frame on the other side) with one extension: a banked keyframe is a *group* of
hashes — the frame and its zoom variants — and counts as found when any of them is close. For
an entry without variants the fractions are exactly ``video_match``'s. Two tiers decide:

- ``strict``: PDQ's confident distance (31 bits) on at least 70 % of both sides' good frames;
- ``zoom``: a looser 56 bits, but on at least 90 % of both sides (at least 3 good frames
  each) *and in step*: one time offset (a trim) must line the close frames up, within
  ``ALIGN_SECONDS``. Burned-in text that stays put while the picture under it is zoomed (the
  demo's re-uploads) defeats the crop variants and leaves 30-55 bits; at that distance
  another cut of the same film in the same letterbox layout can be as close frame by frame,
  but its close frames are out of step (and, in step, fewer than 90 %: see
  bench/hashbank.py, which measures both sides of this line on seeds held out).

Anything less, with at least one good frame of the post within 31 bits, is ``partial``
(a frame or a stretch of a banked video): a review-band confidence, never an automatic action.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from reelstack.safety.banks.signals import hamming_matrix, to_codes
from reelstack.understand.hashes import MATCH_DISTANCE, MATCH_FRACTION, MIN_QUALITY

STRICT_DISTANCE = MATCH_DISTANCE  # 31
STRICT_FRACTION = MATCH_FRACTION  # 0.7
ZOOM_DISTANCE = 56
ZOOM_FRACTION = 0.9
ZOOM_MIN_FRAMES = 3
ALIGN_SECONDS = 1.0  # half the Understand keyframes' uniform spacing (2 s)

Tier = Literal["md5", "strict", "zoom", "partial"]


@dataclass(frozen=True, slots=True)
class EntryHashes:
    """One entry's PDQ rows (each frame, then its variants), grouped by keyframe."""

    codes: np.ndarray  # (m, 32) uint8
    starts: np.ndarray  # (g,) first row of each keyframe's group (rows are contiguous)
    quality: np.ndarray  # (g,) PDQ quality of each keyframe
    ts: np.ndarray  # (g,) keyframe timestamps, seconds

    @classmethod
    def of(cls, frames: Sequence[Mapping[str, Any]], signal: str | None = None) -> EntryHashes:
        """From an entry's ``frames``; a bare ``pdq`` signal is one frame of full quality."""
        if not frames and signal:
            frames = [{"ts": 0.0, "hash": signal, "quality": 100, "variants": []}]
        hexes, starts = [], []
        for frame in frames:
            starts.append(len(hexes))
            hexes += [frame["hash"], *frame.get("variants", ())]
        quality = np.array([int(f.get("quality", 100)) for f in frames], dtype=np.int32)
        ts = np.array([float(f.get("ts", 0.0)) for f in frames], dtype=np.float64)
        return cls(to_codes(hexes), np.array(starts, dtype=np.int64), quality, ts)

    @property
    def rows(self) -> int:
        return len(self.codes)


@dataclass(frozen=True, slots=True)
class FrameMatch:
    tier: Tier
    query_fraction: float  # share of the post's good frames found in the entry
    bank_fraction: float  # share of the entry's good keyframes found in the post
    distance: int  # median distance of the post's matched good frames (0 for md5)
    score: float


def query_hashes(value: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A ``hashes`` feature's frames as (codes, quality, timestamps)."""
    frames = value.get("pdq") or []
    codes = to_codes(f["hash"] for f in frames)
    quality = np.array([int(f["quality"]) for f in frames], dtype=np.int32)
    return codes, quality, np.array([float(f.get("ts", 0.0)) for f in frames])


def compare(
    codes: np.ndarray, quality: np.ndarray, ts: np.ndarray, entry: EntryHashes
) -> FrameMatch | None:
    """How a post's frames (``codes``, ``quality``, ``ts``) match one entry; None if not."""
    good_q, good_b = quality >= MIN_QUALITY, entry.quality >= MIN_QUALITY
    if not good_q.any() or not good_b.any() or not entry.rows:
        return None
    # (post frame, banked keyframe): the closest of the keyframe's hash and its variants
    dist = np.minimum.reduceat(hamming_matrix(codes, entry.codes), entry.starts, axis=1)

    def fractions(close: np.ndarray) -> tuple[float, float]:
        """Good post frames close to some keyframe; good keyframes close to some frame."""
        return float(close[good_q].any(axis=1).mean()), float(close[:, good_b].any(axis=0).mean())

    q, b = fractions(dist <= STRICT_DISTANCE)
    if q >= STRICT_FRACTION and b >= STRICT_FRACTION:
        tier, limit = "strict", STRICT_DISTANCE
    else:
        zq, zb = _aligned(dist <= ZOOM_DISTANCE, ts, entry.ts, fractions)
        enough = min(int(good_q.sum()), int(good_b.sum())) >= ZOOM_MIN_FRAMES
        if enough and zq >= ZOOM_FRACTION and zb >= ZOOM_FRACTION:
            tier, limit, q, b = "zoom", ZOOM_DISTANCE, zq, zb
        elif q > 0:
            tier, limit = "partial", STRICT_DISTANCE
        else:
            return None
    best = dist.min(axis=1)[good_q]
    distance = int(np.median(best[best <= limit]))
    return FrameMatch(tier, q, b, distance, confidence(tier, q, b))


def _aligned(
    close: np.ndarray,
    ts: np.ndarray,
    banked_ts: np.ndarray,
    fractions: Callable[[np.ndarray], tuple[float, float]],
) -> tuple[float, float]:
    """The fractions of ``close`` pairs that one time offset lines up (best offset wins)."""
    lag = ts[:, None] - banked_ts[None, :]
    best = (0.0, 0.0)
    for offset in np.unique(lag[close]):
        found = fractions(close & (np.abs(lag - offset) <= ALIGN_SECONDS))
        if min(found) > min(best):
            best = found
    return best


def confidence(tier: Tier, query_fraction: float, bank_fraction: float) -> float:
    """Calibrated to the ``ip`` bands (disable >= 0.9, review >= 0.7).

    md5 1.0; strict 0.95-1.0 and zoom 0.90-0.94 by the weaker side's fraction (disable);
    partial 0.70-0.85 by the stronger side's (review: a frame of a banked clip, or a banked
    clip inside a longer post, is for a person to judge).
    """
    low, high = min(query_fraction, bank_fraction), max(query_fraction, bank_fraction)
    if tier == "md5":
        return 1.0
    if tier == "strict":
        return round(0.95 + 0.05 * (low - STRICT_FRACTION) / (1 - STRICT_FRACTION), 4)
    if tier == "zoom":
        return round(0.90 + 0.04 * (low - ZOOM_FRACTION) / (1 - ZOOM_FRACTION), 4)
    return round(0.70 + 0.15 * high, 4)
