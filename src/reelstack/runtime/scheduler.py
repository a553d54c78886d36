"""Periodic background jobs of ``serve`` (e.g. retraining policy heads from reviewer labels).

One daemon thread per job; the first run waits one full interval (a restart loop never
turns into a retrain loop), a failing run is logged and the schedule goes on, and ``stop``
returns promptly even mid-wait.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class PeriodicJob:
    def __init__(self, name: str, interval_s: float, run: Callable[[], object]) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be positive")
        self.name = name
        self.interval_s = interval_s
        self.run = run
        self.runs = 0
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name=f"job-{name}")

    def start(self) -> PeriodicJob:
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.run()
                self.runs += 1
            except Exception:
                self.failures += 1
                log.exception("scheduled job %s failed", self.name)
