"""Media is validated by decoding it; every bad file gets a clear reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelstack.config import IngestSettings
from reelstack.core.errors import MediaError
from reelstack.ingest.probe import probe_media
from reelstack.testing.media import make_image

LIMITS = IngestSettings()


def test_video_is_probed_for_real(media_dir: Path) -> None:
    probe = probe_media(media_dir / "clip.mp4", LIMITS)
    assert (probe.kind, probe.width, probe.height) == ("video", 64, 112)
    assert probe.duration_s == pytest.approx(3.0, abs=0.2)
    assert probe.fps == pytest.approx(10.0)
    assert probe.details["codec"] == "h264"


@pytest.mark.parametrize("name", ["photo.jpg", "photo.png"])
def test_images_are_probed(media_dir: Path, name: str) -> None:
    probe = probe_media(media_dir / name, LIMITS)
    assert (probe.kind, probe.width, probe.height) == ("image", 90, 160)


def test_content_decides_not_extension(media_dir: Path, tmp_path: Path) -> None:
    disguised = tmp_path / "holiday.txt"
    disguised.write_bytes((media_dir / "clip.mp4").read_bytes())
    assert probe_media(disguised, LIMITS).kind == "video"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("truncated.mp4", "corrupt or truncated video"),
        ("truncated-faststart.mp4", "truncated or corrupt"),
        ("corrupt.mp4", "corrupt or truncated video"),
        ("notes.mp4", "file contains text"),
        ("empty.mp4", "file is empty"),
        ("bomb.png", "too large"),
    ],
)
def test_bad_media_is_rejected_with_reason(media_dir: Path, name: str, reason: str) -> None:
    with pytest.raises(MediaError, match=reason):
        probe_media(media_dir / name, LIMITS)


def test_image_pixel_limit_is_configurable(tmp_path: Path) -> None:
    image = make_image(tmp_path / "big.png", size=(400, 300))
    with pytest.raises(MediaError, match="above the 100,000-pixel limit"):
        probe_media(image, IngestSettings(max_image_pixels=100_000))


def test_video_limits(media_dir: Path) -> None:
    with pytest.raises(MediaError, match="above the 2 s limit"):
        probe_media(media_dir / "clip.mp4", IngestSettings(max_video_seconds=2))
    with pytest.raises(MediaError, match="pixel limit"):
        probe_media(media_dir / "clip.mp4", IngestSettings(max_video_pixels=1000))
