"""A plug-in factory of the kind ``open_store("package.module:factory")`` loads."""

from __future__ import annotations

from reelstack.storage.interfaces import Store
from reelstack.storage.registry import open_store


def memory_store() -> Store:
    return open_store("memory://")
