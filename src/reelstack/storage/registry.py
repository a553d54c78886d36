"""URL scheme → backend. ``open_store("sqlite:///path/db")`` picks the SQLite backend.

A plug-in backend can be named by a dotted path instead, ``"mypkg.stores:open"``: the callable is
imported and called with no arguments. Anything else fails loudly at start-up.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar
from urllib.parse import urlsplit

from reelstack.core.errors import ConfigError

if TYPE_CHECKING:
    from reelstack.storage.interfaces import Store

T = TypeVar("T")


class BackendRegistry(Generic[T]):
    """Factories keyed by URL scheme, for one kind of backend (stores, streams, ...)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._factories: dict[str, Callable[[str], T]] = {}

    def register(self, scheme: str, factory: Callable[[str], T]) -> None:
        self._factories[scheme] = factory

    def open(self, url: str) -> T:
        scheme = urlsplit(url).scheme
        if scheme in self._factories:
            return self._factories[scheme](url)
        if "://" not in url and ":" in url:
            return self._open_plugin(url)
        known = ", ".join(f"{s}://" for s in sorted(self._factories))
        raise ConfigError(f"unknown {self.kind} backend {url!r}; known schemes: {known}")

    def _open_plugin(self, dotted: str) -> T:
        module_name, _, attr = dotted.partition(":")
        try:
            factory = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(f"cannot load {self.kind} plug-in {dotted!r}: {exc}") from exc
        return factory()


def _open_sqlite(url: str) -> Store:
    from reelstack.storage.sqlite import SQLiteStore  # lazy: keeps the registry import light

    return SQLiteStore.from_url(url)


STORES: BackendRegistry[Store] = BackendRegistry("store")
STORES.register("sqlite", _open_sqlite)
STORES.register("memory", _open_sqlite)


def open_store(url: str) -> Store:
    """Open the store named by ``url`` (see module docstring)."""
    return STORES.open(url)
