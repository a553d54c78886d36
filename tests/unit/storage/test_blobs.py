"""Blobs are content-addressed, written atomically and cleaned up after crashes."""

from __future__ import annotations

import hashlib
import io
import os
import time
from pathlib import Path

import pytest

from reelstack.core.errors import PayloadTooLarge
from reelstack.storage.blobs import FileBlobStore, sha256_file


def test_put_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    blobs = FileBlobStore(tmp_path)
    data = b"hello blobs" * 1000
    sha, size = blobs.put_stream(io.BytesIO(data))
    assert (sha, size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert blobs.path(sha).read_bytes() == data
    assert blobs.put_stream(io.BytesIO(data)) == (sha, size)
    assert sha256_file(blobs.path(sha)) == sha
    assert list((tmp_path / "tmp").iterdir()) == []


def test_too_large_leaves_nothing(tmp_path: Path) -> None:
    blobs = FileBlobStore(tmp_path)
    with pytest.raises(PayloadTooLarge, match="1 MB limit"):
        blobs.put_stream(io.BytesIO(b"x" * (1024 * 1024 + 1)), max_bytes=1024 * 1024)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_only_old_temp_files_are_removed(tmp_path: Path) -> None:
    blobs = FileBlobStore(tmp_path)
    old, fresh = tmp_path / "tmp" / "upload-old", tmp_path / "tmp" / "upload-fresh"
    old.write_bytes(b"partial")
    fresh.write_bytes(b"in flight")
    long_ago = time.time() - 7200
    os.utime(old, (long_ago, long_ago))
    assert blobs.remove_orphan_temp_files() == 1
    assert not old.exists() and fresh.exists()
