"""The background worker processes newly ingested items and resumes a backlog on start."""

from __future__ import annotations

import time
from typing import Any

from reelstack.config import UnderstandSettings
from reelstack.ingest.manifest import PostSpec
from reelstack.runtime.platform import Platform
from reelstack.understand.pipeline import Pipeline
from reelstack.understand.stage import Stage, StageInput


class _Registry:
    def version(self, name: str) -> str:
        return "test==1"


class WordCount(Stage):
    name = "words"

    def process(self, batch: list[StageInput]) -> list[Any]:
        return [{"words": len(i.post.caption.split())} for i in batch]


def _use_test_stage(platform: Platform) -> None:
    stage = WordCount(_Registry(), UnderstandSettings())  # type: ignore[arg-type]
    platform.understand.pipeline = Pipeline([stage], platform.blobs, platform.store)


def _wait_idle(platform: Platform, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        worker = platform.worker
        if worker and worker.idle.is_set() and worker.queue.empty():
            return
        time.sleep(0.02)
    raise AssertionError("worker did not go idle")


def test_new_items_are_processed_in_the_background(platform: Platform) -> None:
    _use_test_stage(platform)
    platform.start_worker()
    results = [
        platform.ingest.ingest(PostSpec(creator="a", caption=f"{'w ' * n}#tag"), None, "t")
        for n in range(1, 6)
    ]
    _wait_idle(platform)
    for n, result in enumerate(results, start=1):
        assert platform.store.get_features(result.item_id)["words"].value == {"words": n + 1}


def test_backlog_is_resumed_on_start(platform: Platform) -> None:
    before = platform.ingest.ingest(PostSpec(creator="a", caption="made while offline"), None, "t")
    _use_test_stage(platform)
    platform.start_worker()
    _wait_idle(platform)
    assert platform.store.get_features(before.item_id)["words"].value == {"words": 3}
    assert platform.worker.processed >= 1


def test_items_stored_by_another_process_are_picked_up(platform: Platform) -> None:
    _use_test_stage(platform)
    platform.start_worker(poll_s=0.05)
    _wait_idle(platform)
    other = Platform.open(platform.settings)  # e.g. `reelstack ingest` next to a server
    result = other.ingest.ingest(PostSpec(creator="a", caption="from elsewhere"), None, "t")
    other.close()
    deadline = time.monotonic() + 10
    while "words" not in platform.store.get_features(result.item_id):
        assert time.monotonic() < deadline, "the worker never picked the item up"
        time.sleep(0.05)
