"""Every installed model loads with the network cut off at the socket level."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from reelstack.models import ModelRegistry
from reelstack.models.specs import DEFAULT_SPECS


def _refuse(*args: object, **kwargs: object) -> None:
    raise OSError("network access attempted while loading a model")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse)
    monkeypatch.setattr(socket, "create_connection", _refuse)
    monkeypatch.setattr(socket, "getaddrinfo", _refuse)


def test_the_block_works(no_network: None) -> None:
    with pytest.raises(OSError, match="network access"):
        socket.create_connection(("127.0.0.1", 9), timeout=1)
    with pytest.raises(OSError, match="network access"):
        socket.getaddrinfo("pypi.org", 443)


@pytest.mark.parametrize("name", sorted(spec.name for spec in DEFAULT_SPECS))
def test_installed_model_loads_offline(no_network: None, tmp_path: Path, name: str) -> None:
    registry = ModelRegistry(cache_dir=tmp_path, num_threads=1)
    info = registry.info(name)
    if not info.available:
        pytest.skip(info.reason)
    assert registry.load(name) is not None
    if name == "langid":
        assert registry.load(name).classify("สวัสดีครับ")[0] == "th"
    if name == "text-multilingual-e5":
        assert registry.load(name).embed(["สวัสดีครับ"], kind="query").shape == (1, 384)
