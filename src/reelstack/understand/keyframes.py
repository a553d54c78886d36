"""Keyframes: a few representative frames per post, chosen without decoding the whole video.

Video: a packet-only pass (no decoding) indexes the keyframe timestamps; the stage then visits a
grid of sample times (every ``sample_every_s``, coarser for long videos so at most
``max_samples`` are visited), snapping each to a nearby keyframe when there is one. It seeks
only when a keyframe lies between where the decoder is and the next sample, so short-GOP videos
cost about one decoded frame per sample and single-GOP clips are decoded once, front to back;
non-reference frames are skipped by the decoder (``skip_frame="NONREF"``), which halves that
cost for B-frame encodes. A colour-histogram distance between consecutive samples above
``scene_threshold`` marks a cut. The result is the first frame, the strongest cuts and evenly
spread "uniform" frames, at most ``max_keyframes`` in all.

Images: one frame at ts 0.0. Each frame is stored as a JPEG blob (longest side <=
``keyframe_px``), plus one thumbnail blob (<= ``thumbnail_px``); the decoded images are left in
``StageInput._frames`` for the stages downstream in the same run.
"""

from __future__ import annotations

import bisect
import heapq
import io
import itertools
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import av
import numpy as np
from av.video.reformatter import VideoReformatter
from PIL import Image, ImageOps

from reelstack.config import UnderstandSettings
from reelstack.understand.stage import PerItemStage, StageError, StageInput

if TYPE_CHECKING:
    from reelstack.models.registry import ModelRegistry

log = logging.getLogger(__name__)

_SIG_SIZE = (48, 48)  # samples are compared as 48x48 colour histograms (cheap, layout-blind)
_LEVELS = 4  # per channel: a 4x4x4 joint RGB histogram
_FLAT_STD = 8.0  # a frame whose grey levels vary less than this is no thumbnail (black, fade)
_JPEG_QUALITY = 90


@dataclass(slots=True)
class _Index:
    """What the packet pass learnt: presentation timestamps, in stream time-base units."""

    start: int
    end: int
    keyframes: list[int]
    frame_step: int  # typical distance between frames


@dataclass(slots=True)
class _Pick:
    ts: float
    image: Image.Image
    reason: str
    score: float = 0.0


@dataclass(slots=True)
class _Scan:
    """Frames kept while sampling: the first, the strongest cuts (a bounded heap), uniform."""

    max_cuts: int
    first: _Pick | None = None
    cuts: list[tuple[float, int, _Pick]] = field(default_factory=list)
    uniform: list[_Pick] = field(default_factory=list)
    decoded: int = 0

    def add_cut(self, pick: _Pick) -> None:
        entry = (pick.score, self.decoded, pick)  # decoded: a unique tie-breaker
        if len(self.cuts) < self.max_cuts:
            heapq.heappush(self.cuts, entry)
        elif self.max_cuts and entry[0] > self.cuts[0][0]:
            heapq.heapreplace(self.cuts, entry)


