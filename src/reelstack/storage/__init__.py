"""Storage behind narrow interfaces: pick a backend by URL (``sqlite:///``, ``memory://``)."""

from reelstack.storage.interfaces import Store
from reelstack.storage.registry import open_store

__all__ = ["Store", "open_store"]
