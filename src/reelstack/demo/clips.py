"""Render one demo post's media: a vertical H.264 clip or a still, with burned-in text.

Clips are Ken Burns pans over a sample image or re-cut segments of a sample video, with a colour
grade, an on-screen caption, a creator watermark and, optionally, espeak-ng speech as AAC. All
randomness comes from ``RenderJob.seed``, so a job renders the same pixels in any worker, and a
re-upload is the same job with a small crop, brightness or size change (near-duplicate on purpose).
Speed matters (hundreds of clips on two cores): overlays are rendered once per clip, each frame is
one Pillow resize plus a LUT, and x264 runs single-threaded because workers already use the cores.
"""

from __future__ import annotations

import logging
import random
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from reelstack.demo.assets import load_font, script_of

log = logging.getLogger(__name__)

BILINEAR = Image.Resampling.BILINEAR
Stamp = tuple[Image.Image, Image.Image, tuple[int, int]]  # rgb, alpha mask, position


@dataclass(frozen=True, slots=True)
class RenderJob:
    """Everything a worker needs to render one media file (picklable, no open handles)."""

    out: str
    source: str
    size: tuple[int, int] = (288, 512)
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
    lut: list[int]
    matrix: tuple[float, ...]
    fit: bool  # letterbox over a blurred copy instead of cropping to 9:16
    duo: tuple[tuple[int, int, int], tuple[int, int, int]]  # grey sources get a duotone


def _make_look(rng: random.Random, gain: float, wide: bool) -> _Look:
    sat, bright = rng.uniform(0.75, 1.35), rng.uniform(0.9, 1.1) * gain
    contrast, warm = rng.uniform(0.85, 1.2), rng.uniform(-0.08, 0.08)
    lut: list[int] = []
    for channel_gain in (1 + warm, 1.0, 1 - warm):
        for v in range(256):
            level = ((v / 255 - 0.5) * contrast + 0.5) * 255 * bright * channel_gain
            lut.append(int(min(255.0, max(0.0, level))))
    lum = (0.299, 0.587, 0.114)
    matrix = tuple(
        (1 - sat) * lum[col] + (sat if col == row else 0.0) if col < 3 else 0.0
        for row in range(3)
        for col in range(4)
    )
    dark = tuple(rng.randint(0, 70) for _ in range(3))
    light = tuple(rng.randint(190, 255) for _ in range(3))
    fit = wide or rng.random() < 0.4
    return _Look(lut, matrix, fit, (dark, light))  # type: ignore[arg-type]


def _grade(img: Image.Image, look: _Look) -> Image.Image:
    return img.convert("RGB", look.matrix).point(look.lut)


def _to_rgb(img: Image.Image, look: _Look) -> Image.Image:
    """Sample images come as RGB, grey (L) or a cut-out (RGBA): make each a colour picture."""
    if img.mode in ("RGBA", "LA", "P"):
        rgba = img.convert("RGBA")
        base = ImageOps.colorize(
            Image.linear_gradient("L").resize(rgba.size), look.duo[0], look.duo[1]
        )
        base.paste(rgba, mask=rgba.getchannel("A"))
        return base
    if img.mode != "RGB":
        return ImageOps.colorize(img.convert("L"), look.duo[0], look.duo[1])
    return img


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


# --- text ---------------------------------------------------------------------------------------


def _runs(text: str) -> list[tuple[str, str]]:
    """Split text into (script, chunk) runs so each chunk is drawn with a font that has it."""
    runs: list[tuple[str, str]] = []
    for char in text:
        script = script_of(char) or (runs[-1][0] if runs else "latin")
        if runs and runs[-1][0] == script:
            runs[-1] = (script, runs[-1][1] + char)
        else:
            runs.append((script, char))
    return runs


def _width(text: str, px: int) -> float:
    return sum(load_font(script, px).getlength(chunk) for script, chunk in _runs(text))


