"""The catalogue the feed ranks: every post as a dense index with its content features.

Each stored item gets an integer index (its row in every per-item array, here and in
`RealtimeState`) and what ranking needs from the store without a query per request: creator,
language, time, duration, caption, hashtags, *tags* (hashtags plus its top visual concepts —
the learned topic keys user affinities are kept on) and one unit *content vector* (the text
``embed`` vector, else the ``crossmodal`` one) used for similarity features and topic spread.
Two ANN indexes answer content recall: ``text`` (``embed``) and ``visual`` (``crossmodal``),
so a new post is recommendable from its content before anyone watched it (cold start).

Items arrive through `add` (stream messages ``items.ingested`` / ``items.understood``) and
`refresh` (items written by other processes, and features that came later); both are cheap
when nothing changed.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from reelstack.core.errors import ModelUnavailable, NotFound
from reelstack.core.records import Feature, Item
from reelstack.recommend.native import preload as preload_lightgbm
from reelstack.search.index.vectors import UsearchIndex, VectorIndex, new_index
from reelstack.storage.interfaces import Store
from reelstack.storage.paging import iter_items
from reelstack.understand import vectors

log = logging.getLogger(__name__)

ANN_KINDS = ("text", "visual")
CONCEPT_MIN_SCORE = 0.2
CONCEPTS_PER_ITEM = 3
PENDING_CHECKS_PER_REFRESH = 256
ANN_EXPANSION = 32  # recall@31 ≈ 0.99 of exact at 100k × 384, ~25% faster than 64
RECONCILE_PAGE = 200
STAMPED_STAGES = ("text", "visual", "embed", "crossmodal")  # what _set_features reads


def _value(features: dict[str, Feature], stage: str) -> dict[str, Any]:
    feature = features.get(stage)
    if feature is None or "error" in feature.value:
        return {}
    return feature.value


def _unit(raw: Any) -> np.ndarray | None:
    if not vectors.is_vector(raw):
        return None
    vector = vectors.decode(raw).reshape(-1)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 1e-9 else None


def feature_stamp(features: dict[str, Feature]) -> int:
    """A number that changes whenever a feature the catalogue reads is re-computed."""
    parts = sorted(
        f"{stage}|{f.model_version}|{f.created_at!r}"
        for stage, f in features.items()
        if stage in STAMPED_STAGES
    )
    digest = hashlib.blake2b("\n".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


class RecallIndex(UsearchIndex):
    """usearch with less search effort than search's default: recall merges many sources and
    re-ranks, so ``ANN_EXPANSION`` is enough (and loading a saved index keeps it)."""

    def __init__(self, ndim: int, **options: Any) -> None:
        options.setdefault("expansion_search", ANN_EXPANSION)
        super().__init__(ndim, **options)


def normalise_tag(tag: str) -> str:
    return tag.strip().lstrip("#").casefold()


@dataclass(slots=True)
class ItemContent:
    """What the catalogue keeps of one item besides its arrays."""

    id: str
    creator_id: str
    caption: str
    hashtags: list[str]
    language: str | None
    tags: tuple[str, ...]


class Catalog:
    def __init__(self, ann_backend: str = "usearch", capacity: int = 1024) -> None:
        self.ann_backend = ann_backend
        self.lock = threading.RLock()
        self.ids: list[str] = []
        self.index: dict[str, int] = {}
        self.content: list[ItemContent] = []
        self.creators: list[str] = []
        self.creator_index: dict[str, int] = {}
        self.creator_items: dict[int, list[int]] = {}
        self.languages: list[str] = []
        self.language_index: dict[str, int] = {}
        self.creator = np.zeros(capacity, np.int32)
        self.language = np.full(capacity, -1, np.int16)
        self.created_at = np.zeros(capacity, np.float64)
        self.duration_s = np.zeros(capacity, np.float32)
        self.has_vector = np.zeros(capacity, bool)  # has a content vector
        self.feature_stamp = np.zeros(capacity, np.int64)  # which features it was read from
        self.dims: dict[str, int | None] = dict.fromkeys(ANN_KINDS)
        self.matrix = {kind: np.zeros((capacity, 0), np.float16) for kind in ANN_KINDS}
        self.has = {kind: np.zeros(capacity, bool) for kind in ANN_KINDS}
        self.ann: dict[str, VectorIndex | None] = dict.fromkeys(ANN_KINDS)
        self.pending: set[int] = set()
        # tags as ids, one row per item padded with -1: features sum tag weights in numpy
        self.tag_index: dict[str, int] = {}  # tag -> id, ids in insertion order
        self.tag_matrix = np.full((capacity, 4), -1, np.int32)
        self.vector_sum: np.ndarray | None = None  # of content vectors: their mean direction
        self.vector_count = 0
        self.last_id = ""
        self.revision = 0  # grows with every change (caches key on it)
        self.ann_revision = 0  # grows with every change to a built ANN index

    def __len__(self) -> int:
        return len(self.ids)

    # -- loading -----------------------------------------------------------------------------

    def load(self, store: Store) -> int:
        """Add every stored item not yet known; returns how many were added."""
        added = 0
        for item in iter_items(store, page_size=1000):
            if item.id not in self.index:
                self._add(store, item)
                added += 1
        return added

    def reconcile(
        self, store: Store, pause_s: float = 0.0, stop: threading.Event | None = None
    ) -> int:
        """Bring a catalogue restored from a snapshot in line with the store: add items it
        lacks and re-read features that changed since (by their stamps); returns how many
        items changed. ``pause_s`` after each page keeps a background pass gentle; ``stop``
        ends it early (the store is about to close)."""
        changed = 0
        for n, item in enumerate(iter_items(store, page_size=RECONCILE_PAGE), 1):
            if stop is not None and stop.is_set():
                break
            idx = self.index.get(item.id)
            if idx is None:
                self._add(store, item)
                changed += 1
            else:
                features = store.get_features(item.id)
                if feature_stamp(features) != self.feature_stamp[idx]:
                    with self.lock:
                        self._set_features(idx, features)
                    changed += 1
            if pause_s and n % RECONCILE_PAGE == 0:
                time.sleep(pause_s)
        return changed

    def refresh(self, store: Store) -> int:
        """Items created since the newest known one, and features for items that had none."""
        added = 0
        while page := store.list_items(limit=500, after=self.last_id or None):
            for item in page:
                if item.id not in self.index:
                    self._add(store, item)
                    added += 1
            if len(page) < 500:
                break
        for idx in list(self.pending)[:PENDING_CHECKS_PER_REFRESH]:
            self.update_features(store, idx)
        return added

    def ensure(self, store: Store, item_id: str) -> int | None:
        """The index of ``item_id``, loading it from the store when needed (None: unknown)."""
        idx = self.index.get(item_id)
        if idx is not None:
            return idx
        try:
            item = store.get_item(item_id)
        except NotFound:
            return None
        return self._add(store, item)

    def update_features(self, store: Store, idx: int) -> None:
        """Re-read the item's features (after understanding finished)."""
        features = store.get_features(self.ids[idx])
        with self.lock:
            self._set_features(idx, features)

    def _add(self, store: Store, item: Item) -> int:
        features = store.get_features(item.id)
        duration = 0.0
        if item.media_id:
            try:
                duration = float(store.get_media(item.media_id).duration_s or 0.0)
            except NotFound:
                duration = 0.0
        with self.lock:
            if item.id in self.index:
                return self.index[item.id]
            idx = len(self.ids)
            self._grow(idx + 1)
            creator = self.creator_index.setdefault(item.creator_id, len(self.creators))
            if creator == len(self.creators):
                self.creators.append(item.creator_id)
            language = item.language or ""
            lang = self.language_index.setdefault(language, len(self.languages))
            if lang == len(self.languages):
                self.languages.append(language)
            self.creator[idx] = creator
            self.language[idx] = lang
            self.created_at[idx] = item.created_at or item.ingested_at
            self.duration_s[idx] = duration
            hashtags = [normalise_tag(t) for t in item.hashtags if normalise_tag(t)]
            self.content.append(
                ItemContent(
                    item.id,
                    item.creator_id,
                    item.caption,
                    list(item.hashtags),
                    item.language,
                    tuple(dict.fromkeys(hashtags)),
                )
            )
            self._set_features(idx, features)
            self.creator_items.setdefault(creator, []).append(idx)
            self.ids.append(item.id)
            self.index[item.id] = idx
            self.last_id = max(self.last_id, item.id)
            self.revision += 1
            return idx

    def _set_features(self, idx: int, features: dict[str, Feature]) -> None:
        self.feature_stamp[idx] = feature_stamp(features)
        text = _value(features, "text")
        content = self.content[idx]
        tags = list(content.tags)
        tags += [normalise_tag(t) for t in text.get("hashtags") or []]
        concepts = [
            c
            for c in _value(features, "visual").get("concepts") or []
            if float(c.get("score", 0)) >= CONCEPT_MIN_SCORE
        ]
        tags += [f"~{normalise_tag(str(c['name']))}" for c in concepts[:CONCEPTS_PER_ITEM]]
        content.tags = tuple(dict.fromkeys(t for t in tags if t.strip("~")))
        self._index_tags(idx, content.tags)
        language = text.get("language")
        if not content.language and language and language != "und":
            content.language = language
            lang = self.language_index.setdefault(language, len(self.languages))
            if lang == len(self.languages):
                self.languages.append(language)
            self.language[idx] = lang
        found = {
            "text": _unit(_value(features, "embed").get("vector")),
            "visual": _unit(_value(features, "crossmodal").get("vector")),
        }
        for kind, vector in found.items():
            if vector is not None and self._store_vector(kind, idx, vector):
                self._index_vector(kind, idx, vector)
        has_text, has_visual = self.has["text"][idx], self.has["visual"][idx]
        had = bool(self.has_vector[idx])
        self.has_vector[idx] = has_text or (has_visual and self._same_space())
        if self.has_vector[idx] and not had:
            vector = self.vectors_of(np.array([idx]))[0].astype(np.float64)
            self.vector_sum = (
                vector
                if self.vector_sum is None or len(self.vector_sum) != len(vector)
                else (self.vector_sum + vector)
            )
            self.vector_count += 1
        if self.has_vector[idx] or "embed" in features:
            self.pending.discard(idx)
        else:
            self.pending.add(idx)  # not understood yet: look again on refresh
        self.revision += 1

    def _same_space(self) -> bool:
        dims = self.dims
        return dims["text"] is None or dims["text"] == dims["visual"]

    def _store_vector(self, kind: str, idx: int, vector: np.ndarray) -> bool:
        if self.dims[kind] is None:
            self.dims[kind] = len(vector)
            self.matrix[kind] = np.zeros((len(self.creator), len(vector)), np.float16)
        if len(vector) != self.dims[kind]:
            return False
        self.matrix[kind][idx] = vector
        self.has[kind][idx] = True
        return True

    def _index_vector(self, kind: str, idx: int, vector: np.ndarray) -> None:
        """Keep a built index current; an index not built yet is built in one batch on its
        first search (one by one is ~50× slower, and training never searches)."""
        index = self.ann[kind]
        if index is not None:
            index.upsert(np.array([idx], np.int64), vector[None, :].astype(np.float32))
            self.ann_revision += 1

    def warm(self) -> None:
        """Build every ANN index now (the service does this in the background at start)."""
        for kind in ANN_KINDS:
            self._built(kind)

    @property
    def ann_ready(self) -> bool:
        return all(self.ann[k] is not None for k in ANN_KINDS if self.dims[k] is not None)

    def _built(self, kind: str) -> VectorIndex | None:
        index = self.ann[kind]
        if index is None and self.dims[kind] is not None:
            with self.lock:
                if self.ann[kind] is None:
                    built = self._new_index(int(self.dims[kind] or 0))
                    keys = np.flatnonzero(self.has[kind][: len(self.ids)])
                    if len(keys):
                        built.upsert(keys, self.matrix[kind][keys].astype(np.float32))
                    self.ann[kind] = built
                    self.ann_revision += 1
                index = self.ann[kind]
        return index

    def _new_index(self, ndim: int) -> VectorIndex:
        preload_lightgbm()  # LightGBM's library must load before usearch's
        try:
            if self.ann_backend == "usearch":  # recall needs less search effort than search
                return RecallIndex(ndim)
            return new_index(self.ann_backend, ndim)
        except ModelUnavailable as exc:
            log.warning("recommend: %s; using exact vector search", exc.message)
            self.ann_backend = "exact"
            return new_index("exact", ndim)

    def _index_tags(self, idx: int, tags: tuple[str, ...]) -> None:
        ids = [self.tag_index.setdefault(tag, len(self.tag_index)) for tag in tags]
        if len(ids) > self.tag_matrix.shape[1]:
            wider = np.full((len(self.tag_matrix), len(ids)), -1, np.int32)
            wider[:, : self.tag_matrix.shape[1]] = self.tag_matrix
            self.tag_matrix = wider
        self.tag_matrix[idx] = -1
        self.tag_matrix[idx, : len(ids)] = ids

    def tag_weights(self, table: dict[str, float]) -> np.ndarray:
        """``table``'s weight per tag id, plus a last 0 that the -1 padding picks."""
        weights = np.zeros(len(self.tag_index) + 1)
        index = self.tag_index
        for tag, weight in table.items():
            tag_id = index.get(tag)
            if tag_id is not None:
                weights[tag_id] = weight
        return weights

    def _grow(self, size: int) -> None:
        capacity = len(self.creator)
        if size <= capacity:
            return
        new = max(size, capacity * 2)
        self.creator = _resized(self.creator, new)
        self.language = _resized(self.language, new, fill=-1)
        self.created_at = _resized(self.created_at, new)
        self.duration_s = _resized(self.duration_s, new)
        self.has_vector = _resized(self.has_vector, new)
        self.feature_stamp = _resized(self.feature_stamp, new)
        for kind in ANN_KINDS:
            self.matrix[kind] = _resized(self.matrix[kind], new)
            self.has[kind] = _resized(self.has[kind], new)
        self.tag_matrix = _resized(self.tag_matrix, new, fill=-1)

    # -- reading -----------------------------------------------------------------------------

    def language_code(self, language: str | None) -> int:
        return self.language_index.get(language or "", -2)

    @property
    def dim(self) -> int | None:
        """Dimension of content vectors (text, else visual when that is the only space)."""
        return self.dims["text"] or self.dims["visual"]

    def vectors_of(self, idx: np.ndarray) -> np.ndarray:
        """Unit content vectors (float32) of ``idx``: the text vector, else the visual one
        (both live in the E5 space by default); zero rows where an item has neither."""
        dim = self.dim
        if dim is None:
            return np.zeros((len(idx), 1), np.float32)
        idx = np.asarray(idx, np.int64)
        kinds = [kind for kind in ("visual", "text") if self.dims[kind] == dim]
        out = self.matrix[kinds[0]][idx].astype(np.float32)  # rows without a vector are 0
        if len(kinds) == 2:  # text wins where both exist
            rows = self.has["text"][idx]
            out[rows] = self.matrix["text"][idx[rows]]
        return out

    def mean_vector(self) -> np.ndarray | None:
        """The mean content vector: the direction every text embedding shares."""
        if self.vector_sum is None or not self.vector_count:
            return None
        return (self.vector_sum / self.vector_count).astype(np.float32)

    def center(self, matrix: np.ndarray) -> np.ndarray:
        """Rows minus the mean direction, re-normalised: similarities spread over [-1, 1]
        instead of crowding near E5's ~0.8 baseline (zero rows stay zero)."""
        mean = self.mean_vector()
        if mean is None or matrix.shape[1] != len(mean):
            return matrix
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        centred = matrix - mean[None, :] * (norms > 1e-9)
        lengths = np.linalg.norm(centred, axis=1, keepdims=True)
        return centred / np.maximum(lengths, 1e-9)

    def content_vector(self, idx: int) -> np.ndarray | None:
        """One item's content vector (float32), or None: the fast path of `vectors_of`."""
        if not self.has_vector[idx]:
            return None
        kind = "text" if self.has["text"][idx] else "visual"
        return self.matrix[kind][idx].astype(np.float32)

    def kind_vector(self, kind: str, idx: int) -> np.ndarray | None:
        """One item's own vector in ``kind``'s space (None when it has none)."""
        if not self.has[kind][idx]:
            return None
        return self.matrix[kind][idx].astype(np.float32)

    def search(self, kind: str, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Nearest items by ``kind`` (``text`` or ``visual``): (indexes, cosine), best first."""
        index = self._built(kind) if kind in self.ann else None
        if index is None or index.ndim != len(vector) or k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        with self.lock:
            return index.search(np.asarray(vector, np.float32), k)


def _resized(array: np.ndarray, size: int, fill: float = 0) -> np.ndarray:
    shape = (size, *array.shape[1:])
    grown = np.full(shape, fill, dtype=array.dtype)
    grown[: len(array)] = array
    return grown
