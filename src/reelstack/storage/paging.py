"""Walk a whole table page by page, so callers never hold every record at once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reelstack.core.records import AuditRecord, Item
from reelstack.storage.interfaces import AuditStore, ItemStore


def iter_items(store: ItemStore, page_size: int = 500) -> Iterator[Item]:
    """Every stored item in creation order."""
    after = None
    while page := store.list_items(limit=page_size, after=after):
        yield from page
        after = page[-1].id


def iter_audit(store: AuditStore, page_size: int = 500, **filters: Any) -> Iterator[AuditRecord]:
    """Every audit record matching ``filters`` (those of ``find_audit``), oldest first."""
    after = 0
    while page := store.find_audit(after_seq=after, limit=page_size, **filters):
        for _, record in page:
            yield record
        after = page[-1][0]
