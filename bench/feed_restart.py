"""Recommender restart time: a full replay of the log against a snapshot plus the tail.

Protocol: a synthetic platform built as ``bench/feed_latency.py`` builds it (``--items``
posts with 384-d vectors, ``--users`` users, two interest-driven sessions each, a trained
ranker), or a data dir kept by it (``--data``). In this process, on the same store:

1. cold start, snapshots off: catalogue from the store + the whole event log replayed (what
   every start cost before snapshots), then the ANN indexes built;
2. a snapshot saved (``RecommendService.snapshot``): time and size on disk;
3. ``--tail`` more events appended to the log, as if written while the server was down;
4. warm start from the snapshot: arrays and ANN files loaded, only the tail replayed; then
   the background reconciliation of the catalogue with the store;
5. a check that both starts hold the same state (events applied, users, a feed).

Figures only; nothing is asserted. Run: ``.venv/bin/python bench/feed_restart.py --data DIR``
(``--quick`` for a 10k-post, 1k-user platform built on the fly).
"""

from __future__ import annotations

import argparse
import os
import platform as host
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from reelstack.config import Settings
from reelstack.core import clock
from reelstack.core.records import Event
from reelstack.recommend.service import RecommendService
from reelstack.recommend.settings import RecommendSettings
from reelstack.runtime.platform import Platform

sys.path.insert(0, str(Path(__file__).parent))
from feed_latency import RUN, build, existing  # the same synthetic platform


def start(platform: Platform, snapshot: bool) -> tuple[RecommendService, float]:
    began = time.perf_counter()
    settings = RecommendSettings(snapshot=snapshot, snapshot_every_s=0)
    service = RecommendService(
        platform.store, platform.stream, platform.settings.data_dir, settings
    )
    return service, time.perf_counter() - began


def append_tail(platform: Platform, service: RecommendService, count: int) -> None:
    """``count`` views and likes by known users, straight into the log (no stream message)."""
    rng, now = random.Random(3), clock.now()
    users, items = list(service.state.users), service.catalog.ids
    events = [
        Event(
            event_id=f"tail-{RUN}-{n}",
            type=rng.choice(["view", "like", "impression"]),
            user_id=rng.choice(users),
            item_id=rng.choice(items),
            ts=now - rng.uniform(0, 3600),
            watch_ms=rng.randrange(20_000),
            duration_ms=20_000,
            received_at=now,
        )
        for n in range(count)
    ]
    for first in range(0, count, 10_000):
        platform.store.append_events(events[first : first + 10_000])


def size_mb(directory: Path) -> float:
    return sum(p.stat().st_size for p in directory.glob("*") if p.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--topics", type=int, default=200)
    parser.add_argument("--sessions", type=int, default=2)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--tail", type=int, default=20_000, help="Events written while down.")
    parser.add_argument("--quick", action="store_true", help="10k posts, 1k users.")
    parser.add_argument("--data", type=Path, help="A data dir kept by bench/feed_latency.py.")
    args = parser.parse_args()
    if args.quick:
        args.items, args.users, args.topics = 10_000, 1_000, 50
    shm = Path("/dev/shm")
    data = args.data or Path(
        tempfile.mkdtemp(prefix="reelstack-restart-", dir=shm if shm.is_dir() else None)
    )
    print(
        f"machine: {host.processor() or host.machine()}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f}; Python {sys.version.split()[0]}; data {data}"
    )
    try:
        if args.data:
            items, handles = existing(data)
            print(f"reusing {data}: {len(items):,} posts, {len(handles):,} users")
        else:
            build(data, args)
        measure(data, args.tail)
    finally:
        if not args.data:
            shutil.rmtree(data, ignore_errors=True)


def measure(data: Path, tail: int) -> None:
    with Platform.open(Settings(data_dir=data)) as platform:
        cold, cold_s = start(platform, snapshot=False)
        began = time.perf_counter()
        cold.catalog.warm()
        ann_s = time.perf_counter() - began
        print(
            f"cold start (catalogue + full replay of {cold.state.applied:,} events): "
            f"{cold_s:.1f}s; ANN indexes built in {ann_s:.1f}s more"
        )
        saved = cold.snapshot(force=True)
        directory = cold.snapshots.path.parent
        print(f"snapshot saved in {saved['seconds']:.1f}s, {size_mb(directory):.0f} MB on disk")
        append_tail(platform, cold, tail)
        cold.state.catch_up()
        warm, warm_s = start(platform, snapshot=True)
        print(
            f"warm start (snapshot + {warm.start['events_replayed']:,} events of tail): "
            f"{warm_s:.1f}s; ANN from snapshot: {warm.start['ann_from_snapshot']}"
        )
        deadline = time.monotonic() + 600
        while "reconciled" not in warm.start and time.monotonic() < deadline:
            time.sleep(0.2)
        reconciled = warm.start.get("reconciled", {})
        print(
            f"background reconciliation with the store: {reconciled.get('seconds', '?')}s "
            f"({reconciled.get('changed', '?')} items changed)"
        )
        user = next(iter(cold.state.users))
        same_feed = cold.feed(user, k=10)["items"] == warm.feed(user, k=10)["items"]
        print(
            f"same state: events {cold.state.applied:,} / {warm.state.applied:,}, users "
            f"{len(cold.state.users):,} / {len(warm.state.users):,}, same feed: {same_feed}"
        )
        print(f"restart speed-up: {cold_s + ann_s:.1f}s → {warm_s:.1f}s")
        cold.close()
        warm.close()


if __name__ == "__main__":
    main()
