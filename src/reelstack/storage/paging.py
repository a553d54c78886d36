"""Walk a whole table page by page, so callers never hold every record at once."""

from __future__ import annotations

from collections.abc import Iterator

from reelstack.core.records import Item
from reelstack.storage.interfaces import ItemStore


def iter_items(store: ItemStore, page_size: int = 500) -> Iterator[Item]:
    """Every stored item in creation order."""
    after = None
    while page := store.list_items(limit=page_size, after=after):
        yield from page
        after = page[-1].id
