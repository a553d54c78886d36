"""Real-time state in memory, rebuilt from the event log and kept current by tailing it.

Per user: the recent engaged items with their signal strength, time-decayed affinities (a
content *profile* vector — the learned topic —, tags, creators), the seen set, negative
feedback (hidden items, "not interested" creators) and short-lived fatigue (recent skips by
creator and tag, and a skip vector). Per item: impressions, plays, watch ratio sum, likes,
shares, comments, skips, reports and a time-decayed velocity (trending). Item-item
co-engagement (two posts engaged by one user within a window) is kept here too.

Out-of-order events are fine: every decayed value is stored with its own time, and an older
event adds its signal already decayed to that time. `RealtimeState.catch_up` reads the log
from its last sequence number, so events are applied exactly once whoever wrote them (this
process after ``POST /v1/events``, another process, the search click logger).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reelstack.core import clock
from reelstack.core.errors import NotFound
from reelstack.core.records import Event
from reelstack.recommend.catalog import Catalog
from reelstack.recommend.settings import RecommendSettings
from reelstack.storage.interfaces import Store

ANONYMOUS = "anonymous"
HOUR = 3600.0
TAG_CAP = 300
IGNORED_TYPES = frozenset({"search"})
# Positive signal of each engagement (a view adds its watch ratio above VIEW_FLOOR instead).
POSITIVE = {"like": 1.0, "share": 1.5, "comment": 0.8, "follow": 1.0, "click": 0.3}
VIEW_FLOOR = 0.3
# What a play is worth to popularity: its watch ratio plus these per like and share (the
# global ranking and the per-region one both use them).
POPULARITY_WEIGHTS = {"watch": 1.0, "like": 3.0, "share": 6.0}
# Trending velocity per event type.
VELOCITY = {"view": 1.0, "like": 3.0, "share": 5.0, "comment": 2.0, "follow": 2.0, "click": 0.5}
# Item counters, one array each.
COUNTERS = (
    "impressions",
    "plays",
    "watch_sum",
    "likes",
    "shares",
    "comments",
    "follows",
    "skips",
    "reports",
    "not_interested",
)


def decay(value: float, since: float, now: float, half_life: float) -> float:
    return value * math.exp2(-(now - since) / half_life) if now > since else value


def bump(table: dict[Any, list[float]], key: Any, delta: float, ts: float, hl: float) -> None:
    """Add ``delta`` at time ``ts`` to a decayed value kept as ``[value, time]``."""
    entry = table.get(key)
    if entry is None:
        table[key] = [delta, ts]
    elif ts >= entry[1]:
        entry[0] = decay(entry[0], entry[1], ts, hl) + delta
        entry[1] = ts
    else:  # late event: its signal has decayed already by the time we store
        entry[0] += decay(delta, ts, entry[1], hl)


def value_at(entry: list[float] | None, now: float, hl: float) -> float:
    return 0.0 if entry is None else decay(entry[0], entry[1], now, hl)


@dataclass(slots=True)
class UserState:
    user_id: str
    birth_year: int | None = None
    language: str | None = None
    region: str | None = None
    recent: deque[tuple[int, float, float]] = field(default_factory=deque)
    profile: np.ndarray | None = None
    profile_ts: float = 0.0
    skip_vector: np.ndarray | None = None
    skip_ts: float = 0.0
    tags: dict[str, list[float]] = field(default_factory=dict)
    creators: dict[int, list[float]] = field(default_factory=dict)
    creator_skips: dict[int, list[float]] = field(default_factory=dict)
    tag_skips: dict[str, list[float]] = field(default_factory=dict)
    seen: dict[int, float] = field(default_factory=dict)
    hidden: set[int] = field(default_factory=set)
    follows: set[int] = field(default_factory=set)
    languages: dict[int, float] = field(default_factory=dict)
    events: int = 0
    engaged: int = 0
    plays: int = 0
    watch_sum: float = 0.0
    likes: int = 0
    last_ts: float = 0.0
    version: int = 0

    @property
    def is_new(self) -> bool:
        return self.engaged == 0


class RealtimeState:
    """Users, item counters and co-engagement; every mutation under one lock."""

    def __init__(self, catalog: Catalog, settings: RecommendSettings, store: Store) -> None:
        self.catalog = catalog
        self.settings = settings
        self.store = store
        self.lock = threading.RLock()
        self.tail_lock = threading.Lock()
        self.users: dict[str, UserState] = {}
        self.seq = 0
        self.applied = 0
        self.log_now = 0.0  # the latest event time seen: the clock of decayed item values
        self.totals = dict.fromkeys(COUNTERS, 0.0)
        self.stats = {name: np.zeros(len(catalog.creator), np.float32) for name in COUNTERS}
        self.velocity = np.zeros(len(catalog.creator), np.float64)
        self.velocity_t0 = 0.0
        self.last_event = np.zeros(len(catalog.creator), np.float64)
        self.coengaged: dict[int, dict[int, float]] = {}
        # per user region: plays and popularity-weighted engagement of each item
        self.region_plays: dict[str, np.ndarray] = {}
        self.region_engagement: dict[str, np.ndarray] = {}
        self.revision = 0
        hl = settings
        self._user_hl = hl.user_half_life_h * HOUR
        self._fatigue_hl = hl.fatigue_half_life_h * HOUR
        self._velocity_hl = hl.velocity_half_life_h * HOUR

    # -- the log -----------------------------------------------------------------------------

    def catch_up(self, page: int = 5000, wait: bool = True) -> int:
        """Apply every event appended to the log since the last call; returns how many."""
        if not self.tail_lock.acquire(blocking=wait):
            return 0
        try:
            applied = 0
            while batch := self.store.read_events(after_seq=self.seq, limit=page):
                for seq, event in batch:
                    self.apply(event)  # the lock per event: feeds are served meanwhile
                    self.seq = seq
                applied += len(batch)
                if len(batch) < page:
                    break
            return applied
        finally:
            self.tail_lock.release()

    # -- applying one event ------------------------------------------------------------------

    def apply(self, event: Event) -> None:
        if event.type in IGNORED_TYPES:
            return
        with self.lock:
            idx = None
            if event.item_id:
                idx = self.catalog.ensure(self.store, event.item_id)
            ts = float(event.ts)
            self.log_now = max(self.log_now, ts)
            ratio = self._watch_ratio(event, idx)
            user = None
            if event.user_id and event.user_id != ANONYMOUS:
                user = self.user(event.user_id)
            if idx is not None:
                self._grow()
                self._count_item(event.type, idx, ts, ratio)
                if user is not None and user.region:
                    self._count_region(user.region, event.type, idx, ratio)
            if user is not None:
                self._apply_user(user, event, idx, ts, ratio)
            self.applied += 1
            self.revision += 1

    def _watch_ratio(self, event: Event, idx: int | None) -> float | None:
        if event.type not in ("view", "skip"):
            return None
        duration = event.duration_ms or 0
        if not duration and idx is not None:
            duration = int(self.catalog.duration_s[idx] * 1000)
        if event.watch_ms is None or duration <= 0:
            return 1.0 if event.type == "view" else 0.1
        return min(max(event.watch_ms / duration, 0.0), 1.0)

    def _count_item(self, kind: str, idx: int, ts: float, ratio: float | None) -> None:
        stats = self.stats
        counter = {
            "impression": "impressions",
            "like": "likes",
            "share": "shares",
            "comment": "comments",
            "follow": "follows",
            "report": "reports",
            "not_interested": "not_interested",
        }.get(kind)
        if counter:
            stats[counter][idx] += 1
            self.totals[counter] += 1
        if ratio is not None:
            stats["plays"][idx] += 1
            stats["watch_sum"][idx] += ratio
            self.totals["plays"] += 1
            self.totals["watch_sum"] += ratio
            if kind == "skip":
                stats["skips"][idx] += 1
                self.totals["skips"] += 1
        weight = VELOCITY.get(kind, 0.0)
        if weight:
            self._add_velocity(idx, weight, ts)
        self.last_event[idx] = max(self.last_event[idx], ts)

    def _count_region(self, region: str, kind: str, idx: int, ratio: float | None) -> None:
        """Plays and engagement by users of ``region``: what is popular there."""
        plays = self.region_plays.get(region)
        if plays is None:
            size = len(self.velocity)
            plays = self.region_plays[region] = np.zeros(size, np.float32)
            self.region_engagement[region] = np.zeros(size, np.float32)
        if ratio is not None:
            plays[idx] += 1
        worth = POPULARITY_WEIGHTS.get(kind, 0.0) + (ratio or 0.0) * POPULARITY_WEIGHTS["watch"]
        if worth:
            self.region_engagement[region][idx] += worth

    def _add_velocity(self, idx: int, weight: float, ts: float) -> None:
        if self.velocity_t0 == 0.0:
            self.velocity_t0 = ts
        exponent = (ts - self.velocity_t0) / self._velocity_hl
        if exponent > 60:  # move the reference time forward before values overflow
            self.velocity *= math.exp2(-exponent)
            self.velocity_t0, exponent = ts, 0.0
        self.velocity[idx] += weight * math.exp2(max(exponent, -60))

    def _apply_user(
        self, user: UserState, event: Event, idx: int | None, ts: float, ratio: float | None
    ) -> None:
        user.events += 1
        user.version += 1
        user.last_ts = max(user.last_ts, ts)
        if idx is None:
            return
        kind, catalog, hl = event.type, self.catalog, self._user_hl
        self._mark_seen(user, idx, ts)
        creator = int(catalog.creator[idx])
        tags = catalog.content[idx].tags
        vector = catalog.content_vector(idx)
        if ratio is not None:
            user.plays += 1
            user.watch_sum += ratio
        weight = POSITIVE.get(kind, 0.0)
        if kind == "view" and ratio is not None:
            weight = max(0.0, ratio - VIEW_FLOOR)
        if kind == "like":
            user.likes += 1
        if kind == "follow":
            user.follows.add(creator)
        if weight > 0:
            self._engage(user, idx, ts, weight, creator, tags, vector)
        if kind in ("skip", "not_interested", "report"):
            strength = {"skip": 1.0, "not_interested": 3.0, "report": 3.0}[kind]
            bump(user.creator_skips, creator, strength, ts, self._fatigue_hl)
            for tag in tags:
                bump(user.tag_skips, tag, strength, ts, self._fatigue_hl)
            if vector is not None:
                user.skip_vector, user.skip_ts = _add_vector(
                    user.skip_vector, user.skip_ts, vector * strength, ts, self._fatigue_hl
                )
        if kind in ("not_interested", "report"):
            user.hidden.add(idx)
            bump(user.creators, creator, -1.5, ts, hl)
            for tag in tags:
                bump(user.tags, tag, -0.5, ts, hl)
            if user.profile is not None and vector is not None:
                user.profile, user.profile_ts = _add_vector(
                    user.profile, user.profile_ts, -0.5 * vector, ts, hl
                )

    def _engage(
        self,
        user: UserState,
        idx: int,
        ts: float,
        weight: float,
        creator: int,
        tags: tuple[str, ...],
        vector: np.ndarray | None,
    ) -> None:
        hl = self._user_hl
        first = all(entry[0] != idx for entry in user.recent)
        if first:
            window = self.settings.coengagement_window_s
            for other, other_ts, _ in list(user.recent)[-8:]:
                if other != idx and abs(ts - other_ts) <= window:
                    self._co_engage(idx, other)
            user.engaged += 1
        user.recent.append((idx, ts, weight))
        while len(user.recent) > self.settings.recent_len:
            user.recent.popleft()
        bump(user.creators, creator, weight, ts, hl)
        for tag in tags:
            bump(user.tags, tag, weight, ts, hl)
        if len(user.tags) > TAG_CAP:
            keep = sorted(user.tags.items(), key=lambda kv: -abs(kv[1][0]))[: TAG_CAP * 2 // 3]
            user.tags = dict(keep)
        language = int(self.catalog.language[idx])
        user.languages[language] = user.languages.get(language, 0.0) + weight
        if vector is not None:
            user.profile, user.profile_ts = _add_vector(
                user.profile, user.profile_ts, weight * vector, ts, hl
            )

    def _co_engage(self, a: int, b: int) -> None:
        cap = self.settings.coengagement_cap
        for x, y in ((a, b), (b, a)):
            neighbours = self.coengaged.setdefault(x, {})
            neighbours[y] = neighbours.get(y, 0.0) + 1.0
            if len(neighbours) > 2 * cap:
                top = sorted(neighbours.items(), key=lambda kv: -kv[1])[:cap]
                self.coengaged[x] = dict(top)

    def _mark_seen(self, user: UserState, idx: int, ts: float) -> None:
        seen = user.seen
        seen.pop(idx, None)
        seen[idx] = ts
        cap = self.settings.seen_cap
        if len(seen) > cap:
            for old in list(seen)[: len(seen) - cap * 9 // 10]:
                del seen[old]

    # -- users and items ---------------------------------------------------------------------

    def user(self, user_id: str) -> UserState:
        """The state of ``user_id`` (created empty, with age and language from the store)."""
        with self.lock:
            state = self.users.get(user_id)
            if state is None:
                state = self.users[user_id] = UserState(user_id)
                try:
                    record = self.store.get_user(user_id)
                    state.birth_year, state.language = record.birth_year, record.language
                    state.region = record.region
                except NotFound:
                    pass
            return state

    def known_user(self, user_id: str) -> UserState | None:
        return self.users.get(user_id)

    def _grow(self) -> None:
        size = len(self.catalog.creator)
        if len(self.velocity) >= size:
            return
        for table in (self.stats, self.region_plays, self.region_engagement):
            for name, array in table.items():
                grown = np.zeros(size, np.float32)
                grown[: len(array)] = array
                table[name] = grown
        for name in ("velocity", "last_event"):
            array = getattr(self, name)
            grown = np.zeros(size, np.float64)
            grown[: len(array)] = array
            setattr(self, name, grown)

    def item_array(self, name: str, size: int) -> np.ndarray:
        """Counter ``name`` padded to ``size`` items (items nobody has touched yet are 0)."""
        array = self.stats[name] if name in self.stats else getattr(self, name)
        if len(array) >= size:
            return array
        padded = np.zeros(size, array.dtype)
        padded[: len(array)] = array
        return padded

    def now(self) -> float:
        """The clock of decayed item values: the latest event time, or the wall clock."""
        return self.log_now or clock.now()

    def priors(self) -> dict[str, float]:
        """Global rates that smoothed per-item rates start from."""
        plays = max(self.totals["plays"], 1.0)
        return {
            "completion": self.totals["watch_sum"] / plays if self.totals["plays"] else 0.5,
            "like": (self.totals["likes"] + 1) / (plays + 10),
            "share": (self.totals["shares"] + 0.2) / (plays + 10),
            "skip": self.totals["skips"] / plays if self.totals["plays"] else 0.3,
            "report": (self.totals["reports"] + 0.01) / (plays + 10),
        }

    def summary(self) -> dict[str, Any]:
        return {
            "users": len(self.users),
            "events_applied": self.applied,
            "log_seq": self.seq,
            "items_with_events": int(np.count_nonzero(self.last_event)),
            "coengaged_items": len(self.coengaged),
        }


def _add_vector(
    current: np.ndarray | None, since: float, delta: np.ndarray, ts: float, hl: float
) -> tuple[np.ndarray, float]:
    """A decayed vector sum: ``current`` (as of ``since``) plus ``delta`` at ``ts``."""
    if current is None:
        return delta.astype(np.float32), ts
    if ts >= since:
        return (current * math.exp2(-(ts - since) / hl) + delta).astype(np.float32), ts
    return (current + delta * math.exp2(-(since - ts) / hl)).astype(np.float32), since
