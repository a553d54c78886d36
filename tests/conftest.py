"""Shared fixtures: real media made on the fly, an open platform, API clients with roles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from reelstack.api.app import create_app
from reelstack.api.auth import create_key
from reelstack.config import Settings
from reelstack.runtime.platform import Platform
from reelstack.testing.media import make_image, make_png_bomb, make_video, truncate
from reelstack.testing.network import network_blocked


@pytest.fixture(scope="session", autouse=True)
def _no_network() -> Iterator[None]:
    """Every test runs with non-loopback networking blocked at the socket level."""
    with network_blocked():
        yield


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Good and bad media, made once per test session."""
    d = tmp_path_factory.mktemp("media")
    make_video(d / "clip.mp4", seconds=3, seed=1)
    make_video(d / "other.mp4", seconds=2, seed=2)
    make_video(d / "faststart.mp4", seconds=4, faststart=True, seed=3)
    make_image(d / "photo.jpg", seed=4)
    make_image(d / "photo.png", seed=5)
    truncate(d / "clip.mp4", d / "truncated.mp4")
    truncate(d / "faststart.mp4", d / "truncated-faststart.mp4", keep=0.6)
    (d / "corrupt.mp4").write_bytes((d / "clip.mp4").read_bytes()[:64] + bytes(range(256)) * 40)
    (d / "notes.mp4").write_text("this is a text file with a video extension\n")
    (d / "empty.mp4").write_bytes(b"")
    make_png_bomb(d / "bomb.png")
    return d


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    with Platform.open(settings) as opened:
        yield opened


@pytest.fixture
def keys(platform: Platform) -> dict[str, str]:
    """One secret per role."""
    return {
        role: create_key(platform.store, f"test-{role}", role)[1]
        for role in ("client", "reviewer", "admin")
    }


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    """An API client on a platform that requires keys (no open access)."""
    with TestClient(create_app(platform=platform)) as test_client:
        yield test_client
