"""Vector indexes: every backend answers like exact search, with deletes; the side table keeps
them in step across writers, restarts and rebuilds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reelstack.core.errors import ConfigError
from reelstack.search.index.docs import DocRow, DocTable
from reelstack.search.index.vectors import BACKENDS, ExactIndex, VectorSet, new_index


def _clustered(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(8, dim))
    rows = centres[rng.integers(0, 8, n)] + 0.3 * rng.normal(size=(n, dim))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_backend_matches_exact_search_with_deletes(backend: str, tmp_path: Path) -> None:
    data = _clustered(600)
    keys = np.arange(1, 601, dtype=np.int64)
    index, reference = new_index(backend, 32), ExactIndex(32)
    for target in (index, reference):
        target.upsert(keys, data)
        target.remove(keys[:100])  # deletes
        target.upsert(keys[100:110], data[:10])  # updates in place
    assert len(index) == len(reference) == 500
    hits = 0
    for query in _clustered(20, seed=1):
        got, sims = index.search(query, 10)
        want, _ = reference.search(query, 10)
        assert not set(got.tolist()) & set(keys[:100].tolist())
        assert list(sims) == sorted(sims, reverse=True)
        hits += len(set(got.tolist()) & set(want.tolist()))
    assert hits / 200 >= 0.95
    index.save(tmp_path / "snapshot")
    loaded = type(index).load(tmp_path / "snapshot", 32)
    assert len(loaded) == 500
    assert loaded.search(data[0], 1)[0][0] == index.search(data[0], 1)[0][0]
    assert new_index(backend, 32).search(data[0], 5)[0].size == 0  # empty index


def test_unknown_backend_fails_loudly() -> None:
    with pytest.raises(ConfigError, match="unknown vector backend"):
        new_index("faiss-gpu", 8)


def test_vector_set_follows_the_table_across_readers_restarts_and_rebuilds(tmp_path: Path) -> None:
    data = _clustered(50, dim=8)
    table = DocTable(tmp_path / "docs.sqlite")
    rows = table.upsert([DocRow(f"i{n}", {"n": n}, data[n], None) for n in range(50)])
    assert len({r.key for r in rows}) == 50
    reader = VectorSet(table, tmp_path / "vectors", "exact", snapshot_every=10)
    keys, _ = reader.search("dense", data[7], 1)
    assert table.ids_for_keys(keys.tolist()) == {rows[7].key: "i7"}
    # a writer (another process would do the same through the file) deletes and adds
    other = DocTable(tmp_path / "docs.sqlite")
    other.delete(["i7"])
    other.upsert([DocRow("new", {}, data[7], None)])
    keys, _ = reader.search("dense", data[7], 1)
    assert table.ids_for_keys(keys.tolist()) == {keys[0]: "new"}
    assert reader.count("dense") == 50 and reader.count("crossmodal") == 0
    # a restart loads the snapshot and replays what came after it
    other.upsert([DocRow("later", {}, -data[7], None)])
    restarted = VectorSet(table, tmp_path / "vectors", "exact")
    assert restarted.count("dense") == 0  # nothing read before the first refresh
    restarted.refresh()
    assert restarted.count("dense") == 51
    # a full reindex starts a new generation: readers rebuild instead of replaying
    other.clear()
    other.upsert([DocRow("only", {}, data[1], None)])
    reader.refresh()
    assert reader.count("dense") == 1
    assert table.get_many(["only", "i1"]).keys() == {"only"}
