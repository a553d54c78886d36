"""The records the model registry is built from: what a model needs, and what it reports.

Kept apart from the registry and the loaders so that loader modules can import these types
without importing each other, and so that specs stay plain data.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Requirement:
    """One Python package a model needs: its pip name, its import name and the tested pin.

    ``no_deps`` marks a package whose declared dependencies we must not pull (for example a
    weights package that declares sentence-transformers, which would drag a CUDA torch in).
    """

    package: str
    module: str
    version: str
    no_deps: bool = False

    @property
    def pin(self) -> str:
        return f"{self.package}=={self.version}"


@dataclass(frozen=True)
class LoadContext:
    """What a loader may use besides its spec: where to write derived files, how many threads."""

    spec: ModelSpec
    cache_dir: Path
    num_threads: int | None = None


@dataclass(frozen=True)
class ModelSpec:
    """A named model: the packages shipping it and the code that builds it.

    ``requires[0]`` is the package shipping the weights; its installed version plus
    ``model_id`` is the model version every feature records.
    """

    name: str
    task: str
    model_id: str
    description: str
    requires: tuple[Requirement, ...]
    loader: Callable[[LoadContext], Any]
    weights_hint: str = ""

    def __post_init__(self) -> None:
        if not self.requires:
            raise ValueError(f"model spec {self.name!r} names no package")

    @property
    def package(self) -> str:
        return self.requires[0].package

    @property
    def module(self) -> str:
        return self.requires[0].module


@dataclass(frozen=True)
class ModelInfo:
    """What `reelstack doctor` shows per model; computed without loading anything."""

    name: str
    task: str
    package: str
    version: str | None
    available: bool
    reason: str | None
    description: str = ""


def package_dir(module: str) -> Path:
    """The installed directory of a top-level package, found without importing it.

    Weights-only packages are read as files; importing them would run their ``__init__`` for
    nothing (and some of those construct objects at import).
    """
    found = importlib.util.find_spec(module)
    if found is None or not found.submodule_search_locations:
        raise FileNotFoundError(f"package {module!r} is not installed as a directory")
    return Path(next(iter(found.submodule_search_locations)))


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks (weights are hundreds of MB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
