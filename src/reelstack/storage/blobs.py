"""Content-addressed media blobs on disk: ``<root>/ab/cd/<sha256>``.

Writes go to a temporary file in the same directory tree, are fsynced, then renamed into place,
so a crash never leaves a partial blob under its final name.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from pathlib import Path
from typing import BinaryIO, Protocol

from reelstack.core.errors import NotFound, PayloadTooLarge

_CHUNK = 1024 * 1024


class BlobStore(Protocol):
    def put_stream(self, stream: BinaryIO, max_bytes: int | None = None) -> tuple[str, int]:
        """Store the stream's bytes; returns (sha256, size). Idempotent by content."""
        ...

    def path(self, sha256: str) -> Path: ...

    def exists(self, sha256: str) -> bool: ...


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class FileBlobStore:
    """``BlobStore`` on the local file system (the embedded default)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._tmp = self.root / "tmp"
        self._tmp.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self.path(sha256).open("rb")
        except FileNotFoundError as exc:
            raise NotFound(f"no blob {sha256}") from exc

    def put_file(self, source: Path, max_bytes: int | None = None) -> tuple[str, int]:
        with Path(source).open("rb") as handle:
            return self.put_stream(handle, max_bytes)

    def put_stream(self, stream: BinaryIO, max_bytes: int | None = None) -> tuple[str, int]:
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix="upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise PayloadTooLarge(
                            f"file is larger than the {max_bytes // (1024 * 1024)} MB limit"
                        )
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            final = self.path(sha)
            if final.is_file():
                os.unlink(tmp_name)
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp_name, final)
                _fsync_dir(final.parent)
            return sha, size
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise

    def remove_orphan_temp_files(self, min_age_s: float = 3600.0) -> int:
        """Delete leftovers of writes a crash interrupted; returns how many.

        Only files older than ``min_age_s`` go, so a concurrent writer's upload is left alone.
        """
        cutoff = time.time() - min_age_s
        count = 0
        for leftover in self._tmp.glob("upload-*"):
            with contextlib.suppress(FileNotFoundError):
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
                    count += 1
        return count


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