def _wrap(text: str, px: int, max_width: float) -> list[str]:
    """Greedy wrap; CJK breaks between any characters, other scripts at spaces."""
    units: list[str] = []
    for word in text.split(" "):
        pieces = list(word) if word and all(script_of(c) == "cjk" for c in word) else [word]
        units.extend(pieces)
        units[-1] += " "
    lines: list[str] = []
    for unit in units:
        if lines and _width(lines[-1] + unit.rstrip(), px) <= max_width:
            lines[-1] += unit
        else:
            lines.append(unit)
    return [line.strip() for line in lines if line.strip()]


def text_stamp(text: str, size: tuple[int, int], rng: random.Random, px: int) -> Stamp:
    """Render caption-style text once into an RGBA patch placed on every frame."""
    width, height = size
    lines = _wrap(text, px, width * 0.84)[:4]
    line_h = round(px * 1.45)
    pad = px // 2
    box_w = round(max(_width(line, px) for line in lines)) + 2 * pad
    box_h = line_h * len(lines) + pad
    patch = Image.new("RGBA", (box_w, box_h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(patch)
    style = rng.choice(("outline", "label", "shade"))
    fill, stroke = (255, 255, 255, 255), (0, 0, 0, 255)
    if style == "label":
        draw.rounded_rectangle((0, 0, box_w - 1, box_h - 1), radius=pad, fill=(255, 255, 255, 235))
        fill, stroke = (15, 15, 15, 255), (255, 255, 255, 255)
    elif style == "shade":
        draw.rounded_rectangle((0, 0, box_w - 1, box_h - 1), radius=pad, fill=(0, 0, 0, 150))
    for i, line in enumerate(lines):
        x = (box_w - _width(line, px)) / 2
        baseline = pad // 2 + i * line_h + round(px * 1.1)
        for script, chunk in _runs(line):
            font = load_font(script, px)
            draw.text(
                (x, baseline), chunk, font=font, fill=fill, anchor="ls",
                stroke_width=max(1, px // 12), stroke_fill=stroke,
            )  # fmt: skip
            x += font.getlength(chunk)
    y = round(height * rng.choice((0.12, 0.42, 0.66)))
    box_w, box_h = min(box_w, width), min(box_h, height - y)
    patch = patch.crop((0, 0, box_w, box_h))
    return patch.convert("RGB"), patch.getchannel("A"), ((width - box_w) // 2, y)


def _watermark(handle: str, size: tuple[int, int]) -> Stamp:
    px = max(11, size[0] // 22)
    font = load_font("latin", px)
    patch = Image.new("RGBA", (round(font.getlength(handle)) + 8, px + 8), (0, 0, 0, 0))
    ImageDraw.Draw(patch).text(
        (4, 2), handle, font=font, fill=(255, 255, 255, 200), stroke_width=1,
        stroke_fill=(0, 0, 0, 160),
    )  # fmt: skip
    return patch.convert("RGB"), patch.getchannel("A"), (8, size[1] - patch.height - 10)


def _stamp(frame: Image.Image, stamps: list[Stamp]) -> Image.Image:
    for rgb, alpha, xy in stamps:
        frame.paste(rgb, xy, alpha)
    return frame


# --- frames -----------------------------------------------------------------------------------


@lru_cache(maxsize=3)
def _video_frames(path: str, max_height: int) -> tuple[tuple[Image.Image, ...], float]:
    """Decoded (and downscaled) frames of a sample video; cached because clips reuse sources."""
    with av.open(path) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate or 25)
        frames = []
        for frame in container.decode(stream):
            img = frame.to_image()
            if img.height > max_height:
                img = img.resize((round(img.width * max_height / img.height), max_height), BILINEAR)
            frames.append(img)
    return tuple(frames), fps


def _box(stage: tuple[int, int], out: tuple[int, int], zoom: float, cx: float, cy: float):
    """A crop box of the output's aspect, ``1/zoom`` of the largest one, centred at (cx, cy)."""
    sw, sh = stage
    box_h = min(sh, sw * out[1] / out[0]) / zoom
    box_w = box_h * out[0] / out[1]
    left = (sw - box_w) * cx
    top = (sh - box_h) * cy
    return (left, top, left + box_w, top + box_h)


def _frames(job: RenderJob, rng: random.Random, count: int):
    """Yield ``count`` graded frames (without overlays) for a still or a video source."""
    out_size = job.size
    is_video = job.source.endswith(".mp4")
    z0, z1 = rng.uniform(1.0, 1.25), rng.uniform(1.05, 1.45)
    x0, x1, y0, y1 = (rng.random() for _ in range(4))
    if is_video:
        frames, src_fps = _video_frames(job.source, 540)
        first = frames[0]
    else:
        first = Image.open(job.source)
        first.load()
    look = _make_look(rng, job.gain, wide=first.width > 1.9 * first.height)
    if is_video:  # footage moves already: zoom half as much as over a still
        z0, z1 = 1.0 + (z0 - 1.0) / 2, 1.0 + (z1 - 1.0) / 2
    z0, z1 = z0 + job.zoom_extra, z1 + job.zoom_extra
    stage_size = (round(out_size[0] * 1.25), round(out_size[1] * 1.25))
    if is_video:
        background = _fit_background(_grade(first, look), stage_size) if look.fit else None
        span = len(frames) / src_fps
        start, speed = rng.uniform(0, span * 0.6), rng.uniform(0.6, 1.0)
        for i in range(count):
            u = (start + speed * i / job.fps) % (2 * span)
            u = 2 * span - u if u > span else u
            src = frames[min(int(u * src_fps), len(frames) - 1)]
            stage = _fit(src, background) if background else src
            t = i / max(1, count - 1)
            box = _box(stage.size, out_size, z0 + (z1 - z0) * t, x0 + (x1 - x0) * t, 0.5)
            yield _grade(stage.resize(out_size, BILINEAR, box=box), look)
        return
    still = _grade(_to_rgb(first, look), look)
    if look.fit:
        still = _fit(still, _fit_background(still, stage_size))
    else:  # pre-shrink big sources so each frame's resize stays cheap
        scale = 1.5 * out_size[1] / min(still.height, still.width * out_size[1] / out_size[0])
        if scale < 1:
            still = still.resize(
                (round(still.width * scale), round(still.height * scale)), BILINEAR
            )
    for i in range(count):
        t = i / max(1, count - 1)
        e = t * t * (3 - 2 * t)  # ease in and out
        box = _box(still.size, out_size, z0 + (z1 - z0) * e, x0 + (x1 - x0) * e, y0 + (y1 - y0) * e)
        yield still.resize(out_size, BILINEAR, box=box)


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


def _audio_frames(samples: np.ndarray, rate: int, chunk: int = 1024):
    for start in range(0, len(samples), chunk):
        frame = av.AudioFrame.from_ndarray(
            samples[None, start : start + chunk], format="s16", layout="mono"
        )
        frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
        yield frame


def render(job: RenderJob) -> dict[str, Any]:
    """Render ``job`` to ``job.out``; returns what the manifest needs to know about the file."""
    rng = random.Random(job.seed)
    width, height = job.size
    text_px = max(14, width // 12)
    texts = [
        text_stamp(t, job.size, random.Random(f"{job.seed}:{t}"), text_px) for t in job.overlays
    ]
    marks = [_watermark(job.watermark, job.size)] if job.watermark else []
    Path(job.out).parent.mkdir(parents=True, exist_ok=True)
    if job.is_still:
        frame = _stamp(next(_frames(job, rng, 1)), texts[:1] + marks)
        frame.save(job.out, **({"quality": 88} if job.out.endswith((".jpg", ".jpeg")) else {}))
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
        audio = out.add_stream("aac", rate=speech[1], layout="mono") if speech else None
        pending = list(_audio_frames(*speech)) if speech else []
        for i, frame in enumerate(_frames(job, rng, count)):
            stamps = (texts[min(i * len(texts) // count, len(texts) - 1)],) if texts else ()
            vf = av.VideoFrame.from_image(_stamp(frame, [*stamps, *marks]))
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
