"""The catalogue as arrays and back: item order, content, vectors, and the ANN index files.

Item indexes are kept as they were, so the real-time state and the ANN indexes saved with
the catalogue stay valid. The ANN indexes are saved by their backend (usearch's own file
format, or ``.npz`` for the exact index) beside the snapshot, under a name unique to the save;
the snapshot's manifest names the files that match it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import numpy as np

from reelstack.recommend.catalog import ANN_KINDS, Catalog, ItemContent, RecallIndex
from reelstack.recommend.snapshot.arrays import ArrayReader, ArrayWriter, SnapshotError
from reelstack.search.index.vectors import ExactIndex, VectorIndex

ANN_LOADERS = {"usearch": RecallIndex.load, "exact": ExactIndex.load}


def capture(catalog: Catalog, out: ArrayWriter) -> dict[str, Any]:
    """Write the catalogue's arrays into ``out`` (call under the catalogue's lock)."""
    n = len(catalog)
    contents = catalog.content[:n]
    out.strings("items.id", catalog.ids[:n])
    out.strings("items.caption", [c.caption for c in contents])
    out.strings("items.language", [c.language or "" for c in contents])
    out.put("items.language_null", [c.language is None for c in contents], bool)
    hashtags = [tag for c in contents for tag in c.hashtags]
    out.strings("items.hashtags", hashtags)
    out.offsets("items.hashtags_per_item", [len(c.hashtags) for c in contents])
    vocabulary = catalog.tag_index  # holds every item's tags
    out.strings("tags", list(vocabulary))
    out.put("items.tags", [vocabulary[tag] for c in contents for tag in c.tags], np.int32)
    out.offsets("items.tags", [len(c.tags) for c in contents])
    out.strings("creators", catalog.creators)
    out.strings("languages", catalog.languages)
    for name in ("creator", "language", "created_at", "duration_s", "has_vector"):
        array = getattr(catalog, name)
        out.put(f"items.{name}", array[:n], array.dtype)
    out.put("items.feature_stamp", catalog.feature_stamp[:n], np.int64)
    for kind in ANN_KINDS:
        if catalog.dims[kind] is not None:
            out.put(f"vectors.{kind}", catalog.matrix[kind][:n], np.float16)
            out.put(f"vectors.{kind}.has", catalog.has[kind][:n], bool)
    out.put("items.pending", sorted(catalog.pending), np.int64)
    if catalog.vector_sum is not None:
        out.put("vectors.sum", catalog.vector_sum, np.float64)
    return {
        "items": n,
        "dims": catalog.dims,
        "vector_count": catalog.vector_count,
        "last_id": catalog.last_id,
        "revision": catalog.revision,
    }


def restore(reader: ArrayReader, meta: dict[str, Any], ann_backend: str) -> Catalog:
    """A catalogue equal to the captured one (the ANN indexes are loaded separately)."""
    n = int(meta["items"])
    catalog = Catalog(ann_backend, capacity=max(n, 1024))
    catalog.ids = reader.strings("items.id", n)
    catalog.index = {item_id: idx for idx, item_id in enumerate(catalog.ids)}
    if len(catalog.index) != n:
        raise SnapshotError("item ids repeat")
    catalog.creators = reader.strings("creators")
    catalog.creator_index = {c: i for i, c in enumerate(catalog.creators)}
    catalog.languages = reader.strings("languages")
    catalog.language_index = {code: i for i, code in enumerate(catalog.languages)}
    _restore_arrays(catalog, reader, n)
    catalog.content = _contents(catalog, reader, n)
    for idx, creator in enumerate(catalog.creator[:n].tolist()):
        catalog.creator_items.setdefault(creator, []).append(idx)
    _restore_vectors(catalog, reader, meta, n)
    catalog.pending = set(reader.index("items.pending", max(n, 1)).tolist())
    catalog.last_id = str(meta["last_id"])
    catalog.revision = int(meta["revision"])
    return catalog


def _restore_arrays(catalog: Catalog, reader: ArrayReader, n: int) -> None:
    catalog.creator[:n] = reader.index("items.creator", len(catalog.creators), rows=n)
    language = reader.get("items.language", "i", rows=n)
    if len(language) and (language.min() < -1 or language.max() >= len(catalog.languages)):
        raise SnapshotError("item languages point outside the language list")
    catalog.language[:n] = language
    catalog.created_at[:n] = reader.get("items.created_at", "f", rows=n)
    catalog.duration_s[:n] = reader.get("items.duration_s", "f", rows=n)
    catalog.has_vector[:n] = reader.get("items.has_vector", "b", rows=n)
    catalog.feature_stamp[:n] = reader.get("items.feature_stamp", "i", rows=n)


def _contents(catalog: Catalog, reader: ArrayReader, n: int) -> list[ItemContent]:
    captions = reader.strings("items.caption", n)
    languages = reader.strings("items.language", n)
    null = reader.get("items.language_null", "b", rows=n).tolist()
    hashtags = reader.strings("items.hashtags")
    hashtag_bounds = reader.offsets("items.hashtags_per_item", n, total=len(hashtags))
    vocabulary = reader.strings("tags")
    catalog.tag_index = {tag: tag_id for tag_id, tag in enumerate(vocabulary)}
    flat = reader.index("items.tags", max(len(vocabulary), 1))
    tag_bounds = reader.offsets("items.tags", n, total=len(flat))
    _tag_matrix(catalog, flat, np.diff(tag_bounds))
    tag_ids = flat.tolist()
    creators = catalog.creators
    return [
        ItemContent(
            catalog.ids[i],
            creators[creator],
            captions[i],
            hashtags[hashtag_bounds[i] : hashtag_bounds[i + 1]],
            None if null[i] else languages[i],
            tuple(vocabulary[t] for t in tag_ids[tag_bounds[i] : tag_bounds[i + 1]]),
        )
        for i, creator in enumerate(catalog.creator[:n].tolist())
    ]


def _tag_matrix(catalog: Catalog, flat: np.ndarray, per_item: np.ndarray) -> None:
    """Each item's tag ids in its row of ``catalog.tag_matrix`` (padded with -1)."""
    width = max(int(per_item.max()) if len(per_item) else 0, catalog.tag_matrix.shape[1])
    catalog.tag_matrix = np.full((len(catalog.creator), width), -1, np.int32)
    rows = np.repeat(np.arange(len(per_item)), per_item)
    starts = np.repeat(np.cumsum(per_item) - per_item, per_item)
    catalog.tag_matrix[rows, np.arange(len(flat)) - starts] = flat


