"""Periodic jobs run on their interval, survive a failing run, stop promptly; serve's
retrain schedule is on by default and off at 0."""

from __future__ import annotations

import threading
import time

from reelstack.config import SafetySettings, Settings
from reelstack.runtime.platform import Platform
from reelstack.runtime.scheduler import PeriodicJob


def test_a_job_runs_repeatedly_and_a_failure_does_not_stop_it() -> None:
    calls: list[int] = []
    enough = threading.Event()

    def run() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("first run fails")
        if len(calls) >= 3:
            enough.set()

    job = PeriodicJob("test", 0.01, run).start()
    assert enough.wait(5)
    job.stop()
    assert job.failures == 1 and job.runs >= 2
    stopped_at = len(calls)
    time.sleep(0.05)
    assert len(calls) == stopped_at


def test_serve_schedules_the_retrain_unless_turned_off(settings: Settings) -> None:
    with Platform.open(settings) as platform:
        [job] = platform.start_schedule()
        assert job.name == "retrain" and job.interval_s == 24 * 3600
        assert platform.start_schedule() == [job]  # once only
        assert platform.retrain_policy_heads() == []  # no reviewer labels yet
    off = settings.model_copy(update={"safety": SafetySettings(retrain_every_hours=0)})
    with Platform.open(off) as platform:
        assert platform.start_schedule() == []
