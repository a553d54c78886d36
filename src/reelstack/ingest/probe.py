"""Probe media by decoding it (PyAV for video, Pillow for images) within configured limits.

A file is accepted only if its real content decodes: the first and a late video frame, or the
whole image after its dimensions passed the image-bomb guard.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reelstack.config import IngestSettings
from reelstack.core.errors import MediaError
from reelstack.ingest.sniff import Container, describe_unknown, sniff


@dataclass(slots=True)
class ProbeResult:
    kind: Container
    format: str
    width: int
    height: int
    duration_s: float | None = None
    fps: float | None = None
    has_audio: bool = False
    details: dict[str, Any] = field(default_factory=dict)


def probe_media(path: Path, limits: IngestSettings) -> ProbeResult:
    """Validate ``path`` as media; raises ``MediaError`` with the reason otherwise."""
    with Path(path).open("rb") as handle:
        head = handle.read(512)
    found = sniff(head)
    if found is None:
        raise MediaError(describe_unknown(head))
    kind, fmt = found
    if kind == "image":
        return _probe_image(path, fmt, limits)
    return _probe_video(path, limits)


def _probe_image(path: Path, fmt: str, limits: IngestSettings) -> ProbeResult:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                width, height = img.size
                _check_pixels(width, height, limits.max_image_pixels, "image")
                img.load()
                mode = img.mode
    except MediaError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaError(f"image dimensions are too large ({exc})") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise MediaError(f"corrupt or truncated {fmt} image: {exc}") from exc
    return ProbeResult("image", fmt, width, height, details={"mode": mode})


def _check_pixels(width: int, height: int, limit: int, what: str) -> None:
    if width <= 0 or height <= 0:
        raise MediaError(f"{what} has no pixels ({width}x{height})")
    if width * height > limit:
        raise MediaError(
            f"{what} is {width}x{height} = {width * height:,} pixels, above the "
            f"{limit:,}-pixel limit (possible decompression bomb)"
        )


def _probe_video(path: Path, limits: IngestSettings) -> ProbeResult:
    import av

    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            return _inspect_container(container, limits)
    except MediaError:
        raise
    except (av.FFmpegError, OSError, ValueError, IndexError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise MediaError(f"corrupt or truncated video: {reason}") from exc


def _inspect_container(container: Any, limits: IngestSettings) -> ProbeResult:
    if not container.streams.video:
        raise MediaError("file has no video stream")
    stream = container.streams.video[0]
    width, height = stream.codec_context.width, stream.codec_context.height
    _check_pixels(width, height, limits.max_video_pixels, "video frame")
    duration = _duration_seconds(container, stream)
    if duration is not None and duration > limits.max_video_seconds:
        raise MediaError(
            f"video is {duration:.0f} s long, above the {limits.max_video_seconds:.0f} s limit"
        )
    _decode_one(container, stream, at_seconds=0.0)
    if duration and duration > 1.0:
        _decode_one(container, stream, at_seconds=duration * 0.9)
    rate = stream.average_rate or stream.guessed_rate
    return ProbeResult(
        "video",
        container.format.name.split(",")[0],
        width,
        height,
        duration_s=duration,
        fps=float(rate) if rate else None,
        has_audio=bool(container.streams.audio),
        details={"codec": stream.codec_context.name, "bit_rate": container.bit_rate},
    )


def _duration_seconds(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    return None


def _decode_one(container: Any, stream: Any, at_seconds: float) -> None:
    """Decode one frame at ``at_seconds``: a truncated file fails here, not later on."""
    if at_seconds > 0:
        container.seek(int(at_seconds / stream.time_base), stream=stream, backward=True)
    for _ in container.decode(stream):
        return
    where = "start" if at_seconds == 0 else f"{at_seconds:.1f} s"
    raise MediaError(f"no decodable video frame at {where} (truncated or corrupt file)")