class KeyframesStage(PerItemStage):
    name: ClassVar[str] = "keyframes"
    applies_to: ClassVar[frozenset[str]] = frozenset({"video", "image"})
    code_version: ClassVar[str] = "1"

    def __init__(
        self,
        registry: ModelRegistry,
        settings: UnderstandSettings,
        *,
        sample_every_s: float = 0.5,
        max_samples: int = 64,
        uniform_every_s: float = 2.0,
    ) -> None:
        super().__init__(registry, settings)
        self.sample_every_s = sample_every_s
        self.max_samples = max_samples
        self.uniform_every_s = uniform_every_s

    def process_one(self, inp: StageInput) -> dict[str, Any]:
        path = inp.post.media_path
        if path is None or not path.is_file():
            raise StageError(f"no media file for this post ({path})")
        if inp.post.kind == "image":
            picks, duration, decoded = [_load_image(path, self.settings.keyframe_px)], 0.0, 1
        else:
            picks, duration, decoded = self._video(path)
        frames, images = [], []
        for pick in picks:
            sha, stored = _store(inp, pick.image, _JPEG_QUALITY)
            frames.append(
                {
                    "ts": pick.ts,
                    "sha256": sha,
                    "width": stored.width,
                    "height": stored.height,
                    "reason": pick.reason,
                }
            )
            images.append((pick.ts, stored))
        thumb = _thumbnail_source(picks).copy()
        thumb.thumbnail((self.settings.thumbnail_px,) * 2, Image.Resampling.LANCZOS)
        inp._frames = images  # the stored JPEGs' pixels: the same as a reload from the blobs
        return {
            "frames": frames,
            "thumbnail_sha256": _store(inp, thumb, _JPEG_QUALITY)[0],
            "duration_s": round(duration, 3),
            "decoded_frames": decoded,
        }

    # --- video ------------------------------------------------------------------------------

    def _video(self, path: Any) -> tuple[list[_Pick], float, int]:
        try:
            with av.open(str(path), metadata_errors="ignore") as container:
                number = _video_stream(container)
                index = _index_packets(container, container.streams.video[number])
            if index is None:
                raise StageError("video has no packets with timestamps")
            with av.open(str(path), metadata_errors="ignore") as container:  # decode from byte 0
                stream = container.streams.video[number]
                stream.codec_context.thread_count = self.settings.threads or 0
                scan = self._scan(container, stream, index)
        except (av.FFmpegError, OSError, ValueError, IndexError, MemoryError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise StageError(f"undecodable video: {reason}") from exc
        if scan.first is None:
            raise StageError("no decodable video frame")
        duration = float((index.end - index.start) * stream.time_base)
        return self._select(scan, duration), duration, scan.decoded

    def _scan(self, container: Any, stream: Any, index: _Index) -> _Scan:
        """Visit the sample times in order, keeping the frames that may become keyframes."""
        tb = stream.time_base
        span = (index.end - index.start) * tb
        interval = max(self.sample_every_s, float(span) / self.max_samples)
        targets = _plan(index, int(interval / tb) or 1)
        uniform = {_nearest(targets, index.start + int(t / tb)) for t in self._uniform_times(span)}
        scan = _Scan(max_cuts=self.settings.max_keyframes - 1)
        previous: np.ndarray | None = None
        to_image = _Converter(self.settings.keyframe_px, stream.sample_aspect_ratio)
        small = VideoReformatter()  # one per video: reuses its scaler context across frames
        for i, frame in _decode_at(container, stream, index, targets, scan):
            ts = round(float((frame.pts - index.start) * tb), 3)
            signature = _histogram(small.reformat(frame, *_SIG_SIZE, "rgb24", interpolation="AREA"))
            if previous is None:
                scan.first = _Pick(ts, to_image(frame), "first")
            else:
                score = 0.5 * float(np.abs(signature - previous).sum())
                if score >= self.settings.scene_threshold:
                    scan.add_cut(_Pick(ts, to_image(frame), "scene", score))
                elif i in uniform:
                    scan.uniform.append(_Pick(ts, to_image(frame), "uniform"))
            previous = signature
        return scan

    def _uniform_times(self, span: Any) -> list[float]:
        count = min(self.settings.max_keyframes - 1, round(float(span) / self.uniform_every_s))
        return [(j + 0.5) * float(span) / count for j in range(count)] if count > 0 else []

    def _select(self, scan: _Scan, duration: float) -> list[_Pick]:
        """First + strongest cuts, then uniform frames not too close to those, in time order."""
        assert scan.first is not None
        chosen = [scan.first] + [entry[2] for entry in scan.cuts]
        room = self.settings.max_keyframes - len(chosen)
        spacing = duration / max(1, round(duration / self.uniform_every_s))
        spare = [u for u in scan.uniform if min(abs(u.ts - c.ts) for c in chosen) > spacing / 3]
        if room > 0 and spare:
            keep = np.unique(np.linspace(0, len(spare) - 1, min(room, len(spare))).round())
            chosen += [spare[int(k)] for k in keep]
        return sorted(chosen, key=lambda p: p.ts)


def _video_stream(container: Any) -> int:
    """The first real video stream (not a cover picture attached to the file)."""
    for number, stream in enumerate(container.streams.video):
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return number
    raise StageError("file has no video stream")


def _index_packets(container: Any, stream: Any) -> _Index | None:
    """Read packet headers only (nothing is decoded): timestamps and where keyframes are."""
    stamps: list[int] = []
    keyframes: list[int] = []
    for packet in container.demux(stream):
        pts = packet.pts if packet.pts is not None else packet.dts
        if pts is None or packet.size == 0:
            continue
        stamps.append(pts)
        if packet.is_keyframe:
            keyframes.append(pts)
    if not stamps:
        return None
    stamps.sort()
    steps = np.diff(stamps)
    step = int(np.median(steps)) if len(steps) else 1
    return _Index(stamps[0], stamps[-1] + max(step, 1), sorted(keyframes), max(step, 1))


def _plan(index: _Index, interval: int) -> list[int]:
    """Sample times on a grid of ``interval``, each moved to the nearest keyframe within half
    of it (one decoded frame instead of a run from the previous keyframe)."""
    targets: list[int] = []
    t = index.start
    while t < index.end:
        target = t
        if index.keyframes:
            near = index.keyframes[_nearest(index.keyframes, t)]
            target = near if abs(near - t) <= interval // 2 else t
        if not targets or target > targets[-1]:
            targets.append(target)
        t += interval
    return targets


def _nearest(values: list[int], t: int) -> int:
    """Position of the value nearest ``t`` in a sorted, non-empty list."""
    i = bisect.bisect_left(values, t)
    return min((j for j in (i - 1, i) if 0 <= j < len(values)), key=lambda j: abs(values[j] - t))


def _decode_at(container: Any, stream: Any, index: _Index, targets: list[int], scan: _Scan):
    """Yield (target number, frame) for the first frame at or after each target.

    Decoding starts at the file's start and seeks only when a keyframe lies past the
    decoder's position and at or before the target; otherwise decoding on is cheaper.
    ``scan.decoded`` counts every frame the decoder returned.
    """
    stream.codec_context.skip_frame = "NONREF"
    frames: Iterator[Any] = iter(container.decode(stream))
    position: int | None = None  # pts of the last decoded frame
    tolerance = index.frame_step // 2
    for i, target in enumerate(targets):
        if position is not None and position >= target - tolerance:
            continue  # the decoder is already past this target (samples closer than frames)
        k = bisect.bisect_right(index.keyframes, target) - 1
        if k >= 0 and index.keyframes[k] > (index.start if position is None else position):
            try:
                frames = _seek(container, stream, index.keyframes, k, target, scan)
            except av.FFmpegError as exc:
                _stop(scan, position, exc)
                return
        try:
            for frame in frames:
                scan.decoded += 1
                if frame.pts is None:
                    continue
                position = frame.pts
                if frame.pts >= target - tolerance:
                    yield i, frame
                    break
            else:
                return
        except av.FFmpegError as exc:
            _stop(scan, position, exc)
            return


def _seek(container: Any, stream: Any, keyframes: list[int], k: int, target: int, scan: _Scan):
    """Frames from ``keyframes[k]`` on.

    Some demuxers (MPEG-TS) land a keyframe late; then step back one keyframe at a time
    (three tries at most) and otherwise accept the late landing.
    """
    for back in range(4):
        start = max(k - back, 0)
        container.seek(keyframes[start], stream=stream, backward=True)
        frames = iter(container.decode(stream))
        first = next(frames, None)  # None: landed past the end
        on_time = first is not None and (first.pts is None or first.pts <= target)
        if on_time or start == 0 or back == 3:
            break
        scan.decoded += first is not None  # a frame decoded and thrown away
    return frames if first is None else itertools.chain([first], frames)


def _stop(scan: _Scan, position: int | None, exc: Exception) -> None:
    """A decode error: fatal before the first frame, else keep the frames so far."""
    if scan.first is None:
        raise exc
    log.warning("stopped decoding at pts %s after an error: %s", position, exc)


def _histogram(small: Any) -> np.ndarray:
    """Normalised 4x4x4 joint RGB histogram of a (small) RGB frame."""
    q = (small.to_ndarray() // (256 // _LEVELS)).astype(np.int32)
    codes = (q[..., 0] * _LEVELS + q[..., 1]) * _LEVELS + q[..., 2]
    counts = np.bincount(codes.ravel(), minlength=_LEVELS**3)
    return counts / counts.sum()


class _Converter:
    """Frame -> RGB image upright (display matrix), square-pixelled, longest side <= max_px."""

    def __init__(self, max_px: int, sample_aspect: Any) -> None:
        self.max_px, self.sample_aspect = max_px, sample_aspect
        self.reformatter = VideoReformatter()

    def __call__(self, frame: Any) -> Image.Image:
        image = self.reformatter.reformat(frame, format="rgb24").to_image()
        if self.sample_aspect and self.sample_aspect != 1:
            width = max(1, round(image.width * self.sample_aspect))
            image = image.resize((width, image.height), Image.Resampling.BICUBIC)
        rotation = frame.rotation or 0
        if rotation % 360:
            image = image.rotate(rotation, expand=True)
        image.thumbnail((self.max_px, self.max_px), Image.Resampling.LANCZOS)
        return image


# --- images and blobs ---------------------------------------------------------------------------


def _load_image(path: Any, max_px: int) -> _Pick:
    try:
        with Image.open(path) as img:
            img.draft("RGB", (max_px, max_px))  # JPEG: decode at a reduced scale when possible
            image = _flatten(ImageOps.exif_transpose(img))
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise StageError(f"undecodable image: {exc}") from exc
    image.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
    return _Pick(0.0, image, "first")


def _flatten(image: Image.Image) -> Image.Image:
    """RGB; transparent areas become white, as the image shows in an app (not black)."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")
    return image.convert("RGB")


def _store(inp: StageInput, image: Image.Image, quality: int) -> tuple[str, Image.Image]:
    """Store ``image`` as a JPEG blob; returns its sha256 and the JPEG's decoded pixels."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    sha, _ = inp.blobs.put_stream(buffer)
    buffer.seek(0)
    with Image.open(buffer) as stored:
        return sha, stored.convert("RGB")


def _thumbnail_source(picks: list[_Pick]) -> Image.Image:
    """The first keyframe that is not flat (a black or faded opening makes a poor thumbnail)."""
    for pick in picks:
        if float(np.asarray(pick.image.convert("L")).std()) >= _FLAT_STD:
            return pick.image
    return picks[0].image


__all__ = ["KeyframesStage"]
