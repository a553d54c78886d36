"""Samples for review beyond the automatic ``review`` band.

``quality_sample`` picks posts uniformly at random (whatever automation decided), so the
reviewers' labels on them estimate prevalence and automation's precision and recall without
bias. Each job records the sampler that chose it (``sampler``).
"""

from __future__ import annotations

import random

from reelstack.core.errors import InvalidInput
from reelstack.core.records import Item, ReviewJob
from reelstack.safety.policies import PolicyStore
from reelstack.safety.review.jobs import QUALITY_QUEUE, build_job
from reelstack.storage.interfaces import Store
from reelstack.storage.paging import iter_items

MAX_SAMPLE = 1000
RANDOM = "random"


def waiting_items(store: Store, queue: str) -> set[str]:
    """Posts with an undecided job in ``queue``."""
    found: set[str] = set()
    for state in ("open", "leased"):
        after = None
        while page := store.list_review_jobs(queue=queue, state=state, after=after, limit=500):
            found |= {job.item_id for job in page}
            after = page[-1].id
    return found


def quality_sample(
    store: Store, policies: PolicyStore, n: int, seed: int | None = None
) -> list[ReviewJob]:
    """Open ``n`` quality jobs for posts drawn uniformly from those not already waiting."""
    if not 1 <= n <= MAX_SAMPLE:
        raise InvalidInput(f"sample size must be 1-{MAX_SAMPLE}")
    waiting = waiting_items(store, QUALITY_QUEUE)
    rng = random.Random(seed)
    picked: list[Item] = []  # reservoir sampling: one pass, never every item in memory
    seen = 0
    for item in iter_items(store):
        if item.id in waiting:
            continue
        seen += 1
        if len(picked) < n:
            picked.append(item)
        elif (slot := rng.randrange(seen)) < n:
            picked[slot] = item
    policy_set = policies.current("content")
    jobs = []
    for item in picked:
        job = build_job(store, item, policy_set, queue=QUALITY_QUEUE, source="sample",
                        policy_id=None, sampler=RANDOM, severity=1)  # fmt: skip
        jobs.append(store.open_review_job(job)[0])
    return jobs
