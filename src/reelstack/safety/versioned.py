"""Versioned config files: ``<folder>/v0001.yaml``, ``v0002.yaml``, … never overwritten.

Policies, rules and keyword banks are all admin-edited YAML with history: a new version is
written atomically (fsync, then rename) only after the caller validated it, so a rejected
edit leaves the version in force untouched, and any past version can be read back.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from reelstack.core.errors import InvalidInput, NotFound


class VersionedFiles:
    def __init__(self, folder: Path, what: str, suffix: str = ".yaml") -> None:
        self.folder = Path(folder)
        self.what = what  # for messages: "content policy", "rules", ...
        self.suffix = suffix

    def versions(self) -> list[int]:
        if not self.folder.is_dir():
            return []
        return sorted(int(p.stem[1:]) for p in self.folder.glob(f"v[0-9]*{self.suffix}"))

    def latest(self) -> int | None:
        versions = self.versions()
        return versions[-1] if versions else None

    def read(self, version: int) -> str:
        path = self.folder / f"v{version:04d}{self.suffix}"
        if not path.is_file():
            raise NotFound(f"no {self.what} version {version}")
        return path.read_text(encoding="utf-8")

    def write_next(self, body: str) -> int:
        """Store ``body`` (already validated) as the next version; returns its number."""
        self.folder.mkdir(parents=True, exist_ok=True)
        version = (self.latest() or 0) + 1
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        target = self.folder / f"v{version:04d}{self.suffix}"
        if target.exists():  # another writer took this number first
            os.unlink(tmp)
            raise InvalidInput(f"{self.what} version {version} was saved concurrently; retry")
        os.replace(tmp, target)
        return version