def _restore_vectors(catalog: Catalog, reader: ArrayReader, meta: dict[str, Any], n: int) -> None:
    for kind in ANN_KINDS:
        dim = meta["dims"].get(kind)
        if dim is None:
            continue
        matrix = reader.get(f"vectors.{kind}", "f", ndim=2, rows=n)
        if matrix.shape[1] != int(dim):
            raise SnapshotError(f"{kind} vectors have {matrix.shape[1]} dimensions, not {dim}")
        catalog.dims[kind] = int(dim)
        catalog.matrix[kind] = np.zeros((len(catalog.creator), int(dim)), np.float16)
        catalog.matrix[kind][:n] = matrix
        catalog.has[kind][:n] = reader.get(f"vectors.{kind}.has", "b", rows=n)
    if "vectors.sum" in reader.arrays:
        catalog.vector_sum = reader.get("vectors.sum", "f").astype(np.float64)
    catalog.vector_count = int(meta["vector_count"])


# -- ANN indexes ------------------------------------------------------------------------------


def save_ann(catalog: Catalog, directory: Path) -> dict[str, Any] | None:
    """Save every built ANN index (call under the catalogue's lock); None when one is not
    built yet. Returns what `load_ann` needs: backend, items covered, and a file per kind."""
    if not catalog.ann_ready:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(4)
    files: dict[str, dict[str, Any]] = {}
    for kind in ANN_KINDS:
        index = catalog.ann[kind]
        if index is None:
            continue
        target = directory / f"ann-{kind}-{token}.{catalog.ann_backend}"
        temporary = target.with_name(f".{target.name}.tmp")
        index.save(temporary)
        os.replace(temporary, target)
        files[kind] = {"file": target.name, "ndim": index.ndim, "size": len(index)}
    return {
        "backend": catalog.ann_backend,
        "items": len(catalog),
        "revision": catalog.ann_revision,
        "kinds": files,
    }


def load_ann(catalog: Catalog, directory: Path, meta: dict[str, Any]) -> bool:
    """Install the saved ANN indexes and add the items that came after them; False (nothing
    installed) when they do not fit this catalogue."""
    if meta.get("backend") != catalog.ann_backend or int(meta["items"]) > len(catalog):
        return False
    loaded: dict[str, VectorIndex] = {}
    for kind, saved in meta["kinds"].items():
        if kind not in ANN_KINDS or catalog.dims[kind] != int(saved["ndim"]):
            return False
        path = directory / Path(str(saved["file"])).name
        index = ANN_LOADERS[catalog.ann_backend](path, int(saved["ndim"]))
        if len(index) != int(saved["size"]):
            raise SnapshotError(f"ANN index {path.name} holds {len(index)}, not {saved['size']}")
        loaded[kind] = index
    if set(loaded) != {k for k in ANN_KINDS if catalog.dims[k] is not None}:
        return False
    start = int(meta["items"])
    for kind, index in loaded.items():
        newer = start + np.flatnonzero(catalog.has[kind][start : len(catalog)])
        if len(newer):
            index.upsert(newer, catalog.matrix[kind][newer].astype(np.float32))
        catalog.ann[kind] = index
    return True
