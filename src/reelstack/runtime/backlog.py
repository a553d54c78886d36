"""The understanding worker's backlog and which stages fail, for the system dashboard.

The worker knows the posts it could not fully process; their stored features say which
stage failed and why. Only those posts are read (at most ``MAX_FAILED_READ``), so the view
stays cheap however large the store is.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from reelstack.storage.interfaces import FeatureStore

if TYPE_CHECKING:
    from reelstack.runtime.platform import Platform

MAX_FAILED_READ = 500


def stage_errors(store: FeatureStore, item_ids: list[str]) -> list[dict[str, Any]]:
    """Per stage: how many of these posts carry its error, and the latest error text seen."""
    failed: Counter[str] = Counter()
    example: dict[str, str] = {}
    for item_id in sorted(item_ids)[-MAX_FAILED_READ:]:
        for stage, feature in store.get_features(item_id).items():
            if isinstance(feature.value, dict) and "error" in feature.value:
                failed[stage] += 1
                example[stage] = str(feature.value["error"])[:300]
    return [{"stage": stage, "items": n, "example": example[stage]}
            for stage, n in failed.most_common()]  # fmt: skip


def understanding_backlog(platform: Platform) -> dict[str, Any]:
    """Posts waiting for the worker, processed since start, and stage errors."""
    worker = platform.worker
    failed = sorted(worker.failed_items.copy()) if worker else []  # the worker thread adds to it
    return {"worker": worker is not None,
            "backlog": worker.queue.qsize() if worker else 0,
            "processed": worker.processed if worker else 0,
            "idle": worker.idle.is_set() if worker else True,
            "items_with_errors": len(failed),
            "stage_errors": stage_errors(platform.store, failed)}  # fmt: skip
