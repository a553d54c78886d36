"""Named numpy arrays in one ``.npz`` file: the snapshot's only container format.

A snapshot is a plain NumPy ``.npz`` (a zip of ``.npy`` arrays, numbers and bytes only) plus
a JSON manifest stored in it as UTF-8 bytes. It is written and read with ``allow_pickle``
off, so a file someone hands us can be wrong but never runs code; every index read back is
range-checked before use. Writes are atomic: a temporary file in the same directory, fsynced,
then renamed over the old one.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

MANIFEST = "manifest"


class SnapshotError(Exception):
    """The snapshot cannot be used (missing, corrupt, another version or another log)."""


class ArrayWriter:
    """Collects named arrays (and string lists, and ragged lists) for one file."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def put(self, name: str, values: Any, dtype: Any) -> None:
        self.arrays[name] = np.ascontiguousarray(values, dtype=dtype)

    def strings(self, name: str, values: Sequence[str]) -> None:
        """UTF-8 bytes of every string end to end, and where each one ends."""
        encoded = [value.encode() for value in values]
        self.offsets(name, [len(raw) for raw in encoded])
        self.arrays[f"{name}.bytes"] = np.frombuffer(b"".join(encoded), np.uint8)

    def offsets(self, name: str, lengths: Iterable[int]) -> None:
        """Row boundaries of a ragged column: row ``r`` is ``[offsets[r], offsets[r + 1])``."""
        ends = np.fromiter(lengths, np.int64)
        self.arrays[f"{name}.offsets"] = np.concatenate([[0], np.cumsum(ends)]).astype(np.int64)

    def save(self, path: Path, manifest: dict[str, Any]) -> None:
        """Write atomically: readers see the old file or the new one, never a mix."""
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {MANIFEST: np.frombuffer(json.dumps(manifest).encode(), np.uint8)}
        arrays.update(self.arrays)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            with temporary.open("wb") as out:
                np.savez(out, allow_pickle=False, **arrays)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
        sync_directory(path.parent)


class ArrayReader:
    """The arrays of one file, each checked for presence, kind and shape on access."""

    def __init__(self, path: Path) -> None:
        try:
            with np.load(path, allow_pickle=False) as data:
                self.arrays = {name: data[name] for name in data.files}
            self.manifest = json.loads(self.arrays.pop(MANIFEST).tobytes().decode())
        except FileNotFoundError:
            raise
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise SnapshotError(f"unreadable ({type(exc).__name__}: {exc})") from None
        if not isinstance(self.manifest, dict):
            raise SnapshotError("the manifest is not an object")

    def get(self, name: str, kind: str, ndim: int = 1, rows: int | None = None) -> np.ndarray:
        """Array ``name`` of dtype kind ``kind`` ('i', 'f', 'b', 'u'), ``ndim`` dims and, when
        given, ``rows`` rows."""
        array = self.arrays.get(name)
        if array is None:
            raise SnapshotError(f"array {name!r} is missing")
        if array.dtype.kind != kind or array.ndim != ndim:
            raise SnapshotError(f"array {name!r} is {array.dtype}/{array.ndim}d")
        if rows is not None and len(array) != rows:
            raise SnapshotError(f"array {name!r} has {len(array)} rows, expected {rows}")
        return array

    def index(self, name: str, upper: int, rows: int | None = None) -> np.ndarray:
        """An integer array whose values must all be in ``[0, upper)``."""
        array = self.get(name, "i", rows=rows)
        if len(array) and (int(array.min()) < 0 or int(array.max()) >= upper):
            raise SnapshotError(f"array {name!r} points outside [0, {upper})")
        return array.astype(np.int64)

    def offsets(self, name: str, rows: int, total: int | None = None) -> list[int]:
        offsets = self.get(f"{name}.offsets", "i", rows=rows + 1)
        if offsets[0] != 0 or np.any(np.diff(offsets) < 0):
            raise SnapshotError(f"offsets of {name!r} are not increasing from 0")
        if total is not None and offsets[-1] != total:
            raise SnapshotError(f"offsets of {name!r} end at {offsets[-1]}, expected {total}")
        return offsets.tolist()

    def strings(self, name: str, rows: int | None = None) -> list[str]:
        raw = self.get(f"{name}.bytes", "u").tobytes()
        count = len(self.arrays.get(f"{name}.offsets", ())) - 1 if rows is None else rows
        bounds = self.offsets(name, count, total=len(raw))
        try:
            return [raw[a:b].decode() for a, b in itertools.pairwise(bounds)]
        except UnicodeDecodeError:
            raise SnapshotError(f"strings {name!r} are not UTF-8") from None


def sync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
