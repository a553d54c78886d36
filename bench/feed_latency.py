"""Feed latency, event throughput and event → feed freshness over real HTTP on loopback.

Protocol: a synthetic platform (``--items`` text posts on ``--topics`` topics with 384-d
vectors, ``--users`` users with 1–3 interests, ``--sessions`` interest-driven sessions each
from `reelstack.recommend.synthetic`) is written to a data dir (tmpfs when there is one), the
ranker is trained on that log, and ``reelstack serve`` is started in a subprocess. Then:

1. start-up: the first feed request (catalogue + state rebuilt from the log, or loaded from
   the snapshot a previous run saved at shutdown with ``--keep``/``--data``), then the
   background work (ANN indexes, reconciling a restored catalogue) before any load;
2. ``GET /v1/feed?user=…&k=10`` from 1 and 8 closed-loop clients (keep-alive connections,
   threads in this process — they share the machine's cores with the server) for
   ``--seconds`` each: p50/p99/max and requests/s; 10% of requests are anonymous;
3. ``POST /v1/events`` in batches of 100 from 1 and 4 clients: events/s stored;
4. freshness: like the post at the top of a user's feed, then poll the feed until it changed:
   time from sending the event to the first changed feed.

Figures only; nothing is asserted. Run: ``.venv/bin/python bench/feed_latency.py``
(``--quick`` for a 10k-item, 1k-user version).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform as host
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from reelstack.config import Settings
from reelstack.core import clock
from reelstack.core.ids import new_id
from reelstack.core.records import Event, User
from reelstack.recommend import synthetic
from reelstack.runtime.platform import Platform
from reelstack.storage.paging import iter_items
from reelstack.testing.server import serving

RUN = new_id("run")  # event ids unique across runs on a reused data dir


def existing(data: Path) -> tuple[list[str], list[str]]:
    """Item ids and user handles of a data dir built before (``--keep``)."""
    with Platform.open(Settings(data_dir=data)) as platform:
        items = [item.id for item in iter_items(platform.store)]
        handles, after = [], None
        while page := platform.store.list_users(limit=1000, after=after):
            handles += [u.handle for u in page]
            after = page[-1].id
    return items, handles


def build(data: Path, args: argparse.Namespace) -> tuple[list[str], list[str]]:
    now = clock.now()
    started = time.perf_counter()
    with Platform.open(Settings(data_dir=data)) as platform:
        world = synthetic.build_world(
            platform.store,
            n_items=args.items,
            n_topics=args.topics,
            dim=args.dim,
            now=now,
            max_age_days=14,
        )
        print(f"  {args.items:,} posts with vectors in {time.perf_counter() - started:.0f}s")
        started = time.perf_counter()
        events = synthetic.history(world, users=args.users, sessions=args.sessions, now=now, days=7)
        handles = sorted({e["user"] for e in events})
        ids = {}
        for handle in handles:
            user = User(id=new_id("usr"), handle=handle, created_at=now)
            ids[handle] = platform.store.upsert_user(user).id
        records = [
            Event(
                event_id=e["event_id"],
                type=e["type"],
                user_id=ids[e["user"]],
                item_id=e["item"],
                ts=e["ts"],
                watch_ms=e.get("watch_ms"),
                duration_ms=e.get("duration_ms"),
                context=e["context"],
                received_at=e["ts"],
            )
            for e in events
        ]
        for start in range(0, len(records), 20_000):
            platform.store.append_events(records[start : start + 20_000])
        print(
            f"  {len(records):,} events of {len(handles):,} users in "
            f"{time.perf_counter() - started:.0f}s"
        )
        started = time.perf_counter()
        manifest = platform.recommend.train()
        print(
            f"  ranker {manifest['version']} on {manifest['rows']:,} exposures in "
            f"{time.perf_counter() - started:.0f}s (replay {manifest['seconds']['replay']}s, "
            f"fit {manifest['seconds']['fit']}s); validation: "
            + ", ".join(
                f"{h} "
                + ", ".join(f"{k} {v}" for k, v in m.items() if k in ("auc", "rmse", "rmse_mean"))
                for h, m in manifest["metrics"].items()
            )
        )
    return world.item_ids, handles


class Client:
    def __init__(self, base: str, timeout: float = 60) -> None:
        self.host, self.port = base.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(self.host, int(self.port), timeout=timeout)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"content-type": "application/json"} if payload else {}
        self.conn.request(method, path, body=payload, headers=headers)
        response = self.conn.getresponse()
        return response.status, json.loads(response.read())


def ready(stats: dict) -> bool:
    """ANN indexes up, and a restored catalogue reconciled with the store (background)."""
    start = stats["start"]
    return stats["ann_ready"] and (not start["snapshot"] or "reconciled" in start)


def feed_load(base: str, handles: list[str], clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def run(n: int) -> None:
        rng = random.Random(n)
        client, mine = Client(base), []
        while time.perf_counter() < stop:
            user = "" if rng.random() < 0.1 else f"&user={rng.choice(handles)}"
            began = time.perf_counter()
            status, _ = client.request("GET", f"/v1/feed?k=10{user}")
            mine.append(time.perf_counter() - began)
            if status != 200:
                errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ms = sorted(x * 1000 for x in latencies)
    return {
        "clients": clients,
        "requests": len(ms),
        "rps": round(len(ms) / seconds, 1),
        "p50_ms": round(ms[len(ms) // 2], 1),
        "p99_ms": round(ms[int(len(ms) * 0.99)], 1),
        "max_ms": round(ms[-1], 1),
        "errors": errors[0],
    }


def event_load(
    base: str, items: list[str], handles: list[str], clients: int, seconds: float
) -> dict:
    stored = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def run(n: int) -> None:
        rng, client, count, batch_no = random.Random(100 + n), Client(base), 0, 0
        while time.perf_counter() < stop:
            now = clock.now()
            batch = []
            for m in range(100):
                item = rng.randrange(len(items))
                event = {
                    "event_id": f"bench-{RUN}-{clients}-{n}-{batch_no}-{m}",
                    "type": rng.choice(["impression", "view", "like", "skip"]),
                    "user": rng.choice(handles),
                    "item": items[item],
                    "ts": now,
                }
                if event["type"] in ("view", "skip"):
                    event.update(duration_ms=20_000, watch_ms=rng.randrange(20_000))
                batch.append(event)
            status, body = client.request("POST", "/v1/events", {"events": batch})
            count += body.get("stored", 0) if status == 200 else 0
            batch_no += 1
        with lock:
            stored[0] += count

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"clients": clients, "batch": 100, "events_per_s": round(stored[0] / seconds)}


def freshness(base: str, handles: list[str], trials: int) -> dict:
    client, rng = Client(base), random.Random(5)
    took, posts = [], []
    for trial in range(trials):
        user = rng.choice(handles)
        _, before = client.request("GET", f"/v1/feed?k=10&user={user}")
        top = before["items"][0]["id"]
        began = time.perf_counter()
        client.request(
            "POST",
            "/v1/events",
            {
                "events": [
                    {
                        "event_id": f"fresh-{RUN}-{trial}",
                        "type": "like",
                        "user": user,
                        "item": top,
                        "ts": clock.now(),
                    }
                ]
            },
        )
        posts.append(time.perf_counter() - began)
        while time.perf_counter() - began < 5:
            _, after = client.request("GET", f"/v1/feed?k=10&user={user}")
            if [i["id"] for i in after["items"]] != [i["id"] for i in before["items"]]:
                break
        took.append(time.perf_counter() - began)
    ms = sorted(t * 1000 for t in took)
    return {
        "trials": trials,
        "median_ms": round(statistics.median(ms), 1),
        "max_ms": round(ms[-1], 1),
        "post_median_ms": round(statistics.median(posts) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--topics", type=int, default=200)
    parser.add_argument("--sessions", type=int, default=2, help="Sessions per user in the log.")
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--seconds", type=float, default=20.0, help="Per load level.")
    parser.add_argument("--quick", action="store_true", help="10k posts, 1k users, 8 s levels.")
    parser.add_argument("--keep", action="store_true", help="Keep the data dir.")
    parser.add_argument("--data", type=Path, help="Reuse a data dir kept by an earlier run.")
    args = parser.parse_args()
    if args.quick:
        args.items, args.users, args.topics, args.seconds = 10_000, 1_000, 50, 8.0
    shm = Path("/dev/shm")
    data = args.data or Path(
        tempfile.mkdtemp(prefix="reelstack-feed-bench-", dir=shm if shm.is_dir() else None)
    )
    print(
        f"machine: {host.processor() or host.machine()}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f}; Python {sys.version.split()[0]}; data {data}"
    )
    print("building the platform:")
    try:
        if args.data:
            items, handles = existing(data)
            print(f"  reusing {data}: {len(items):,} posts, {len(handles):,} users")
        else:
            items, handles = build(data, args)
        with serving("serve", data, "--open-access", timeout=120) as base:
            client = Client(base, timeout=1800)  # the first request builds the state
            began = time.perf_counter()
            status, body = client.request("GET", "/v1/feed?k=10")
            first_s = time.perf_counter() - began
            while not ready(stats := client.request("GET", "/v1/recommend/stats")[1]):
                time.sleep(0.5)
            start = stats["start"]
            print(
                f"start-up (first feed): {first_s:.1f}s, status {status}, ranker "
                f"{body.get('ranker', {}).get('version')}; "
                + (
                    f"from a snapshot + {start['events_replayed']:,} events of tail"
                    if start["snapshot"]
                    else f"catalogue + all {start['events_replayed']:,} events replayed"
                )
            )
            print(
                f"  ANN indexes {'from the snapshot' if start['ann_from_snapshot'] else 'built'}"
                f" and the store checked {time.perf_counter() - began:.1f}s after the first "
                "request (background)"
            )
            print(
                f"  state: {stats['items']:,} items, {stats['users']:,} users, "
                f"{stats['events_applied']:,} events, ANN {stats['ann_backend']}"
            )
            for clients in (1, 8):
                feed_load(base, handles, clients, 2.0)  # warm-up
                print("GET /v1/feed", json.dumps(feed_load(base, handles, clients, args.seconds)))
            for clients in (1, 4):
                print(
                    "POST /v1/events",
                    json.dumps(event_load(base, items, handles, clients, args.seconds / 2)),
                )
            print("freshness (event → changed feed)", json.dumps(freshness(base, handles, 30)))
    finally:
        if not args.keep and not args.data:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
