"""Does the feed learn? Engaged share per page over a simulated user's first sessions.

Protocol: one catalogue of ``--items`` posts on the demo's 12 topics (topic-clustered
vectors, topic hashtags, creators who mostly post on one topic, the demo's languages), copied
into two platforms. Both get the same background log: the demo simulator's
(`reelstack.demo.population`) 300 users browsing with its own interest-aware picker. The
ReelStack arm then trains its ranker on that log. Then ``--users`` *new* users from the
demo simulator (different seed) each run ``--sessions`` sessions of ``--pages`` pages of 10:
each page comes from the arm's feed, the user reacts to every post with the demo simulator's
watch/reaction model, and the events go back through the event API before the next page.

Arms: **reelstack** (``RecommendService.feed``) and **popularity** (the most engaged posts
overall that the user has not seen: plays × smoothed completion and likes, from the same
kind of state). Engaged = liked, shared, commented, followed, or watched at least half.
Printed: engaged share per session for both arms, and per page within the first session.

Run: ``.venv/bin/python bench/feed_simulation.py`` (about a minute at the defaults).
"""

from __future__ import annotations

import argparse
import os
import platform as host
import random
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from reelstack.config import Settings
from reelstack.core import clock
from reelstack.demo import population, vocab
from reelstack.demo.assets import TOPICS
from reelstack.recommend import synthetic
from reelstack.recommend.recall.popular import PopularInLanguage
from reelstack.runtime.platform import Platform

TOPIC_NAMES = list(TOPICS)


def sim_items(world: synthetic.World) -> list[population.SimItem]:
    return [
        population.SimItem(
            item_id=world.item_ids[n],
            topic=TOPIC_NAMES[world.topics[n]],
            creator=world.creators[n],
            language=world.languages[n],
            duration_s=world.durations_s[n],
            created_at=world.created_at[n],
        )
        for n in range(len(world.item_ids))
    ]


def react(
    user: population.SimUser, item: population.SimItem, quality: float, rng: random.Random
) -> tuple[list[str], float]:
    watched = population._watch_seconds(user, item, quality, rng)
    return population._reactions(user, item, quality, rng, watched), watched


def engaged(kinds: list[str], watched: float, item: population.SimItem) -> bool:
    if {"like", "share", "comment", "follow"} & set(kinds):
        return True
    return "view" in kinds and watched >= 0.5 * item.duration_s


def run_arm(
    name: str,
    platform: Platform,
    users: list[population.SimUser],
    items: dict,
    quality: dict[str, float],
    args: argparse.Namespace,
) -> tuple[dict[int, list[float]], dict[int, list[float]]]:
    service = platform.recommend
    popular = PopularInLanguage(service.state)
    by_session: dict[int, list[float]] = defaultdict(list)
    by_page: dict[int, list[float]] = defaultdict(list)
    rng = random.Random(f"arm:{args.seed}")  # the same reaction draws for both arms
    now = clock.now()
    for user in users:
        seen: set[str] = set()
        for session in range(args.sessions):
            cursor = None
            for page in range(args.pages):
                if name == "reelstack":
                    response = service.feed(user.handle, k=10, cursor=cursor)
                    shown, cursor = [i["id"] for i in response["items"]], response["cursor"]
                else:
                    shown = popularity_page(popular, service, seen, 10)
                events, hits = [], 0
                for position, item_id in enumerate(shown):
                    item = items[item_id]
                    kinds, watched = react(user, item, quality[item_id], rng)
                    hits += engaged(kinds, watched, item)
                    context = {
                        "surface": "feed",
                        "position": position,
                        "request_id": f"{user.handle}-{session}-{page}",
                    }
                    events.append(
                        {
                            "event_id": f"{user.handle}-{session}-{page}-{position}-i",
                            "type": "impression",
                            "user": user.handle,
                            "item": item_id,
                            "ts": now,
                            "context": context,
                        }
                    )
                    for kind in kinds:
                        event = {
                            "event_id": f"{user.handle}-{session}-{page}-{position}-{kind}",
                            "type": kind,
                            "user": user.handle,
                            "item": item_id,
                            "ts": now,
                            "context": context,
                        }
                        if kind in ("view", "skip"):
                            event.update(
                                watch_ms=int(watched * 1000),
                                duration_ms=int(item.duration_s * 1000),
                            )
                        events.append(event)
                    seen.add(item_id)
                result = service.ingest(events)
                assert not result.errors, result.errors[:3]
                share = hits / max(len(shown), 1)
                by_session[session].append(share)
                if session == 0:
                    by_page[page].append(share)
    return by_session, by_page


