"""Render one demo post's media: a vertical H.264 clip or a still, with burned-in text.

Clips are Ken Burns pans over a sample image or re-cut segments of a sample video, with a colour
grade, an on-screen caption, a creator watermark and, optionally, espeak-ng speech as AAC. All
randomness comes from ``RenderJob.seed``, so a job renders the same pixels in any worker, and a
re-upload is the same job with a small crop, brightness or size change (near-duplicate on purpose).

Speed matters (hundreds of clips on two cores), so frames never exist as RGB: the stage is
converted to Y/Cb/Cr planes once, each frame is three Pillow resizes (chroma at half size, as
yuv420p wants it) plus the grade as lookup tables, overlays are pre-rendered per plane, and x264
runs single-threaded because the workers already use every core.
"""

from __future__ import annotations

import logging
import random
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

import av
import numpy as np
from PIL import Image, ImageFilter, ImageOps

from reelstack.demo.captions import Stamp, text_stamp, watermark_stamp

log = logging.getLogger(__name__)

BILINEAR = Image.Resampling.BILINEAR
Planes = tuple[Image.Image, Image.Image, Image.Image]  # Y, Cb, Cr as mode "L" images
PlaneStamp = tuple[Planes, tuple[Image.Image, Image.Image], tuple[tuple[int, int], ...]]


@dataclass(frozen=True, slots=True)
class RenderJob:
    """Everything a worker needs to render one media file (picklable, no open handles)."""

    out: str
    source: str
    size: tuple[int, int] = (288, 512)  # video height must be a multiple of 4
    duration: float = 8.0  # seconds; ignored for stills
    fps: int = 12
    seed: int = 0
    overlays: tuple[str, ...] = ()  # shown one after another over the clip
    watermark: str = ""
    speech: tuple[str, str] | None = None  # (text, espeak-ng voice)
    zoom_extra: float = 0.0  # re-upload variants: crop a little tighter ...
    gain: float = 1.0  # ... and brighten or darken
    crf: int = 28

    @property
    def is_still(self) -> bool:
        return self.out.endswith((".jpg", ".jpeg", ".png"))


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


# --- look: colour grade and staging -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Look:
    sat: float
    bright: float
    contrast: float
    warm: float
    duo: tuple[tuple[int, ...], tuple[int, ...]]  # grey sources get a duotone
    fit: bool  # letterbox over a blurred copy instead of cropping to 9:16

    def luts(self, tv: bool) -> tuple[list[int], list[int], list[int]]:
        """Per-plane tables on Pillow's full-range YCbCr: contrast and brightness on Y,
        saturation and a warm/cool tint on Cb/Cr; ``tv`` maps to video's limited range."""
        planes = []
        for plane, shift in ((0, 0.0), (1, -120 * self.warm), (2, 120 * self.warm)):
            table = []
            for v in range(256):
                if plane == 0:
                    level = ((v / 255 - 0.5) * self.contrast + 0.5) * 255 * self.bright
                else:
                    level = 128 + (v - 128) * self.sat + shift
                level = min(255.0, max(0.0, level))
                if tv:
                    level = 16 + level * (219 if plane == 0 else 224) / 255
                table.append(round(level))
            planes.append(table)
        return planes[0], planes[1], planes[2]


def _make_look(rng: random.Random, gain: float, wide: bool) -> _Look:
    sat, bright = rng.uniform(0.75, 1.35), rng.uniform(0.9, 1.1) * gain
    contrast, warm = rng.uniform(0.85, 1.2), rng.uniform(-0.08, 0.08)
    dark = tuple(rng.randint(0, 70) for _ in range(3))
    light = tuple(rng.randint(190, 255) for _ in range(3))
    return _Look(sat, bright, contrast, warm, (dark, light), wide or rng.random() < 0.4)


_IDENTITY = _Look(1.0, 1.0, 1.0, 0.0, ((0, 0, 0), (255, 255, 255)), False)


