"""Simulated users behave like their interests say, in well-formed, ordered sessions."""

from __future__ import annotations

import random
from collections import defaultdict

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
    assert len({e["event_id"] for e in events}) == len(events)
    assert {e["type"] for e in events} <= set(EVENT_TYPES)
    assert {"impression", "view", "like", "skip", "report"} <= {e["type"] for e in events}
    sessions: dict[str, list[float]] = defaultdict(list)
    for e in events:
        sessions[e["context"]["request_id"]].append(e["ts"])
        if e["type"] in ("view", "skip"):
            assert 0 <= e["watch_ms"] <= e["duration_ms"]
    assert all(ts == sorted(ts) for ts in sessions.values())


def test_interest_drives_engagement() -> None:
    users, items = make_users(150, seed=4), _items()
    topic_of = {i.item_id: i.topic for i in items}
    shown = defaultdict(int)
    liked = defaultdict(int)
    for e in simulate_events(users, items, seed=4, start_ts=0.0, days=5):
        user = next(u for u in users if u.handle == e["user"])
        key = "match" if topic_of[e["item"]] in user.interests else "other"
        if e["type"] == "impression":
            shown[key] += 1
        elif e["type"] == "like":
            liked[key] += 1
    assert shown["match"] > shown["other"]  # recall follows interests
    assert liked["match"] / shown["match"] > 2 * liked["other"] / shown["other"]


def test_violating_items_are_reported_not_liked() -> None:
    users, items = make_users(80, seed=5), _items()
    events = simulate_events(users, items, seed=5, start_ts=0.0, days=5)
    bad = {i.item_id for i in items if i.violation}
    reports = [e for e in events if e["type"] == "report"]
    assert reports and all(e["item"] in bad for e in reports)
    assert not [e for e in events if e["type"] == "like" and e["item"] in bad]