def popularity_page(popular: PopularInLanguage, service, seen: set[str], k: int) -> list[str]:
    ranked = popular.rankings()[-1][0]
    page = []
    for idx in ranked.tolist():
        item_id = service.catalog.ids[idx]
        if item_id not in seen:
            page.append(item_id)
            if len(page) == k:
                break
    return page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--background-users", type=int, default=300)
    parser.add_argument("--users", type=int, default=150)
    parser.add_argument("--sessions", type=int, default=5)
    parser.add_argument("--pages", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    root = Path(
        tempfile.mkdtemp(
            prefix="reelstack-feed-sim-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None
        )
    )
    print(f"machine: {host.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    started = time.perf_counter()
    now = clock.now()
    arms: dict[str, tuple[Platform, synthetic.World]] = {}
    try:
        with Platform.open(Settings(data_dir=root / "reelstack")) as platform:
            world = synthetic.build_world(
                platform.store,
                n_items=args.items,
                n_topics=len(TOPIC_NAMES),
                seed=args.seed,
                now=now,
                languages=vocab.LANGUAGE_WEIGHTS,
                max_age_days=10,
            )
        shutil.copytree(root / "reelstack", root / "popularity")  # the same posts and ids
        for name in ("reelstack", "popularity"):
            arms[name] = (Platform.open(Settings(data_dir=root / name)), world)
        items = {i.item_id: i for i in sim_items(world)}
        quality = dict(zip(world.item_ids, world.quality, strict=True))
        background = population.simulate_events(
            population.make_users(args.background_users, seed=args.seed),
            list(items.values()),
            seed=args.seed,
            start_ts=now - 9 * 86400,
            days=8,
        )
        for platform, _ in arms.values():
            for start in range(0, len(background), 1000):
                result = platform.recommend.ingest(background[start : start + 1000])
                assert not result.errors, result.errors[:3]
        manifest = arms["reelstack"][0].recommend.train()
        print(
            f"catalogue {args.items} posts on {len(TOPIC_NAMES)} topics; background log "
            f"{len(background):,} events of {args.background_users} demo users; ranker "
            f"{manifest['version']} on {manifest['rows']:,} exposures "
            f"(like AUC {manifest['metrics']['like']['auc']}, skip AUC "
            f"{manifest['metrics']['skip']['auc']})"
        )
        users = [
            population.SimUser(f"new{u.handle}", u.language, u.region, u.birth_year, u.interests)
            for u in population.make_users(args.users, seed=args.seed + 1000)
        ]
        results = {}
        for name, (platform, _) in arms.items():
            results[name] = run_arm(name, platform, users, items, quality, args)
        print(
            f"\n{args.users} new demo users, {args.sessions} sessions × {args.pages} pages "
            "of 10; engaged share of impressions (mean over users):"
        )
        print(f"{'session':>8} {'reelstack':>10} {'popularity':>11}")
        for session in range(args.sessions):
            a, b = (np.mean(results[n][0][session]) for n in ("reelstack", "popularity"))
            print(f"{session + 1:>8} {a:>10.3f} {b:>11.3f}")
        print("first session, per page:")
        for page in range(args.pages):
            a, b = (np.mean(results[n][1][page]) for n in ("reelstack", "popularity"))
            print(f"{'page ' + str(page + 1):>8} {a:>10.3f} {b:>11.3f}")
        ranker = arms["reelstack"][0].recommend.ranker_info()
        print(
            f"ranker in use: {ranker['kind']} {ranker['version']}; "
            f"took {time.perf_counter() - started:.0f}s"
        )
    finally:
        for platform, _ in arms.values():
            platform.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
