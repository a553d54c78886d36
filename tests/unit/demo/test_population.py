"""Simulated users behave like their interests say, in well-formed, ordered sessions."""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict

import numpy as np

from reelstack.core.records import EVENT_TYPES
from reelstack.demo.assets import TOPICS
from reelstack.demo.population import SimItem, make_users, simulate_events


def _items(n: int = 240) -> list[SimItem]:
    rng = random.Random(1)
    topics = list(TOPICS)
    return [
        SimItem(
            item_id=f"i{k}",
            topic=topics[k % len(topics)],
            creator=f"c{k % 20}",
            language="en",
            duration_s=rng.uniform(5, 15),
            created_at=0.0,
            violation="spam" if k % 40 == 0 else None,
        )
        for k in range(n)
    ]


def test_users_are_deterministic_and_plausible() -> None:
    users = make_users(100, seed=3)
    assert users == make_users(100, seed=3)
    assert len({u.handle for u in users}) == 100
    assert all(abs(sum(u.interests.values()) - 1) < 0.01 for u in users)
    assert 0 < sum(u.birth_year >= 2009 for u in users) < 30  # a few minors


def test_events_are_well_formed_and_sessions_ordered() -> None:
    users, items = make_users(40, seed=3), _items()
    events = simulate_events(users, items, seed=3, start_ts=1000.0, days=3)
    assert events == simulate_events(users, items, seed=3, start_ts=1000.0, days=3)
    assert [e["event_id"] for e in events] == [f"sim-{n:07d}" for n in range(len(events))]
    assert [e["ts"] for e in events] == sorted(e["ts"] for e in events)
    assert {e["type"] for e in events} <= set(EVENT_TYPES)
    assert {"impression", "view", "like", "skip", "report"} <= {e["type"] for e in events}
    created = {i.item_id: i.created_at for i in items}
    creator = {i.item_id: i.creator for i in items}
    sessions: dict[str, list[dict]] = defaultdict(list)
    follows = set()
    for e in events:
        assert e["ts"] > created[e["item"]]
        assert set(e["context"]) >= {"surface", "position", "request_id"}
        sessions[e["context"]["request_id"]].append(e)
        if e["type"] in ("view", "skip"):
            assert 0 <= e["watch_ms"] <= e["duration_ms"]
        if e["type"] == "follow":
            assert (e["user"], creator[e["item"]]) not in follows  # a creator is followed once
            follows.add((e["user"], creator[e["item"]]))
    for session in sessions.values():
        # In time order each item's events form one block that opens with its impression,
        # followed by exactly one view or skip: the session clock never runs backwards.
        blocks = [
            e["item"]
            for i, e in enumerate(session)
            if i == 0 or e["item"] != session[i - 1]["item"]
        ]
        assert len(blocks) == len(set(blocks))
        for item in blocks:
            kinds = [e["type"] for e in session if e["item"] == item]
            assert kinds[0] == "impression" and kinds[1] in ("view", "skip")
            assert sum(k in ("view", "skip") for k in kinds) == 1


def _z_two_proportions(hits_a: int, n_a: int, hits_b: int, n_b: int) -> float:
    pooled = (hits_a + hits_b) / (n_a + n_b)
    return (hits_a / n_a - hits_b / n_b) / math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))


def test_users_engage_more_with_their_interests() -> None:
    """For each topic X: users interested in X like and watch X's posts more than others do."""
    users, items = make_users(150, seed=4), _items()
    interests = {u.handle: u.interests for u in users}
    topic_of = {i.item_id: i.topic for i in items}
    shown: Counter[tuple[str, bool]] = Counter()
    liked: Counter[tuple[str, bool]] = Counter()
    ratios: dict[bool, list[float]] = defaultdict(list)
    for e in simulate_events(users, items, seed=4, start_ts=0.0, days=5):
        topic = topic_of[e["item"]]
        key = (topic, topic in interests[e["user"]])
        if e["type"] == "impression":
            shown[key] += 1
        elif e["type"] == "like":
            liked[key] += 1
        elif e["type"] in ("view", "skip"):
            ratios[key[1]].append(e["watch_ms"] / e["duration_ms"])
    assert sum(v for (_, m), v in shown.items() if m) > sum(
        v for (_, m), v in shown.items() if not m
    )
    tested = 0
    for topic in TOPICS:
        n_in, n_out = shown[(topic, True)], shown[(topic, False)]
        if min(n_in, n_out) < 40:
            continue
        tested += 1
        z = _z_two_proportions(liked[(topic, True)], n_in, liked[(topic, False)], n_out)
        assert z > 3, (topic, z)  # one-sided, p < 0.0015 per topic
    assert tested >= 4
    inside, outside = np.array(ratios[True]), np.array(ratios[False])
    welch = (inside.mean() - outside.mean()) / math.sqrt(
        inside.var() / len(inside) + outside.var() / len(outside)
    )
    assert welch > 10


def test_violating_items_are_reported_not_liked() -> None:
    users, items = make_users(80, seed=5), _items()
    events = simulate_events(users, items, seed=5, start_ts=0.0, days=5)
    bad = {i.item_id for i in items if i.violation}
    reports = [e for e in events if e["type"] == "report"]
    assert reports and all(e["item"] in bad for e in reports)
    assert not [e for e in events if e["type"] == "like" and e["item"] in bad]
    skipped = Counter((e["item"] in bad) for e in events if e["type"] == "skip")
    seen = Counter((e["item"] in bad) for e in events if e["type"] == "impression")
    assert skipped[True] / seen[True] > 1.5 * skipped[False] / seen[False]
