"""What a file really is, from its first bytes (extensions are never trusted)."""

from __future__ import annotations

from typing import Literal

Container = Literal["video", "image"]

_IMAGE_MAGIC = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
_MP4_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip")


def sniff(head: bytes) -> tuple[Container, str] | None:
    """(container kind, format) for the media we accept, or None."""
    for magic, fmt in _IMAGE_MAGIC:
        if head.startswith(magic):
            return "image", fmt
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image", "webp"
    if head[4:8] in _MP4_BOXES:
        return "video", "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video", "matroska"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video", "avi"
    if len(head) > 188 and head[0] == 0x47 and head[188] == 0x47:
        return "video", "mpegts"
    return None


def describe_unknown(head: bytes) -> str:
    """A human explanation of why ``head`` is not media."""
    if not head:
        return "file is empty"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "not a supported image or video (unrecognised binary content)"
    return "file contains text, not an image or video (the file name's extension is ignored)"
