"""Simulated users and the events their sessions produce, for the demo and offline tests.

Each user has a language, a region, a birth year and 1–3 weighted interests. In a session a
user is shown posts that are mostly about those interests (plus popular and random ones),
watches each for a while, and sometimes likes, shares, comments, follows, skips, says "not
interested" or reports. Engagement rises with interest match and with a latent item quality;
violating posts are watched less and reported more. Everything is a function of the seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from reelstack.demo import vocab
from reelstack.demo.assets import TOPICS

SKIP_RATIO = 0.25  # watched less than this share of a post: a skip, not a view
REGIONS = {
    "en": ("US", "GB", "SG", "AU"),
    "zh": ("CN", "SG", "MY", "TW"),
    "th": ("TH",),
    "vi": ("VN",),
    "id": ("ID",),
    "ms": ("MY", "SG"),
}


@dataclass(frozen=True, slots=True)
class SimUser:
    handle: str
    language: str
    region: str
    birth_year: int
    interests: dict[str, float]


@dataclass(frozen=True, slots=True)
class SimItem:
    item_id: str
    topic: str
    creator: str
    language: str
    duration_s: float
    created_at: float
    violation: str | None = None


def make_users(n: int = 200, seed: int = 7) -> list[SimUser]:
    """``n`` users: audience-weighted languages, 1–3 interests skewed to popular topics, a few
    minors (~8%, for age-gating)."""
    rng = random.Random(f"users:{seed}")
    languages, weights = list(vocab.LANGUAGE_WEIGHTS), list(vocab.LANGUAGE_WEIGHTS.values())
    topics, popularity = list(TOPICS), [t.popularity for t in TOPICS.values()]
    users = []
    for number in range(n):
        language = rng.choices(languages, weights)[0]
        picked = dict.fromkeys(rng.choices(topics, popularity, k=rng.randint(1, 3)))
        raw = {t: rng.uniform(0.5, 1.0) for t in picked}
        total = sum(raw.values())
        minor = rng.random() < 0.08
        users.append(
            SimUser(
                handle=f"user{number:04d}",
                language=language,
                region=rng.choice(REGIONS[language]),
                birth_year=rng.randint(2009, 2012) if minor else rng.randint(1965, 2007),
                interests={t: round(w / total, 3) for t, w in raw.items()},
            )
        )
    return users


class _Catalogue:
    """Items with a latent quality, and quick weighted picks by topic or popularity."""

    def __init__(self, items: list[SimItem], rng: random.Random) -> None:
        self.items = sorted(items, key=lambda i: i.created_at)
        self.quality = {i.item_id: rng.betavariate(2, 3) for i in items}
        self.by_topic: dict[str, list[SimItem]] = {}
        for item in self.items:
            self.by_topic.setdefault(item.topic, []).append(item)

    def pick(self, user: SimUser, now: float, rng: random.Random) -> SimItem | None:
        roll = rng.random()
        if roll < 0.6:
            topic = rng.choices(list(user.interests), list(user.interests.values()))[0]
            pool = self.by_topic.get(topic, [])
        else:
            pool = self.items
        pool = [i for i in pool if i.created_at < now]
        if not pool:
            return None
        if roll < 0.85:  # interest or popularity: quality-weighted
            return rng.choices(pool, [self.quality[i.item_id] + 0.05 for i in pool])[0]
        return rng.choice(pool)


def simulate_events(
    users: list[SimUser],
    items: list[SimItem],
    *,
    seed: int = 7,
    start_ts: float,
    days: float = 14,
    sessions_per_user: tuple[int, int] = (2, 6),
) -> list[dict]:
    """Events as the event API receives them (``user`` is a handle, ``item`` an item id).

    Sorted by time, ``event_id`` numbered in that order; within a session the clock only moves
    forward, and an item is only shown after it was posted.
    """
    rng = random.Random(f"events:{seed}")
    catalogue = _Catalogue(items, rng)
    events: list[dict] = []
    for user in users:
        followed: set[str] = set()
        for session in range(rng.randint(*sessions_per_user)):
            begin = start_ts + rng.uniform(0, days * 86400)
            request = f"sim-{user.handle}-{session}"
            events += _session(user, catalogue, rng, begin, request, followed)
    events.sort(key=lambda e: e["ts"])
    for number, event in enumerate(events):
        event["event_id"] = f"sim-{number:07d}"
    return events


def _session(
    user: SimUser,
    catalogue: _Catalogue,
    rng: random.Random,
    now: float,
    request: str,
    followed: set[str],
) -> list[dict]:
    """One feed session: impressions, then what the user did with each item, in time order."""
    seen: set[str] = set()
    events: list[dict] = []
    for position in range(rng.randint(8, 25)):
        item = catalogue.pick(user, now, rng)
        if item is None or item.item_id in seen:
            continue
        seen.add(item.item_id)
        context = {"surface": "feed", "position": position, "request_id": request}
        events.append(_event("impression", user, item, now, context))
        watched = _watch_seconds(user, item, catalogue.quality[item.item_id], rng)
        now += max(watched, 0.05)
        for kind in _reactions(user, item, catalogue.quality[item.item_id], rng, watched):
            if kind == "follow":
                if item.creator in followed:
                    continue
                followed.add(item.creator)
            watch = (watched, item.duration_s) if kind in ("view", "skip") else (None, None)
            extra = {"reason": item.violation} if kind == "report" else {}
            events.append(_event(kind, user, item, now, {**context, **extra}, *watch))
            now += rng.uniform(0.2, 1.5)
        now += rng.uniform(0.3, 2.0)  # swipe to the next post
    return events


def _match(user: SimUser, item: SimItem) -> float:
    language = 1.0 if item.language in (user.language, "en") else 0.6
    return (0.15 + user.interests.get(item.topic, 0.0) * 1.7) * language


def _watch_seconds(user: SimUser, item: SimItem, quality: float, rng: random.Random) -> float:
    interest = min(1.0, _match(user, item))
    ratio = rng.betavariate(0.5 + 4 * interest * (0.5 + quality), 2.0)
    if item.violation:
        ratio *= 0.5
    return item.duration_s * min(ratio * 1.4, 1.0)


def _reactions(
    user: SimUser, item: SimItem, quality: float, rng: random.Random, watched: float
) -> list[str]:
    """Event types after watching ``watched`` seconds: view or skip, then any engagement."""
    ratio = watched / max(item.duration_s, 0.1)
    kinds = ["skip" if ratio < SKIP_RATIO else "view"]
    uninterested = user.interests.get(item.topic, 0) == 0
    if ratio < SKIP_RATIO and rng.random() < (0.08 if uninterested else 0.01) + (
        0.1 if item.violation else 0
    ):
        kinds.append("not_interested")
    if item.violation:
        return [*kinds, "report"] if rng.random() < 0.25 else kinds
    appeal = min(1.0, _match(user, item)) * (0.4 + quality) * ratio
    chances = (("like", 0.02 + 0.35 * appeal), ("share", 0.005 + 0.08 * appeal),
               ("comment", 0.005 + 0.06 * appeal), ("follow", 0.002 + 0.05 * appeal))  # fmt: skip
    return kinds + [kind for kind, chance in chances if rng.random() < chance]


def _event(
    kind: str,
    user: SimUser,
    item: SimItem,
    ts: float,
    context: dict,
    watched: float | None = None,
    duration: float | None = None,
) -> dict:
    event = {"type": kind, "user": user.handle, "item": item.item_id, "ts": round(ts, 3),
             "context": dict(context)}  # fmt: skip
    if watched is not None and duration is not None:
        event["duration_ms"] = int(duration * 1000)
        event["watch_ms"] = min(int(watched * 1000), event["duration_ms"])
    return event
