"""Turn CLI paths (files, folders, JSONL manifests) into ingest work items.

A ``.jsonl`` path is a manifest whose ``media`` paths are relative to its folder. A folder
holding ``manifest.jsonl`` is ingested through it; any other folder contributes every
non-hidden file below it, each probed for what it really is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from reelstack.core.errors import InvalidInput, ReelStackError
from reelstack.ingest.manifest import PostSpec, read_manifest

Work = tuple[str, PostSpec | ReelStackError, Path | None]
MANIFEST_NAME = "manifest.jsonl"


def expand_paths(paths: Iterable[Path], creator: str = "local") -> Iterator[Work]:
    for path in paths:
        path = Path(path)
        if path.is_dir() and (path / MANIFEST_NAME).is_file():
            yield from manifest_work(path / MANIFEST_NAME)
        elif path.is_dir():
            for file in sorted(_visible_files(path)):
                yield str(file), PostSpec(creator=creator), file
        elif path.suffix == ".jsonl" and path.is_file():
            yield from manifest_work(path)
        elif path.is_file():
            yield str(path), PostSpec(creator=creator), path
        else:
            yield str(path), InvalidInput("no such file or folder"), None


def manifest_work(manifest: Path) -> Iterator[Work]:
    for line, entry in read_manifest(manifest):
        source = f"{manifest}:{line}"
        if isinstance(entry, ReelStackError) or entry.media is None:
            yield source, entry, None
            continue
        media = Path(entry.media)
        media = media if media.is_absolute() else manifest.parent / media
        if not media.is_file():
            yield source, InvalidInput(f"media file not found: {entry.media}"), None
        else:
            yield source, entry, media


def _visible_files(folder: Path) -> Iterator[Path]:
    for file in folder.rglob("*"):
        relative = file.relative_to(folder)
        if file.is_file() and not any(part.startswith(".") for part in relative.parts):
            yield file
