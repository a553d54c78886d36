"""Tiny real media files for tests, made with PyAV and Pillow (no fixtures checked in)."""

from __future__ import annotations

import struct
import zlib
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image


def make_video(
    path: Path,
    seconds: float = 2.0,
    size: tuple[int, int] = (64, 112),
    fps: int = 10,
    faststart: bool = False,
    seed: int = 0,
) -> Path:
    """An H.264 mp4 of moving colour bars; ``seed`` changes the pixels (and so the hash)."""
    import av

    width, height = size
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", format="mp4", options=options) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, fps)
        stream.options = {"preset": "ultrafast", "g": str(fps)}
        rng = np.random.default_rng(seed)
        base = rng.integers(0, 255, size=(height, width, 3), dtype=np.uint8)
        for index in range(int(seconds * fps)):
            frame_data = np.roll(base, index * 3, axis=1)
            frame = av.VideoFrame.from_ndarray(frame_data, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def make_image(path: Path, size: tuple[int, int] = (90, 160), seed: int = 0) -> Path:
    """A JPEG or PNG (by suffix) of random colours."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, size=(size[1], size[0], 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path


def make_png_bomb(path: Path, width: int = 100_000, height: int = 100_000) -> Path:
    """A few-hundred-byte PNG that declares a gigantic canvas (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    data = zlib.compress(b"\x00" * 64)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data)
    path.write_bytes(png + chunk(b"IEND", b""))
    return path


def truncate(source: Path, target: Path, keep: float = 0.5) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * keep)])
    return target


def transcode(source: Path, target: Path, scale: float = 0.75, gain: float = 1.0) -> Path:
    """A re-encoded, resized (and optionally brightened) copy, as a re-upload would be."""
    import av

    with av.open(str(source)) as src, av.open(str(target), "w", format="mp4") as out:
        video = src.streams.video[0]
        rate = video.average_rate or 12
        width = int(video.codec_context.width * scale) // 2 * 2
        height = int(video.codec_context.height * scale) // 2 * 2
        stream = out.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "32"}
        for frame in src.decode(video=0):
            pixels = frame.to_ndarray(format="rgb24").astype(np.float32) * gain
            image = Image.fromarray(pixels.clip(0, 255).astype(np.uint8)).resize((width, height))
            out.mux(stream.encode(av.VideoFrame.from_image(image)))
        out.mux(stream.encode())
    return target
