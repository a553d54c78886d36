"""``RecommendService``: events in; For You feeds and related posts out.

One instance per platform. It loads the catalogue from the store, rebuilds the real-time
state from the event log, and keeps both current from the stream (``events.appended``,
``items.ingested``, ``items.understood``, ``items.moderated``) and, for writes by other
processes, by tailing the log and the item table at most every ``refresh_s``.

A feed request: recall (every source, merged) → seen filter → features → heads (the newest
trained model, else the heuristic) → value model → fatigue → page fill (exploration slots,
MMR, creator cap, safety visibility) → ad hook → a signed cursor for the next page.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import secrets
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from reelstack.core import clock
from reelstack.core.errors import InvalidInput, ModelUnavailable, NotFound
from reelstack.ingest.service import INGESTED_TOPIC
from reelstack.recommend import rerank
from reelstack.recommend.ads import ApprovedAds
from reelstack.recommend.catalog import Catalog
from reelstack.recommend.cursor import Cursor, CursorSigner, load_key
from reelstack.recommend.events import APPENDED_TOPIC, EventIngest, IngestResult
from reelstack.recommend.rank import features, heuristic
from reelstack.recommend.rank import train as training
from reelstack.recommend.rank.model import ModelStore, MultiTaskRanker
from reelstack.recommend.rank.value import ValueModel
from reelstack.recommend.recall import RecallContext, RecallSource, default_sources
from reelstack.recommend.recall.coengagement import related as coengaged
from reelstack.recommend.recall.content import similar
from reelstack.recommend.settings import RecommendSettings
from reelstack.recommend.snapshot import Snapshots
from reelstack.recommend.state import RealtimeState, UserState
from reelstack.recommend.users import UserDirectory
from reelstack.runtime.scheduler import PeriodicJob
from reelstack.safety.decisions import MODERATED_TOPIC
from reelstack.safety.visibility import DEMOTED_WEIGHT, Viewer, visibility
from reelstack.storage.interfaces import Store
from reelstack.storage.streams import EventStream
from reelstack.understand import UNDERSTOOD_TOPIC

log = logging.getLogger(__name__)

HIDDEN_ACTIONS = frozenset({"remove", "disable"})
MAX_SESSIONS = 20_000
BACKFILL = 3000
RELATED_WEIGHTS = {"content": 1.0, "coengagement": 0.8, "creator": 0.35}
CLOSE_WAIT_S = 5.0
RECONCILE_PAUSE_S = 0.005  # after every 200 items: a restart's store check stays in the background


class RecommendService:
    def __init__(
        self,
        store: Store,
        stream: EventStream,
        data_dir: Path | str,
        settings: RecommendSettings | None = None,
        *,
        ads: rerank.AdSlots | None = None,
        sources: list[RecallSource] | None = None,
    ) -> None:
        self.store = store
        self.stream = stream
        self.settings = settings or RecommendSettings()
        self.directory = Path(data_dir) / "recommend"
        self.snapshots = Snapshots(self.directory / "snapshot")
        started = time.perf_counter()
        restored = self.snapshots.load(store, self.settings) if self.settings.snapshot else None
        if restored is None:
            self.catalog = Catalog(self.settings.ann_backend)
            self.catalog.load(store)
            self.state = RealtimeState(self.catalog, self.settings, store)
        else:
            self.catalog, self.state = restored.catalog, restored.state
        replayed = self.state.catch_up()
        self.started_in_s = round(time.perf_counter() - started, 3)
        self.start = {
            "snapshot": restored is not None,
            "snapshot_seq": restored.state.seq - replayed if restored else None,
            "events_replayed": replayed,
            "ann_from_snapshot": bool(restored and restored.ann_loaded),
            "seconds": self.started_in_s,
        }
        self.users = UserDirectory(store)
        self.events = EventIngest(store, stream, self.users, self.settings, self._duration)
        self.sources = sources if sources is not None else default_sources(self.state)
        self.value = ValueModel(self.settings.value_weights)
        self.models = ModelStore(self.directory / "models")
        self.signer = CursorSigner(
            load_key(self.directory / "cursor.key"), self.settings.cursor_ttl_s
        )
        self.ads = ads or ApprovedAds(store, self.catalog)
        self.moderated: dict[int, str] = {}
        self._sessions: OrderedDict[str, set[int]] = OrderedDict()
        self._lock = threading.Lock()
        self._gate = threading.BoundedSemaphore(self.settings.feed_concurrency)
        self._train_lock = threading.Lock()
        self._ranker: tuple[str, MultiTaskRanker] | None = None
        self._ranker_note = "no model trained yet (reelstack recommend train)"
        self._checked_model = 0.0
        self._refreshed = time.monotonic()
        self._reload_model()
        self._closing = threading.Event()
        self._starter = threading.Thread(
            target=self._background_start,
            args=(restored is not None,),
            name="recommend-start",
            daemon=True,
        )
        self._starter.start()
        self._snapshot_job = None
        if self.settings.snapshot and self.settings.snapshot_every_s > 0:
            every = self.settings.snapshot_every_s
            self._snapshot_job = PeriodicJob("recommend-snapshot", every, self.snapshot).start()
        self._unsubscribe = [
            stream.subscribe(APPENDED_TOPIC, self._guarded(self.on_events_appended)),
            stream.subscribe(INGESTED_TOPIC, self._guarded(self.on_ingested)),
            stream.subscribe(UNDERSTOOD_TOPIC, self._guarded(self.on_understood)),
            stream.subscribe(MODERATED_TOPIC, self._guarded(self.on_moderated)),
        ]
        log.info(
            "recommend: %d items, %d events (%d replayed%s) in %.2fs",
            len(self.catalog),
            self.state.applied,
            replayed,
            " after the snapshot" if restored else "",
            self.started_in_s,
        )

    def _background_start(self, reconcile: bool) -> None:
        """Build the ANN indexes a snapshot did not bring, then (after a restore) bring the
        catalogue in line with the store."""
        try:
            started = time.perf_counter()
            self.catalog.warm()
            self.start["ann_ready_s"] = round(time.perf_counter() - started, 3)
            if reconcile and not self._closing.is_set():
                changed = self.catalog.reconcile(self.store, RECONCILE_PAUSE_S, self._closing)
                self.start["reconciled"] = {
                    "changed": changed,
                    "seconds": round(time.perf_counter() - started, 3),
                }
                log.info("recommend: catalogue reconciled with the store (%d changed)", changed)
        except Exception as exc:  # a background pass must not take the server down
            log.warning("recommend: background start failed: %s: %s", type(exc).__name__, exc)

    def snapshot(self, force: bool = False) -> dict[str, Any] | None:
        """Save a snapshot when anything changed since the last one (or ``force``)."""
        if not force and not self.snapshots.stale(self.state):
            return None
        saved = self.snapshots.save(self.state)
        log.info("recommend: snapshot at log position %d in %.2fs", saved.seq, saved.seconds)
        return {"seq": saved.seq, "seconds": saved.seconds, "path": str(self.snapshots.path)}

    # -- stream ------------------------------------------------------------------------------

    def _guarded(self, handler: Any) -> Any:
        def run(message: dict[str, Any]) -> None:
            try:
                handler(message)
            except Exception as exc:  # the feed must never break a publisher
                log.warning(
                    "recommend: %s failed: %s: %s", handler.__name__, type(exc).__name__, exc
                )

        return run

    def on_events_appended(self, message: dict[str, Any]) -> None:
        self.state.catch_up()

    def on_ingested(self, message: dict[str, Any]) -> None:
        if message.get("item_id"):
            self.catalog.ensure(self.store, str(message["item_id"]))

    def on_understood(self, message: dict[str, Any]) -> None:
        for item_id in message.get("item_ids") or []:
            idx = self.catalog.ensure(self.store, str(item_id))
            if idx is not None:
                self.catalog.update_features(self.store, idx)

    def on_moderated(self, message: dict[str, Any]) -> None:
        idx = self.catalog.index.get(str(message.get("item_id")))
        if idx is not None:
            self.moderated[idx] = str(message.get("action"))

    def close(self) -> None:
        """Stop listening and save a snapshot for the next start (when enabled); the store
        is not used once this returns."""
        self._closing.set()
        self._starter.join(timeout=CLOSE_WAIT_S)  # only the reconciliation reads the store
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        if self._snapshot_job is not None:
            self._snapshot_job.stop()
            self._snapshot_job = None
        if self.settings.snapshot:
            try:
                self.snapshot()
            except Exception as exc:  # shutting down must go on; the next start replays the log
                log.warning("recommend: no snapshot saved: %s: %s", type(exc).__name__, exc)

    # -- events ------------------------------------------------------------------------------

    def ingest(self, events: Any) -> IngestResult:
        return self.events.ingest(events)

    def _duration(self, item_id: str) -> float | None:
        idx = self.catalog.ensure(self.store, item_id)
        if idx is None:
            raise NotFound(f"unknown item {item_id!r}")
        return float(self.catalog.duration_s[idx]) or None

    # -- models ------------------------------------------------------------------------------

    def _reload_model(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked_model < self.settings.model_check_s:
            return
        self._checked_model = now
        version = self.models.current()
        if version is None or (self._ranker and self._ranker[0] == version):
            return
        try:
            self._ranker = (version, self.models.load(version))
        except ModelUnavailable as exc:
            self._ranker_note = exc.message
        except (OSError, ValueError, KeyError) as exc:
            self._ranker_note = f"model {version} unreadable ({exc}); retrain it"
            log.warning("recommend: %s", self._ranker_note)

    def ranker_info(self) -> dict[str, Any]:
        if self._ranker is None:
            return {"kind": "heuristic", "version": None, "note": self._ranker_note}
        return {"kind": "model", "version": self._ranker[0], "note": None}

    def train(self) -> dict[str, Any]:
        """Train the multi-task ranker from the log; feeds use it from the next request."""
        with self._train_lock:
            manifest = training.train(self.store, self.catalog, self.settings, self.models)
        self._reload_model(force=True)
        return manifest

    def _refresh(self) -> None:
        now = time.monotonic()
        if now - self._refreshed >= self.settings.refresh_s:
            self._refreshed = now
            self.state.catch_up(wait=False)
            self.catalog.refresh(self.store)
        self._reload_model()

    # -- the feed ----------------------------------------------------------------------------

    def feed(
        self,
        user: str | None = None,
        k: int = 10,
        cursor: str | None = None,
        explain: bool = False,
        language: str | None = None,
        region: str | None = None,
    ) -> dict[str, Any]:
        """One page of ``user``'s feed. ``language`` and ``region`` stand in for what an
        anonymous or brand-new user's record would say (popular there first)."""
        if not 1 <= k <= self.settings.max_k:
            raise InvalidInput(f"k must be between 1 and {self.settings.max_k}")
        with self._gate:  # one at a time by default: interleaved feeds only trade the GIL
            return self._feed(user, k, cursor, explain, language, region)

    def _feed(
        self,
        user: str | None,
        k: int,
        cursor: str | None,
        explain: bool,
        language: str | None,
        region: str | None,
    ) -> dict[str, Any]:
        self._refresh()
        user_id = self.users.resolve(user, create=False)
        identity = user_id or (f"new:{user}" if user else "anonymous")
        ustate = self.state.user(user_id) if user_id else None
        view = features.user_view(self.state, ustate, language or _language(ustate), region=region)
        session, page_number, served = secrets.token_hex(8), 1, set()
        if cursor:
            issued = self.signer.read(cursor, self._identities(identity, user))
            session, page_number = issued.session, issued.page + 1
            served = set(self._sessions.get(session, ()))
        seed = f"{identity}:{page_number}:{ustate.version if ustate else 0}:{len(served)}"
        found, counts = self._recall(RecallContext(self.state, view, random.Random(seed)))
        excluded = view.seen | view.hidden | served
        hidden = {i for i, a in self.moderated.items() if a in HIDDEN_ACTIONS}
        candidates = {i: s for i, s in found.items() if i not in excluded and i not in hidden}
        if len(candidates) < k:  # the user has seen most of what recall had: go wider
            for i in self._backfill():
                if i not in excluded and i not in hidden and i not in candidates:
                    candidates[i] = {"backfill": 0.0}
        page, heads = self._rank(view, ustate, candidates, k)
        self._remember(session, served | {c.idx for c in page})
        next_cursor = None
        if page:
            next_cursor = self.signer.issue(Cursor(identity, session, page_number, clock.now()))
        response: dict[str, Any] = {
            "items": [self._item_view(c, heads, explain) for c in page],
            "cursor": next_cursor,
            "ranker": self.ranker_info(),
            "user": {"id": user_id, "new": ustate is None or ustate.is_new},
            "page": page_number,
            "recall": counts if explain else None,
        }
        return response

    def _identities(self, identity: str, given: str | None) -> set[str]:
        """Who a cursor may belong to: this user by id, and by the handle it was first known
        by (a brand-new user's cursor stays valid once its first event created it)."""
        names = {identity}
        if given:
            names.add(f"new:{given}")
        return names

    def _recall(self, context: RecallContext) -> tuple[dict[int, dict[str, float]], dict[str, int]]:
        found: dict[int, dict[str, float]] = {}
        counts: dict[str, int] = {}
        size = len(self.catalog)
        for source in self.sources:
            n = self.settings.recall_sizes.get(source.name, 50)
            idx, scores = source.recall(context, n) if n else (np.zeros(0), np.zeros(0))
            counts[source.name] = len(idx)
            for i, score in zip(np.asarray(idx).tolist(), np.asarray(scores).tolist(), strict=True):
                if 0 <= i < size:
                    found.setdefault(i, {})[source.name] = score
        return found, counts

    def _backfill(self) -> list[int]:
        for source in self.sources:
            if source.name == "popular" and hasattr(source, "rankings"):
                idx = source.rankings()[-1][0][:BACKFILL].tolist()
                if len(idx) >= min(BACKFILL, len(self.catalog)):
                    return idx
        newest = np.argsort(-self.catalog.created_at[: len(self.catalog)], kind="stable")
        return newest[:BACKFILL].tolist()

    def _rank(
        self,
        view: features.UserView,
        ustate: UserState | None,
        candidates: dict[int, dict[str, float]],
        k: int,
        settings: RecommendSettings | None = None,
    ) -> tuple[list[rerank.Candidate], dict[str, np.ndarray]]:
        settings = settings or self.settings
        idx = np.fromiter(candidates, np.int64, len(candidates))
        vectors = self.catalog.center(self.catalog.vectors_of(idx))
        X = features.build(self.state, view, idx, np.zeros(len(idx)), vectors)
        ranker = self._ranker
        heads = heuristic.predict(X)
        if ranker is not None:
            if len(idx) > settings.rank_pool:  # pre-rank: the model scores the best only
                keep = np.argsort(-self.value(heads), kind="stable")[: settings.rank_pool]
                keep.sort()
                idx, vectors, X = idx[keep], vectors[keep], X[keep]
            heads = ranker[1].predict(X, threads=settings.predict_threads)
        values = self.value(heads) if len(idx) else np.zeros(0)
        F = features.F
        skips = X[:, F["creator_fatigue"]] + 0.5 * np.minimum(X[:, F["tag_fatigue"]], 4.0)
        pool = rerank.Pool(
            idx,
            [candidates[i] for i in idx.tolist()],
            values,
            self._known_weights(idx),
            rerank.fatigue_factors(skips, settings.fatigue_strength),
            np.arange(len(idx)),
        )
        viewer = _viewer(ustate)
        request = rerank.PageRequest(
            k=k,
            vectors=vectors,
            visibility=lambda i: visibility(self.store, self.catalog.ids[i], viewer),
            creators=self.catalog.creator[idx],
        )
        page = rerank.fill_page(pool, request, settings)
        page = self.ads.fill(page, list(settings.ad_positions))
        heads["_value"] = values
        return page, heads

    def _known_weights(self, idx: np.ndarray) -> np.ndarray:
        """Visibility weight per candidate from the decisions announced on the stream."""
        weights = np.ones(len(idx))
        if self.moderated:
            moderated = self.moderated
            demoted = [moderated.get(i) == "demote" for i in idx.tolist()]
            weights[np.array(demoted, bool)] = DEMOTED_WEIGHT
        return weights

    def _remember(self, session: str, served: set[int]) -> None:
        with self._lock:
            self._sessions[session] = served
            self._sessions.move_to_end(session)
            while len(self._sessions) > MAX_SESSIONS:
                self._sessions.popitem(last=False)

    # -- related -----------------------------------------------------------------------------

    def related(
        self, item_id: str, k: int = 10, user: str | None = None, explain: bool = False
    ) -> dict[str, Any]:
        """Posts like ``item_id``: content neighbours (text and visual), co-engaged posts and
        the same creator's newest, merged, then the same page rules as the feed."""
        if not 1 <= k <= self.settings.max_k:
            raise InvalidInput(f"k must be between 1 and {self.settings.max_k}")
        self._refresh()
        idx = self.catalog.ensure(self.store, item_id)
        if idx is None:
            raise NotFound(f"no item {item_id!r}")
        user_id = self.users.resolve(user, create=False)
        ustate = self.state.user(user_id) if user_id else None
        found: dict[int, dict[str, float]] = {}
        for name, (ids, scores) in (
            ("content", similar(self.catalog, idx, 100)),
            ("coengagement", coengaged(self.state.coengaged, idx, 100)),
            ("creator", self._same_creator(idx, 20)),
        ):
            top = float(scores.max()) if len(scores) else 1.0
            for i, s in zip(ids.tolist(), scores.tolist(), strict=True):
                if i != idx:
                    found.setdefault(i, {})[name] = round(s / (top or 1.0), 4)
        hidden = {i for i, a in self.moderated.items() if a in HIDDEN_ACTIONS}
        excluded = hidden | (set(ustate.hidden) if ustate else set())
        candidates = {i: s for i, s in found.items() if i not in excluded}
        ids = np.fromiter(candidates, np.int64, len(candidates))
        sources = list(candidates.values())
        values = [sum(RELATED_WEIGHTS[n] * v for n, v in s.items()) for s in sources]
        pool = rerank.Pool.of(ids, sources, np.array(values, np.float64))
        viewer = _viewer(ustate)
        request = rerank.PageRequest(
            k=k,
            vectors=self.catalog.center(self.catalog.vectors_of(ids)),
            visibility=lambda i: visibility(self.store, self.catalog.ids[i], viewer),
            creators=self.catalog.creator[ids] if len(ids) else np.zeros(0, np.int32),
        )
        rules = self.settings.model_copy(
            update={
                "exploration_rate": 0.0,
                "ad_positions": [],
                "max_per_creator": self.settings.max_per_creator + 1,
            }
        )
        page = rerank.fill_page(pool, request, rules)
        return {"item_id": item_id, "items": [self._item_view(c, None, explain) for c in page]}

    def _same_creator(self, idx: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        catalog = self.catalog
        items = [i for i in catalog.creator_items.get(int(catalog.creator[idx]), []) if i != idx]
        items = sorted(items, key=lambda i: -catalog.created_at[i])[:n]
        return np.array(items, np.int64), np.ones(len(items), np.float32)

    # -- output ------------------------------------------------------------------------------

    def _item_view(
        self, c: rerank.Candidate, heads: dict[str, np.ndarray] | None, explain: bool
    ) -> dict[str, Any]:
        content = self.catalog.content[c.idx]
        out: dict[str, Any] = {
            "id": content.id,
            "creator_id": content.creator_id,
            "caption": content.caption,
            "hashtags": content.hashtags,
            "language": content.language,
            "score": round(c.relevance, 4),
            "label": c.label,
            "why": None,
        }
        if explain:
            sources = {name: round(float(v), 4) for name, v in c.sources.items()}
            why: dict[str, Any] = {"sources": sources, "slot": c.slot}
            if heads is not None and c.row >= 0:
                why["heads"] = {
                    h: round(float(heads[h][c.row]), 4) for h in ("watch", "like", "share", "skip")
                }
                why["value"] = round(float(heads["_value"][c.row]), 4)
                why["parts"] = self.value.parts(heads, c.row)
            why["adjustments"] = {
                "fatigue": round(c.fatigue, 4),
                "visibility": c.weight,
                "mmr_similarity": round(c.mmr_penalty, 4),
            }
            out["why"] = why
        return out

    def stats(self) -> dict[str, Any]:
        return {
            "items": len(self.catalog),
            "ann_backend": self.catalog.ann_backend,
            "ann_ready": self.catalog.ann_ready,
            **self.state.summary(),
            "ranker": self.ranker_info(),
            "sessions": len(self._sessions),
            "started_in_s": self.started_in_s,
            "start": self.start,
            "snapshot": self._snapshot_info(),
            "model_versions": self.models.versions(),
        }

    def _snapshot_info(self) -> dict[str, Any] | None:
        last = self.snapshots.last
        if last is None:
            return None
        return {"seq": last.seq, "seconds": last.seconds, "path": str(self.snapshots.path)}


def _language(user: UserState | None) -> str | None:
    return user.language if user is not None else None


def _viewer(user: UserState | None) -> Viewer:
    if user is None:
        return Viewer()
    year = dt.datetime.now(dt.UTC).year
    return Viewer(user.user_id, year - user.birth_year if user.birth_year else None)