def _to_rgb(img: Image.Image, look: _Look) -> Image.Image:
    """Sample images come as RGB, grey (L) or a cut-out (RGBA): make each a colour picture."""
    if img.mode in ("RGBA", "LA", "P"):
        rgba = img.convert("RGBA")
        gradient = Image.linear_gradient("L").resize(rgba.size)
        base = ImageOps.colorize(gradient, look.duo[0], look.duo[1])  # type: ignore[arg-type]
        base.paste(rgba, mask=rgba.getchannel("A"))
        return base
    if img.mode != "RGB":
        return ImageOps.colorize(img.convert("L"), look.duo[0], look.duo[1])  # type: ignore[arg-type]
    return img


def _planes(img: Image.Image) -> Planes:
    y, cb, cr = img.convert("YCbCr").split()
    return y, cb, cr


def _graded(planes: Planes, luts: tuple[list[int], ...]) -> Planes:
    y, cb, cr = (plane.point(table) for plane, table in zip(planes, luts, strict=True))
    return y, cb, cr


def _fit_background(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    small = ImageOps.fit(img, (size[0] // 8, size[1] // 8), BILINEAR)
    return small.filter(ImageFilter.GaussianBlur(3)).resize(size, BILINEAR)


def _fit(img: Image.Image, background: Image.Image) -> Image.Image:
    """Whole picture across the width, centred over a blurred copy (the vertical-video look)."""
    stage = background.copy()
    width = stage.width
    height = max(1, round(img.height * width / img.width))
    if height > stage.height:
        height, width = stage.height, max(1, round(img.width * stage.height / img.height))
    stage.paste(
        img.resize((width, height), BILINEAR),
        ((stage.width - width) // 2, (stage.height - height) // 2),
    )
    return stage


def _plane_stamp(stamp: Stamp, tv: bool) -> PlaneStamp:
    """An RGB overlay as Y/Cb/Cr patches with masks; for video (``tv``) limited range and
    chroma at half size, as yuv420p frames carry it."""
    rgb, alpha, (x, y) = stamp
    luma, cb, cr = _graded(_planes(rgb), _IDENTITY.luts(tv))
    if not tv:
        return (luma, cb, cr), (alpha, alpha), ((x, y), (x, y))
    half = (max(1, rgb.width // 2), max(1, rgb.height // 2))
    cb, cr, chroma_alpha = (p.resize(half, Image.Resampling.BOX) for p in (cb, cr, alpha))
    return (luma, cb, cr), (alpha, chroma_alpha), ((x, y), (x // 2, y // 2))


def _stamp(frame: Planes, stamps: list[PlaneStamp]) -> Planes:
    for patches, (luma_mask, chroma_mask), (luma_xy, chroma_xy) in stamps:
        frame[0].paste(patches[0], luma_xy, luma_mask)
        frame[1].paste(patches[1], chroma_xy, chroma_mask)
        frame[2].paste(patches[2], chroma_xy, chroma_mask)
    return frame


# --- frames -----------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _video_planes(path: str, max_height: int) -> tuple[tuple[Planes, ...], float]:
    """A sample video's frames as full-range Y/Cb/Cr planes (chroma at half size), downscaled;
    cached because many clips cut the same few sources."""
    with av.open(path) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate or 25)
        scale = min(1.0, max_height / stream.height)
        size = (round(stream.width * scale / 2) * 2, round(stream.height * scale / 2) * 2)
        frames = []
        for frame in container.decode(stream):
            yuv = frame.reformat(width=size[0], height=size[1], format="yuvj420p")
            planes = []
            for index, plane in enumerate(yuv.planes):
                w, h = (size[0], size[1]) if index == 0 else (size[0] // 2, size[1] // 2)
                rows = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:h, :w]
                planes.append(Image.fromarray(np.ascontiguousarray(rows)))
            frames.append((planes[0], planes[1], planes[2]))
    return tuple(frames), fps


def _box(stage: tuple[int, int], out: tuple[int, int], zoom: float, cx: float, cy: float):
    """A crop box of the output's aspect, ``1/zoom`` of the largest one, centred at (cx, cy)."""
    sw, sh = stage
    box_h = min(sh, sw * out[1] / out[0]) / zoom
    box_w = box_h * out[0] / out[1]
    left = (sw - box_w) * cx
    top = (sh - box_h) * cy
    return (left, top, left + box_w, top + box_h)


def _cut(stage: Planes, box: tuple[float, ...], sizes: tuple[tuple[int, int], ...]) -> Planes:
    """Crop ``box`` (in luma coordinates) out of every plane, whatever its resolution."""
    base_w, base_h = stage[0].size
    out = []
    for plane, size in zip(stage, sizes, strict=True):
        sx, sy = plane.width / base_w, plane.height / base_h
        scaled = (
            max(0.0, box[0] * sx),
            max(0.0, box[1] * sy),
            min(float(plane.width), box[2] * sx),
            min(float(plane.height), box[3] * sy),
        )
        out.append(plane.resize(size, BILINEAR, box=scaled))
    return out[0], out[1], out[2]


def _frames(job: RenderJob, rng: random.Random, count: int, tv: bool) -> Iterator[Planes]:
    """Yield ``count`` graded frames (without overlays) as planes; chroma halved when ``tv``."""
    width, height = job.size
    chroma = (width // 2, height // 2) if tv else (width, height)
    sizes = ((width, height), chroma, chroma)
    is_video = job.source.endswith(".mp4")
    z0, z1 = rng.uniform(1.0, 1.25), rng.uniform(1.05, 1.45)
    x0, x1, y0, y1 = (rng.random() for _ in range(4))
    if is_video:
        frames, src_fps = _video_planes(job.source, 540)
        first = frames[0][0]
    else:
        first = Image.open(job.source)
        first.load()
    look = _make_look(rng, job.gain, wide=first.width > 1.9 * first.height)
    luts = look.luts(tv)
    if is_video:  # footage moves already: zoom half as much as over a still
        z0, z1 = 1.0 + (z0 - 1.0) / 2, 1.0 + (z1 - 1.0) / 2
    z0, z1 = z0 + job.zoom_extra, z1 + job.zoom_extra
    stage_size = (round(width * 1.25), round(height * 1.25))
    if is_video:
        backs = None
        if look.fit:
            half = (stage_size[0] // 2, stage_size[1] // 2)
            backs = [_fit_background(p, stage_size if n == 0 else half)
                     for n, p in enumerate(frames[0])]  # fmt: skip
        span = len(frames) / src_fps
        start, speed = rng.uniform(0, span * 0.6), rng.uniform(0.6, 1.0)
        for i in range(count):
            u = (start + speed * i / job.fps) % (2 * span)
            u = 2 * span - u if u > span else u
            stage = frames[min(int(u * src_fps), len(frames) - 1)]
            if backs:
                stage = (
                    _fit(stage[0], backs[0]),
                    _fit(stage[1], backs[1]),
                    _fit(stage[2], backs[2]),
                )
            t = i / max(1, count - 1)
            box = _box(stage[0].size, job.size, z0 + (z1 - z0) * t, x0 + (x1 - x0) * t, 0.5)
            yield _graded(_cut(stage, box, sizes), luts)
        return
    still = _to_rgb(first, look)
    if look.fit:
        still = _fit(still, _fit_background(still, stage_size))
    else:  # pre-shrink big sources so each frame's resize stays cheap
        scale = 1.5 * height / min(still.height, still.width * height / width)
        if scale < 1:
            still = still.resize(
                (round(still.width * scale), round(still.height * scale)), BILINEAR
            )
    y, cb, cr = _graded(_planes(still), luts)
    if tv:  # chroma planes at half size: each frame's chroma resize reads a quarter of the pixels
        half = (max(1, y.width // 2), max(1, y.height // 2))
        cb, cr = cb.resize(half, Image.Resampling.BOX), cr.resize(half, Image.Resampling.BOX)
    for i in range(count):
        t = i / max(1, count - 1)
        e = t * t * (3 - 2 * t)  # ease in and out
        zoom = z0 + (z1 - z0) * e
        box = _box(y.size, job.size, zoom, x0 + (x1 - x0) * e, y0 + (y1 - y0) * e)
        yield _cut((y, cb, cr), box, sizes)


# --- audio and muxing ---------------------------------------------------------------------------


def synthesize(text: str, voice: str) -> tuple[np.ndarray, int] | None:
    """Mono int16 speech from espeak-ng, or None (logged) when it is missing or fails."""
    if not espeak_available():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        try:
            subprocess.run(
                ["espeak-ng", "-v", voice, "-s", "150", "-w", str(wav), text],
                check=True, capture_output=True, timeout=60,
            )  # fmt: skip
            with wave.open(str(wav)) as reader:
                rate, channels = reader.getframerate(), reader.getnchannels()
                samples = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
        except (OSError, subprocess.SubprocessError, wave.Error) as exc:
            log.warning("espeak-ng failed for voice %s (%s); clip stays silent", voice, exc)
            return None
    if channels > 1:
        samples = samples.reshape(-1, channels)[:, 0]
    return (samples.copy(), rate) if samples.size else None


def _audio_frames(samples: np.ndarray, rate: int, chunk: int = 1024) -> Iterator[av.AudioFrame]:
    for start in range(0, len(samples), chunk):
        frame = av.AudioFrame.from_ndarray(
            samples[None, start : start + chunk], format="s16", layout="mono"
        )
        frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
        yield frame


def _yuv420p(planes: Planes) -> av.VideoFrame:
    """Planes stacked as PyAV's (height * 3/2, width) yuv420p array; needs height % 4 == 0."""
    width = planes[0].width
    stacked = np.concatenate([np.asarray(p).reshape(-1, width) for p in planes])
    return av.VideoFrame.from_ndarray(stacked, format="yuv420p")


def render(job: RenderJob) -> dict[str, Any]:
    """Render ``job`` to ``job.out``; returns what the manifest needs to know about the file."""
    rng = random.Random(job.seed)
    width, height = job.size
    tv = not job.is_still
    text_px = max(14, width // 12)
    texts = [
        text_stamp(t, job.size, random.Random(f"{job.seed}:{t}"), text_px) for t in job.overlays
    ]
    marks = [watermark_stamp(job.watermark, job.size)] if job.watermark else []
    texts = [_plane_stamp(s, tv) for s in texts]
    marks = [_plane_stamp(s, tv) for s in marks]
    Path(job.out).parent.mkdir(parents=True, exist_ok=True)
    if job.is_still:
        planes = _stamp(next(_frames(job, rng, 1, tv=False)), texts[:1] + marks)
        image = Image.merge("YCbCr", planes).convert("RGB")
        image.save(job.out, **({"quality": 88} if job.out.endswith((".jpg", ".jpeg")) else {}))
        return {"width": width, "height": height, "duration_s": None, "has_audio": False}
    speech = synthesize(*job.speech) if job.speech else None
    duration = job.duration
    if speech is not None:
        samples, rate = speech
        duration = min(15.0, max(duration, len(samples) / rate + 0.6))
        speech = (samples[: int(rate * (duration - 0.2))], rate)
    count = round(duration * job.fps)
    with av.open(job.out, "w", format="mp4", options={"movflags": "+faststart"}) as out:
        video = out.add_stream(
            "libx264", rate=job.fps, options={"preset": "veryfast", "crf": str(job.crf)}
        )
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.codec_context.thread_count = 1
        audio = None
        if speech:
            audio = out.add_stream(
                "aac", rate=speech[1], layout="mono", options={"aac_coder": "fast"}
            )
        pending = list(_audio_frames(*speech)) if speech else []
        for i, frame in enumerate(_frames(job, rng, count, tv=True)):
            shown = [texts[min(i * len(texts) // count, len(texts) - 1)]] if texts else []
            vf = _yuv420p(_stamp(frame, shown + marks))
            vf.pts, vf.time_base = i, Fraction(1, job.fps)
            out.mux(video.encode(vf))
            while audio and pending and pending[0].pts / pending[0].sample_rate <= i / job.fps:
                out.mux(audio.encode(pending.pop(0)))
        out.mux(video.encode())
        if audio:
            for af in pending:
                out.mux(audio.encode(af))
            out.mux(audio.encode())
    return {
        "width": width,
        "height": height,
        "duration_s": round(count / job.fps, 3),
        "has_audio": speech is not None,
    }
