"""Training data from the event log, and `reelstack recommend train`.

An *exposure* is one post shown to one user in one feed request (``context.request_id``; the
same user and post without one count as one exposure per hour). Its labels: ``watch`` (the
best watch ratio among its views/skips, 0 if never played), ``like``, ``share`` and ``skip``
(a skip event, a view shorter than a quarter of the post, or an impression never played).

Features come from replaying the whole log in time order through a fresh `RealtimeState`: a
row is built just before its exposure's first event, so it sees only the past. The latest
``validation_share`` of the rows is held out for early stopping and the metrics saved in the
manifest.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reelstack.core import clock
from reelstack.core.errors import InvalidInput
from reelstack.core.records import Event
from reelstack.recommend.catalog import Catalog
from reelstack.recommend.rank import features
from reelstack.recommend.rank.model import ModelStore, MultiTaskRanker, load_lightgbm
from reelstack.recommend.settings import HEADS, RecommendSettings
from reelstack.recommend.state import ANONYMOUS, IGNORED_TYPES, RealtimeState
from reelstack.storage.interfaces import Store

log = logging.getLogger(__name__)

SKIP_RATIO = 0.25
NO_REQUEST_BUCKET_S = 3600.0


@dataclass(slots=True)
class Exposure:
    first: int  # position of its first event in the sorted log
    ts: float
    position: int
    watch: float = 0.0
    played: bool = False
    like: bool = False
    share: bool = False
    skip: bool = False


@dataclass(slots=True)
class Dataset:
    X: np.ndarray
    labels: dict[str, np.ndarray]
    ts: np.ndarray
    events: int
    exposures: int
    seconds: dict[str, float] = field(default_factory=dict)


def _key(event: Event) -> tuple[str, str, str]:
    request = (event.context or {}).get("request_id")
    bucket = str(request) if request else f"t{int(event.ts // NO_REQUEST_BUCKET_S)}"
    return event.user_id, str(event.item_id), bucket


def _exposures(events: list[Event]) -> dict[tuple[str, str, str], Exposure]:
    found: dict[tuple[str, str, str], Exposure] = {}
    for n, event in enumerate(events):
        if not event.item_id or event.user_id in ("", ANONYMOUS) or event.type == "click":
            continue
        key = _key(event)
        exposure = found.get(key)
        if exposure is None:
            position = (event.context or {}).get("position")
            position = position if isinstance(position, int) and 0 <= position < 10_000 else 0
            exposure = found[key] = Exposure(n, event.ts, position)
        if event.type in ("view", "skip"):
            exposure.played = True
            if event.watch_ms is not None and event.duration_ms:
                ratio = min(event.watch_ms / event.duration_ms, 1.0)
            else:
                ratio = 1.0 if event.type == "view" else 0.1
            exposure.watch = max(exposure.watch, ratio)
            if event.type == "skip" or ratio < SKIP_RATIO:
                exposure.skip = True
        elif event.type == "like":
            exposure.like = True
        elif event.type == "share":
            exposure.share = True
    for exposure in found.values():
        if not exposure.played:
            exposure.skip = True
    return found


def read_log(store: Store, page: int = 10_000) -> list[Event]:
    events, after = [], 0
    while batch := store.read_events(after_seq=after, limit=page):
        events += [e for _, e in batch if e.type not in IGNORED_TYPES]
        after = batch[-1][0]
        if len(batch) < page:
            break
    events.sort(key=lambda e: e.ts)  # stable: arrival order among equal times
    return events


def build_dataset(
    store: Store, catalog: Catalog, settings: RecommendSettings, events: list[Event] | None = None
) -> Dataset:
    started = time.perf_counter()
    events = read_log(store) if events is None else events
    exposures = _exposures(events)
    seconds = {"read": time.perf_counter() - started}
    wanted = list(exposures.values())
    cap = settings.train.max_rows
    if len(wanted) > cap:  # a deterministic sample, spread over the whole log

        def keep(e: Exposure) -> int:
            return int(
                hashlib.blake2b(events[e.first].event_id.encode(), digest_size=8).hexdigest(), 16
            )

        wanted = sorted(wanted, key=keep)[:cap]
    at_event = {e.first: e for e in wanted}
    state = RealtimeState(catalog, settings, store)
    rows, labels, times = [], {h: [] for h in HEADS}, []
    started = time.perf_counter()
    for n, event in enumerate(events):
        exposure = at_event.get(n)
        if exposure is not None:
            idx = catalog.ensure(store, str(event.item_id))
            if idx is not None:
                view = features.user_view(state, state.user(event.user_id), None, sets=False)
                rows.append(
                    features.build(state, view, np.array([idx]), np.array([exposure.position]))[0]
                )
                labels["watch"].append(exposure.watch)
                labels["like"].append(float(exposure.like))
                labels["share"].append(float(exposure.share))
                labels["skip"].append(float(exposure.skip))
                times.append(exposure.ts)
        state.apply(event)
    seconds["replay"] = time.perf_counter() - started
    X = np.stack(rows).astype(np.float32) if rows else np.zeros((0, len(features.FEATURES)))
    return Dataset(
        X,
        {h: np.array(v, np.float32) for h, v in labels.items()},
        np.array(times),
        len(events),
        len(exposures),
        seconds,
    )


def train(
    store: Store, catalog: Catalog, settings: RecommendSettings, models: ModelStore
) -> dict[str, Any]:
    """Train every head from the log and save a new version; returns its manifest."""
    load_lightgbm()  # fail fast, naming the extra, before the replay
    data = build_dataset(store, catalog, settings)
    rows = len(data.X)
    config = settings.train
    if rows < config.min_rows:
        raise InvalidInput(
            f"not enough feed exposures to train: {rows} in {data.events} events "
            f"(need {config.min_rows})",
            rows=rows,
        )
    order = np.argsort(data.ts, kind="stable")
    cut = int(rows * (1.0 - config.validation_share))
    train_rows, valid_rows = order[:cut], order[cut:]
    started = time.perf_counter()
    ranker = MultiTaskRanker(
        num_trees=config.num_trees,
        num_leaves=config.num_leaves,
        learning_rate=config.learning_rate,
        min_data_in_leaf=config.min_data_in_leaf,
        threads=config.threads,
        seed=config.seed,
    )
    valid = None
    if len(valid_rows):
        valid = (data.X[valid_rows], {h: data.labels[h][valid_rows] for h in HEADS})
    ranker.fit(data.X[train_rows], {h: data.labels[h][train_rows] for h in HEADS}, valid)
    seconds = {**data.seconds, "fit": time.perf_counter() - started}
    manifest = {
        "trained_at": clock.iso(clock.now()),
        "events": data.events,
        "exposures": data.exposures,
        "rows": rows,
        "train_rows": len(train_rows),
        "valid_rows": len(valid_rows),
        "positives": {h: round(float(data.labels[h].sum()), 2) for h in HEADS},
        "metrics": ranker.metrics_,
        "constant_heads": ranker.constants_,
        "importance": ranker.importance(),
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
    }
    version = models.save(ranker, manifest)
    log.info("recommend: trained ranker %s on %d rows", version, rows)
    return {"version": version, **manifest}
