"""Event streams behind one interface; ``memory://`` delivers in-process, synchronously.

Publishers call ``publish`` after their write has committed, so a subscriber never sees a
message whose data is not yet readable from the store. A failing subscriber is logged and does
not affect the publisher or other subscribers.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any, Protocol

from reelstack.storage.registry import BackendRegistry

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]


class EventStream(Protocol):
    url: str

    def publish(self, topic: str, message: dict[str, Any]) -> None: ...

    def subscribe(self, topic: str, handler: Handler) -> Callable[[], None]:
        """Register ``handler``; returns a function that unsubscribes it."""
        ...

    def close(self) -> None: ...


class InProcessStream:
    """Synchronous fan-out to handlers in this process (the embedded default)."""

    def __init__(self, url: str = "memory://") -> None:
        self.url = url
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._lock = threading.Lock()

    def publish(self, topic: str, message: dict[str, Any]) -> None:
        with self._lock:
            handlers = list(self._handlers[topic])
        for handler in handlers:
            try:
                handler(message)
            except Exception:
                log.exception("stream subscriber failed", extra={"topic": topic})

    def subscribe(self, topic: str, handler: Handler) -> Callable[[], None]:
        with self._lock:
            self._handlers[topic].append(handler)

        def unsubscribe() -> None:
            with self._lock:
                if handler in self._handlers[topic]:
                    self._handlers[topic].remove(handler)

        return unsubscribe

    def close(self) -> None:
        with self._lock:
            self._handlers.clear()


STREAMS: BackendRegistry[EventStream] = BackendRegistry("stream")
STREAMS.register("memory", InProcessStream)


def open_stream(url: str) -> EventStream:
    return STREAMS.open(url)
