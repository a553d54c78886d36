"""Samples for review beyond the automatic ``review`` band.

``quality_sample`` picks posts uniformly at random (whatever automation decided), so the
reviewers' labels on them estimate prevalence and automation's precision and recall without
bias. ``active_sample`` is hard-case mining: a fixed share of the batch is such a random
sample (prevalence stays unbiased), the rest are the posts automation was least sure about —
a stored score closest to one of its policy's thresholds — skipping near-duplicates (E5
cosine ≥ 0.92, or the same text) of posts already in the batch, so one batch teaches many
different things. Each job records the sampler that chose it (``random`` or
``uncertainty``).
"""

from __future__ import annotations

import heapq
import random

import numpy as np

from reelstack.core.errors import InvalidInput
from reelstack.core.records import Item, ReviewJob
from reelstack.safety.decisions import decision_in_force
from reelstack.safety.policies import PolicyStore
from reelstack.safety.policies.schema import PolicySet
from reelstack.safety.review.jobs import QUALITY_QUEUE, build_job, queue_of, snapshot, thresholds_of
from reelstack.safety.review.priority import uncertainty
from reelstack.storage.interfaces import Store
from reelstack.storage.paging import iter_items
from reelstack.understand import vectors

MAX_SAMPLE = 1000
RANDOM = "random"
UNCERTAINTY = "uncertainty"
RANDOM_SHARE = 0.2
NEAR_DUPLICATE = 0.92
POOL_PER_PICK = 20  # most-uncertain candidates kept per requested pick


def waiting_items(store: Store, queue: str | None = None) -> set[str]:
    """Posts with an undecided job in ``queue`` (in any queue when None)."""
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
    _check_size(n)
    return _open_random(store, policies.current("content"), n, random.Random(seed), set())


def _check_size(n: int) -> None:
    if not 1 <= n <= MAX_SAMPLE:
        raise InvalidInput(f"sample size must be 1-{MAX_SAMPLE}")


def _open_random(
    store: Store, policy_set: PolicySet, n: int, rng: random.Random, skip: set[str]
) -> list[ReviewJob]:
    waiting = waiting_items(store, QUALITY_QUEUE) | skip
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
    jobs = []
    for item in picked:
        job = build_job(store, item, policy_set, queue=QUALITY_QUEUE, source="sample",
                        policy_id=None, sampler=RANDOM, severity=1)  # fmt: skip
        jobs.append(store.open_review_job(job)[0])
    return jobs


def most_uncertain(
    store: Store, policy_set: PolicySet, keep: int, skip: set[str]
) -> list[tuple[float, str, str, float]]:
    """(uncertainty, item id, policy, score) of the ``keep`` posts automation decided with
    the least confidence, most uncertain first (posts decided by people are left out)."""
    heap: list[tuple[float, str, str, float]] = []
    for item in iter_items(store):
        decision = decision_in_force(store, item.id) if item.id not in skip else None
        if decision is None or decision.source != "automated":
            continue
        scores = (snapshot(decision) or {}).get("scores") or {}
        ranked = [(uncertainty(score, cuts), policy, score) for policy, score in scores.items()
                  if (cuts := thresholds_of(policy_set, policy))]  # fmt: skip
        if not ranked:
            continue
        doubt, policy, score = max(ranked)
        entry = (doubt, item.id, policy, score)
        if len(heap) < keep:
            heapq.heappush(heap, entry)
        elif entry > heap[0]:
            heapq.heapreplace(heap, entry)
    return sorted(heap, reverse=True)


def _signature(store: Store, item_id: str) -> tuple[np.ndarray | None, str]:
    """The post's E5 vector (if Understand stored one) and its normalised text."""
    item = store.get_item(item_id)
    embed = store.get_features(item_id).get("embed")
    raw = embed.value.get("vector") if embed is not None else None
    vector = vectors.decode(raw) if vectors.is_vector(raw) else None
    if vector is not None:
        vector = vector / max(float(np.linalg.norm(vector)), 1e-12)
    return vector, " ".join(item.caption.lower().split())


def active_sample(
    store: Store,
    policies: PolicyStore,
    n: int,
    random_share: float = RANDOM_SHARE,
    seed: int | None = None,
) -> list[ReviewJob]:
    """Open ``n`` jobs: ``round(n × random_share)`` at random (queue ``quality``), the rest
    the most uncertain posts without near-duplicates (their policy family's queue)."""
    _check_size(n)
    if not 0.0 <= random_share <= 1.0:
        raise InvalidInput("random_share must be between 0 and 1")
    policy_set = policies.current("content")
    rng = random.Random(seed)
    jobs = _open_random(store, policy_set, int(n * random_share + 0.5), rng, set())
    chosen = [_signature(store, job.item_id) for job in jobs]
    waiting = waiting_items(store)
    for doubt, item_id, policy, score in most_uncertain(store, policy_set, n * POOL_PER_PICK,
                                                        waiting):  # fmt: skip
        if len(jobs) >= n:
            break
        vector, text = _signature(store, item_id)
        if any(_near(vector, text, v, t) for v, t in chosen):
            continue
        chosen.append((vector, text))
        job = build_job(store, store.get_item(item_id), policy_set, queue=queue_of(policy),
                        source="active", policy_id=policy, score=score, sampler=UNCERTAINTY,
                        details={"uncertainty": round(doubt, 4)})  # fmt: skip
        jobs.append(store.open_review_job(job)[0])
    return jobs


def _near(vector: np.ndarray | None, text: str, other: np.ndarray | None, other_text: str) -> bool:
    if text and text == other_text:
        return True
    if vector is None or other is None or vector.shape != other.shape:
        return False
    return float(vector @ other) >= NEAR_DUPLICATE
