"""``reelstack demo``: build (once, cached in the data dir) a realistic platform to explore.

Corpus → ingest through the normal ingest path → users → simulated events → ads (a few more
image ads, then ad review of every ad: ``demo/ads.py``). The finished build is recorded in the
store's meta, so a second run only serves.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from tqdm import tqdm

from reelstack.core.ids import new_id
from reelstack.core.records import Event, User
from reelstack.demo.ads import add_extra_ads, review_ads
from reelstack.demo.corpus import build_corpus
from reelstack.demo.population import SimItem, make_users, simulate_events
from reelstack.ingest.sources import manifest_work
from reelstack.runtime.platform import DEMO_MARKER, Platform
from reelstack.storage.paging import iter_items

log = logging.getLogger(__name__)
DEFAULT_TITLES = Path("../shared/data/microlens_100k_titles")
BANNED_BANK = "banned-clips"


@dataclass(slots=True)
class DemoSummary:
    posts: int
    ingested: int
    skipped: int
    errors: int
    users: int
    events: int
    seconds: dict[str, float]


def build_demo(
    platform: Platform,
    *,
    posts: int = 320,
    users: int = 200,
    seed: int = 7,
    titles_path: Path | None = DEFAULT_TITLES,
    progress: bool = True,
) -> DemoSummary:
    """Build the demo into ``platform`` unless it was built before; returns what it holds."""
    done = platform.store.get_meta(DEMO_MARKER)
    if done:
        return DemoSummary(**done)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    corpus = Path(platform.settings.data_dir) / "demo-corpus"
    manifest = _corpus(corpus, posts, seed, titles_path, progress)
    seconds["corpus"] = time.perf_counter() - started

    started = time.perf_counter()
    counts = _ingest(platform, manifest, progress)
    seconds["ingest"] = time.perf_counter() - started

    started = time.perf_counter()
    _bank_banned_clip(platform)
    seconds["bank"] = time.perf_counter() - started

    started = time.perf_counter()
    sim_users = make_users(users, seed=seed)
    stored_users = _store_users(platform, sim_users)
    events = simulate_events(sim_users, _sim_items(platform), seed=seed, start_ts=_start(platform))
    platform.store.append_events([_event(e, stored_users) for e in events])
    seconds["events"] = time.perf_counter() - started

    started = time.perf_counter()
    add_extra_ads(platform, corpus / "ads")
    review_ads(platform)
    seconds["ads"] = time.perf_counter() - started

    summary = DemoSummary(
        posts=posts,
        ingested=counts["ingested"],
        skipped=counts["skipped"],
        errors=counts["error"],
        users=len(stored_users),
        events=platform.store.count_events(),
        seconds={k: round(v, 2) for k, v in seconds.items()},
    )
    platform.store.set_meta(DEMO_MARKER, asdict(summary))
    return summary


def _corpus(folder: Path, posts: int, seed: int, titles: Path | None, progress: bool) -> Path:
    """Reuse a finished corpus (its stamp names posts and seed), else render it."""
    stamp = folder / "corpus.json"
    wanted = {"posts": posts, "seed": seed}
    if stamp.is_file() and json.loads(stamp.read_text()) == wanted:
        return folder / "manifest.jsonl"
    titles = titles if titles and titles.is_dir() else None
    if titles is None:
        log.info("demo captions: built-in templates (no real titles folder found)")
    manifest = build_corpus(folder, posts=posts, seed=seed, titles_path=titles, progress=progress)
    stamp.write_text(json.dumps(wanted))
    return manifest


def _ingest(platform: Platform, manifest: Path, progress: bool) -> Counter[str]:
    work = list(manifest_work(manifest))
    counts: Counter[str] = Counter()
    bar = tqdm(total=len(work), unit="post", desc="ingest", disable=not progress)
    for result in platform.ingest.ingest_many(work):
        counts[result.status] += 1
        if result.status == "error":
            bar.write(f"{result.source}: {result.describe()}")
        bar.update()
    bar.close()
    return counts


def _bank_banned_clip(platform: Platform) -> None:
    """The trust & safety team's bank of known pirated clips holds the demo's banned film
    excerpt, so its re-uploads are matched (video level) and disabled once understood."""
    originals = [i for i in iter_items(platform.store) if i.meta.get("banned_original")]
    if not originals:
        return
    banks = platform.banks
    if BANNED_BANK not in {b.name for b in banks.list_banks()}:
        about = "Pirated film excerpts taken down after rights-holder notices"
        banks.create_bank(BANNED_BANK, actor="demo", policy_id="ip", description=about)
    for item in originals:
        media = platform.store.get_media(item.media_id) if item.media_id else None
        if media is not None:
            banks.add_media(BANNED_BANK, platform.blobs.path(media.sha256), actor="demo",
                            note=f"rights-holder notice for {item.id}")  # fmt: skip


def _store_users(platform: Platform, sim_users: list) -> dict[str, str]:
    """handle → stored user id."""
    stored = {}
    for sim in sim_users:
        user = platform.store.upsert_user(
            User(
                id=new_id("usr"),
                handle=sim.handle,
                language=sim.language,
                region=sim.region,
                birth_year=sim.birth_year,
                created_at=time.time(),
                meta={"interests": sim.interests, "simulated": True},
            )
        )
        stored[sim.handle] = user.id
    return stored


def _sim_items(platform: Platform) -> list[SimItem]:
    items = []
    for item in iter_items(platform.store):
        media = platform.store.get_media(item.media_id) if item.media_id else None
        items.append(
            SimItem(
                item_id=item.id,
                topic=item.meta.get("topic", "misc"),
                creator=platform.store.get_creator(item.creator_id).handle,
                language=item.language or "en",
                duration_s=(media.duration_s if media and media.duration_s else 8.0),
                created_at=item.created_at,
                violation=item.meta.get("violation"),
            )
        )
    return items


def _start(platform: Platform) -> float:
    """Events start with the oldest post, so every post can collect some."""
    first = platform.store.list_items(limit=1)
    return first[0].created_at if first else time.time()


def _event(raw: dict, users: dict[str, str]) -> Event:
    return Event(
        event_id=raw["event_id"],
        type=raw["type"],
        user_id=users[raw["user"]],
        item_id=raw.get("item"),
        ts=float(raw["ts"]),
        watch_ms=raw.get("watch_ms"),
        duration_ms=raw.get("duration_ms"),
        context=raw.get("context", {}),
        received_at=float(raw["ts"]),
    )
