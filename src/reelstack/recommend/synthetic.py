"""A synthetic platform for tests and benchmarks: topic-clustered posts, users with interests.

Posts are text posts whose ``embed`` feature is a vector near their topic's centre (plus the
direction every vector shares, as real text embeddings have), with a topic hashtag, a creator
who mostly posts on one topic, a language and a latent quality. Users have 1–3 weighted
interests; `react` says what a user does with a post it is shown (watch ratio, like, share,
comment, follow, skip, not interested) the way `reelstack.demo.population` does for the demo.
The topic is ground truth for tests and benchmarks only: the recommender never reads it.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

import numpy as np

from reelstack.core.ids import new_id
from reelstack.core.records import Creator, Feature, Item
from reelstack.storage.interfaces import Store
from reelstack.understand import vectors

LANGUAGES = {"en": 0.6, "zh": 0.15, "th": 0.1, "vi": 0.08, "id": 0.07}
SKIP_RATIO = 0.25


@dataclass(slots=True)
class World:
    item_ids: list[str]
    topics: list[int]  # per item
    creators: list[str]  # creator id per item
    languages: list[str]
    quality: list[float]
    durations_s: list[float]
    created_at: list[float]
    n_topics: int
    by_topic: dict[int, list[int]] = field(default_factory=dict)

    def index_of(self) -> dict[str, int]:
        return {item_id: n for n, item_id in enumerate(self.item_ids)}


@dataclass(frozen=True, slots=True)
class Persona:
    handle: str
    language: str
    interests: dict[int, float]


def topic_vectors(n_topics: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    centres = rng.standard_normal((n_topics, dim)).astype(np.float32)
    return centres / np.linalg.norm(centres, axis=1, keepdims=True)


def build_world(
    store: Store,
    *,
    n_items: int,
    n_topics: int = 20,
    n_creators: int | None = None,
    dim: int = 384,
    seed: int = 7,
    now: float,
    max_age_days: float = 30.0,
    embed: bool = True,
    languages: dict[str, float] | None = None,
) -> World:
    """Insert ``n_items`` posts (with creators and an ``embed`` feature each) into ``store``."""
    rng = np.random.default_rng(seed)
    prng = random.Random(seed)
    centres = topic_vectors(n_topics, dim, rng)
    shared = rng.standard_normal(dim).astype(np.float32)
    shared /= np.linalg.norm(shared)
    n_creators = n_creators or max(2, n_items // 25)
    creators = [
        store.upsert_creator(Creator(id=new_id("cre"), handle=f"syn_{seed}_{c}", created_at=now))
        for c in range(n_creators)
    ]
    pool = languages or LANGUAGES
    names, weights = list(pool), list(pool.values())
    world = World([], [], [], [], [], [], [], n_topics)
    for n in range(n_items):
        creator_no = prng.randrange(n_creators)
        home = creator_no % n_topics
        topic = home if prng.random() < 0.8 else prng.randrange(n_topics)
        language = prng.choices(names, weights)[0]
        created = now - prng.uniform(0, max_age_days * 86400)
        digest = hashlib.sha256(f"syn:{seed}:{n}".encode()).hexdigest()
        item = Item(
            id=new_id("itm"),
            kind="text",
            content_hash=digest,
            creator_id=creators[creator_no].id,
            caption=f"post {n} about topic {topic}",
            hashtags=[f"topic{topic}"],
            language=language,
            created_at=created,
            ingested_at=created,
        )
        store.insert_item(item)
        if embed:
            noise = rng.standard_normal(dim).astype(np.float32) / np.sqrt(dim)
            vector = 1.0 * centres[topic] + 0.9 * shared + 0.8 * noise
            vector /= np.linalg.norm(vector)
            store.put_feature(
                Feature(
                    item_id=item.id,
                    stage="embed",
                    model_name="synthetic",
                    model_version="1",
                    value={"vector": vectors.encode(vector)},
                    created_at=created,
                )
            )
        world.item_ids.append(item.id)
        world.topics.append(topic)
        world.creators.append(item.creator_id)
        world.languages.append(language)
        world.quality.append(prng.betavariate(2, 3))
        world.durations_s.append(prng.uniform(6, 60))
        world.created_at.append(created)
        world.by_topic.setdefault(topic, []).append(n)
    return world


def personas(n: int, n_topics: int, seed: int = 7) -> list[Persona]:
    rng = random.Random(f"personas:{seed}")
    popularity = [1.0 / (1 + t) ** 0.5 for t in range(n_topics)]
    languages, weights = list(LANGUAGES), list(LANGUAGES.values())
    found = []
    for number in range(n):
        picked = dict.fromkeys(rng.choices(range(n_topics), popularity, k=rng.randint(1, 3)))
        raw = {t: rng.uniform(0.5, 1.0) for t in picked}
        total = sum(raw.values())
        found.append(
            Persona(
                f"syn{seed}_user{number:05d}",
                rng.choices(languages, weights)[0],
                {t: w / total for t, w in raw.items()},
            )
        )
    return found


def react(
    persona: Persona, world: World, n: int, rng: random.Random
) -> list[tuple[str, int | None]]:
    """What ``persona`` does with post ``n``: [(type, watch_ms)], the play first."""
    interest = persona.interests.get(world.topics[n], 0.0)
    language = 1.0 if world.languages[n] in (persona.language, "en") else 0.6
    match = min(1.0, (0.15 + interest * 1.7) * language)
    quality = world.quality[n]
    ratio = min(rng.betavariate(0.5 + 4 * match * (0.5 + quality), 2.0) * 1.4, 1.0)
    duration_ms = int(world.durations_s[n] * 1000)
    out: list[tuple[str, int | None]] = [
        ("skip" if ratio < SKIP_RATIO else "view", int(ratio * duration_ms))
    ]
    if ratio < SKIP_RATIO and interest == 0 and rng.random() < 0.08:
        out.append(("not_interested", None))
    appeal = match * (0.4 + quality) * ratio
    for kind, chance in (
        ("like", 0.02 + 0.35 * appeal),
        ("share", 0.005 + 0.08 * appeal),
        ("comment", 0.005 + 0.06 * appeal),
        ("follow", 0.002 + 0.03 * appeal),
    ):
        if rng.random() < chance:
            out.append((kind, None))
    return out


def engaged(reactions: list[tuple[str, int | None]], duration_ms: int) -> bool:
    """An engaged impression: a like, share, comment or follow, or watched at least half."""
    for kind, watch in reactions:
        if kind in ("like", "share", "comment", "follow"):
            return True
        if kind == "view" and watch is not None and watch >= duration_ms * 0.5:
            return True
    return False


def session_events(
    persona: Persona,
    world: World,
    shown: list[int],
    start: float,
    rng: random.Random,
    request_id: str,
    prefix: str,
) -> tuple[list[dict], float, int]:
    """Events (API shape) of one session over the posts ``shown``; returns (events, end time,
    engaged impressions)."""
    events: list[dict] = []
    now, engaged_count = start, 0
    for position, n in enumerate(shown):
        context = {"surface": "feed", "position": position, "request_id": request_id}
        duration_ms = int(world.durations_s[n] * 1000)
        reactions = react(persona, world, n, rng)
        engaged_count += engaged(reactions, duration_ms)
        steps: list[tuple[str, int | None, float]] = [("impression", None, now)]
        now += max((reactions[0][1] or 0) / 1000.0, 0.2)
        for kind, watch in reactions:
            steps.append((kind, watch, now))
            now += rng.uniform(0.2, 1.0)
        for kind, watch, ts in steps:
            event = {
                "event_id": f"{prefix}-{len(events)}",
                "type": kind,
                "ts": round(ts, 3),
                "user": persona.handle,
                "item": world.item_ids[n],
                "context": context,
            }
            if watch is not None:
                event.update(watch_ms=watch, duration_ms=duration_ms)
            events.append(event)
    return events, now, engaged_count


def browse(persona: Persona, world: World, rng: random.Random, k: int) -> list[int]:
    """Posts a user would be shown by an interest-aware platform (for a training log): 60%
    from an interest (quality-weighted), the rest popular-ish or random."""
    shown: list[int] = []
    k = min(k, len(world.item_ids))
    topics, weights = list(persona.interests), list(persona.interests.values())
    while len(shown) < k:
        roll = rng.random()
        if roll < 0.6:
            pool = world.by_topic.get(rng.choices(topics, weights)[0]) or [0]
            n = max(rng.sample(pool, min(3, len(pool))), key=lambda i: world.quality[i])
        else:
            n = rng.randrange(len(world.item_ids))
        if n not in shown:
            shown.append(n)
    return shown


def history(
    world: World, *, users: int, sessions: int, now: float, seed: int = 1, days: float = 3.0
) -> list[dict]:
    """Interest-driven events (API shape) of ``users`` personas over the ``days`` before
    ``now``, sorted by time: a log to train on."""
    rng = random.Random(f"history:{seed}")
    start = now - (days + 1) * 86400
    events: list[dict] = []
    for n, persona in enumerate(personas(users, world.n_topics, seed=seed)):
        for s in range(sessions):
            shown = browse(persona, world, rng, 12)
            begin = start + rng.uniform(0, days * 86400)
            tag = f"h{seed}-{n}-{s}"
            events += session_events(persona, world, shown, begin, rng, tag, tag)[0]
    events.sort(key=lambda e: e["ts"])
    return events


def topics_of(world: World, item_ids: list[str]) -> list[int]:
    index = world.index_of()
    return [world.topics[index[item_id]] for item_id in item_ids]
