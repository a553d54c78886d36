"""Overdue review jobs: served before every job within its SLA of the same or lower severity,
never before a more severe job that outranks them; queue stats keep counting the breaches."""

from __future__ import annotations

from reelstack.core import clock
from reelstack.core.ids import new_id
from reelstack.core.records import ReviewJob
from reelstack.runtime.platform import Platform
from reelstack.safety.review import ReviewService
from reelstack.testing.factories import make_creator, make_item

HOUR = 3600.0


def _job(platform: Platform, item_id: str, severity: int, priority: float, due_in: float) -> str:
    now = clock.now()
    job = ReviewJob(
        id=new_id("rvj"),
        item_id=item_id,
        queue="harassment",
        priority=priority,
        created_at=now - HOUR,
        severity=severity,
        due_at=now + due_in,
        language="en",
    )
    platform.store.add_review_job(job)
    return job.id


def test_an_overdue_job_jumps_the_jobs_it_may_jump(platform: Platform) -> None:
    creator = platform.store.upsert_creator(make_creator())
    item_id = platform.store.insert_item(make_item(creator)).id
    overdue = _job(platform, item_id, severity=2, priority=1.0, due_in=-60)
    same = _job(platform, item_id, severity=2, priority=5.0, due_in=HOUR)
    lower = _job(platform, item_id, severity=1, priority=9.0, due_in=HOUR)
    graver = _job(platform, item_id, severity=3, priority=12.0, due_in=HOUR)
    graver_but_calm = _job(platform, item_id, severity=3, priority=0.5, due_in=HOUR)
    review = ReviewService.for_platform(platform)
    [stats] = review.queues()
    assert (stats["depth"], stats["sla_breaches"]) == (5, 1)
    order = [review.next("ana", "harassment") for _ in range(6)]
    assert [job.id if job else None for job in order] == [
        graver,
        overdue,
        lower,
        same,
        graver_but_calm,
        None,
    ]
    assert order[1].priority == 1.0  # the stored priority is unchanged
    [stats] = review.queues()
    assert (stats["leased"], stats["sla_breaches"]) == (5, 1)  # leased, still past its SLA


def test_without_overdue_jobs_priority_alone_orders(platform: Platform) -> None:
    creator = platform.store.upsert_creator(make_creator())
    item_id = platform.store.insert_item(make_item(creator)).id
    low = _job(platform, item_id, severity=3, priority=2.0, due_in=HOUR)
    high = _job(platform, item_id, severity=1, priority=3.0, due_in=HOUR)
    review = ReviewService.for_platform(platform)
    assert [review.next("ana", "harassment").id for _ in range(2)] == [high, low]
    assert review.queues()[0]["sla_breaches"] == 0
