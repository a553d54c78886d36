"""Background understanding in ``serve``/``demo``: new items are processed as they arrive.

Subscribes to ``items.ingested``; a single thread drains the queue in batches (models are
CPU-bound and load once). On start, and whenever it has been idle for ``poll_s``, it queues
the backlog — items with a missing or outdated stage — so a restart resumes where the last
process stopped and items ingested by another process (``reelstack ingest``) are picked up.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from reelstack.ingest.service import INGESTED_TOPIC
from reelstack.storage.streams import EventStream
from reelstack.understand.service import UnderstandService

log = logging.getLogger(__name__)
_STOP = object()


class UnderstandWorker:
    def __init__(
        self, service: UnderstandService, stream: EventStream, poll_s: float = 30.0
    ) -> None:
        self.service = service
        self.poll_s = poll_s
        self.stream = stream
        self.queue: queue.Queue[object] = queue.Queue()
        self.processed = 0
        self.failed_items: set[str] = set()
        self._thread: threading.Thread | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.idle = threading.Event()

    def start(self, backlog: bool = True) -> None:
        self._unsubscribe = self.stream.subscribe(INGESTED_TOPIC, self._on_ingested)
        self._thread = threading.Thread(target=self._loop, args=(backlog,), daemon=True,
                                        name="understand-worker")  # fmt: skip
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop taking work; a batch in flight may be cut (its finished stages are stored)."""
        if self._unsubscribe:
            self._unsubscribe()
        self.queue.put(_STOP)
        if self._thread:
            self._thread.join(timeout)

    def _on_ingested(self, message: dict) -> None:
        self.idle.clear()
        self.queue.put(message["item_id"])

    def _queue_backlog(self) -> None:
        try:
            for item_id in self.service.pending():
                self.queue.put(item_id)
        except Exception:
            log.exception("could not scan the understanding backlog")

    def _loop(self, backlog: bool) -> None:
        if backlog:
            self._queue_backlog()
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            try:
                report = self.service.run(batch)
                self.processed += len(batch)
                self.failed_items |= {key for key, _, _ in report.errors}
            except Exception:  # keep serving; the items stay pending for the next start
                log.exception("understanding failed for %d items", len(batch))

    def _next_batch(self) -> list[str] | None:
        while True:
            if self.queue.empty():
                self.idle.set()
            try:
                first = self.queue.get(timeout=self.poll_s)
                break
            except queue.Empty:
                self._queue_backlog()
        if first is _STOP:
            return None
        batch = [first]
        while len(batch) < self.service.settings.batch_size:
            try:
                more = self.queue.get_nowait()
            except queue.Empty:
                break
            if more is _STOP:
                self.queue.put(_STOP)
                break
            batch.append(more)
        self.idle.clear()
        return [str(i) for i in dict.fromkeys(batch)]
