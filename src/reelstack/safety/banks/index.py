"""The in-memory index of every enabled bank: md5s in a dict, PDQ hashes in a binary index.

Every PDQ row — a bare ``pdq`` signal, each banked keyframe and each of its zoom variants — goes
into one FAISS ``IndexBinaryFlat`` (exact Hamming range search with SIMD popcounts; HNSW's
recall on PDQ-like codes is too low for a ban list). Without faiss-cpu the same rows are
searched with numpy (exact too, ~10-40x slower at 100k rows; see bench/hashbank.py).

``match_video`` is a pre-filter plus a check: the post's good frames are range-searched at the
loosest tier's distance, and only the entries they touch are compared frame by frame
(``matching.compare``). The index is immutable; the service rebuilds it when the store's bank
revision moves.
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from types import ModuleType
from typing import Any, Literal, Protocol

import numpy as np

from reelstack.core.errors import InvalidInput, ModelUnavailable
from reelstack.core.records import BankEntry, HashBank
from reelstack.safety.banks.matching import (
    STRICT_DISTANCE,
    ZOOM_DISTANCE,
    EntryHashes,
    FrameMatch,
    compare,
    query_hashes,
)
from reelstack.safety.banks.signals import hamming_matrix, normalize_signal, to_codes
from reelstack.understand.hashes import MIN_QUALITY

log = logging.getLogger(__name__)

Backend = Literal["auto", "faiss", "numpy"]
FAISS_THREADS = 1  # process-wide OpenMP setting, applied when an index is built
_BLOCK = 64  # numpy backend: queries per block (64 x 100k int32 distances = 25 MB)


@dataclass(frozen=True, slots=True)
class Match:
    """One bank entry a single signal matched."""

    bank: str
    entry_id: str
    distance: int
    signal_type: str
    note: str
    policy_id: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class VideoHit:
    """One bank entry a post matched, video against video (or an exact file copy)."""

    bank: str
    entry_id: str
    signal_type: str
    note: str
    policy_id: str
    tier: str
    query_fraction: float
    bank_fraction: float
    distance: int
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def of(cls, entry: BankEntry, bank: HashBank, found: FrameMatch) -> VideoHit:
        return cls(entry.bank, entry.id, entry.signal_type, entry.note, bank.policy_id,
                   found.tier, round(found.query_fraction, 4), round(found.bank_fraction, 4),
                   found.distance, found.score)  # fmt: skip


class Rows(Protocol):
    """Exact Hamming range search over (n, 32) uint8 codes."""

    name: str

    def range(self, queries: np.ndarray, limit: int) -> tuple[np.ndarray, ...]:
        """(query number, row number, distance) of every pair within ``limit`` bits."""
        ...


class FaissRows:
    def __init__(self, codes: np.ndarray, faiss: ModuleType) -> None:
        self.name = f"faiss-cpu=={importlib.metadata.version('faiss-cpu')} IndexBinaryFlat"
        # One hash or one video's frames per lookup: OpenMP's fan-out costs more than it gives
        # (4-20x slower on a busy 2-core machine); requests run in parallel threads instead.
        faiss.omp_set_num_threads(FAISS_THREADS)
        self.index = faiss.IndexBinaryFlat(256)
        if len(codes):
            self.index.add(codes)

    def range(self, queries: np.ndarray, limit: int) -> tuple[np.ndarray, ...]:
        if not len(queries) or not self.index.ntotal:
            return _empty()
        # the radius is exclusive
        lims, dist, rows = self.index.range_search(np.ascontiguousarray(queries), limit + 1)
        owner = np.repeat(np.arange(len(queries)), np.diff(lims).astype(np.int64))
        return owner, rows.astype(np.int64), dist.astype(np.int32)


class NumpyRows:
    name = "numpy brute force"

    def __init__(self, codes: np.ndarray) -> None:
        self.codes = codes

    def range(self, queries: np.ndarray, limit: int) -> tuple[np.ndarray, ...]:
        if not len(queries) or not len(self.codes):
            return _empty()
        parts = []
        for start in range(0, len(queries), _BLOCK):
            dist = hamming_matrix(queries[start : start + _BLOCK], self.codes)
            owner, rows = np.nonzero(dist <= limit)
            parts.append((owner + start, rows, dist[owner, rows]))
        return tuple(np.concatenate(p) for p in zip(*parts, strict=True))


def _empty() -> tuple[np.ndarray, ...]:
    return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int32)


def import_faiss() -> ModuleType:
    try:
        import faiss
    except ImportError as exc:
        raise ModelUnavailable(
            "the hash bank index needs the Python package 'faiss-cpu' "
            "(pip install 'reelstack[safety]'); it is not installed"
        ) from exc
    return faiss


def make_rows(codes: np.ndarray, backend: Backend = "auto") -> Rows:
    """The FAISS index over ``codes``; with ``auto``, numpy when faiss-cpu is missing."""
    if backend == "numpy":
        return NumpyRows(codes)
    try:
        return FaissRows(codes, import_faiss())
    except ModelUnavailable:
        if backend == "faiss":
            raise
        log.warning("faiss-cpu is not installed; hash banks are searched by brute force")
        return NumpyRows(codes)


class BankIndex:
    """Every entry of the enabled ``banks``, searchable by md5, PDQ hash and whole video."""

    def __init__(
        self, banks: list[HashBank], entries: list[BankEntry], backend: Backend = "auto"
    ) -> None:
        self.banks = {b.name: b for b in banks if b.enabled}
        self.entries = [e for e in entries if e.bank in self.banks]
        self.by_md5: dict[str, list[int]] = {}
        self.hashes: list[EntryHashes | None] = []
        codes, owners = [], []
        for number, entry in enumerate(self.entries):
            md5 = entry.signal if entry.signal_type in ("md5", "video_pdq") else None
            md5 = md5 or entry.meta.get("md5")
            if md5:
                self.by_md5.setdefault(md5, []).append(number)
            hashes = None
            if entry.frames or entry.signal_type == "pdq":
                hashes = EntryHashes.of(entry.frames, entry.signal)
                codes.append(hashes.codes)
                owners.append(np.full(hashes.rows, number, dtype=np.int64))
            self.hashes.append(hashes)
        self.codes = np.concatenate([np.empty((0, 32), np.uint8), *codes])
        self.owner = np.concatenate([np.empty(0, np.int64), *owners])
        self.rows = make_rows(self.codes, backend)

    @property
    def size(self) -> int:
        """PDQ rows searched (frames and variants)."""
        return len(self.codes)

    def match(self, signal_type: str, signal: str, threshold: int = STRICT_DISTANCE) -> list[Match]:
        """Entries matching one signal: md5 exactly, pdq within ``threshold`` bits (of any
        banked frame or variant), closest first."""
        value = normalize_signal(signal_type, signal, ("pdq", "md5"))
        if signal_type == "md5":
            return [self._match(n, 0) for n in self.by_md5.get(value, [])]
        if not 0 <= threshold <= 256:
            raise InvalidInput(f"threshold must be 0-256 bits, got {threshold}")
        _, rows, dist = self.rows.range(to_codes([value]), threshold)
        best: dict[int, int] = {}
        for owner, d in zip(self.owner[rows].tolist(), dist.tolist(), strict=True):
            best[owner] = min(d, best.get(owner, d))
        found = sorted(best.items(), key=lambda kv: (kv[1], self.entries[kv[0]].id))
        return [self._match(number, d) for number, d in found]

    def match_video(self, value: Mapping[str, Any]) -> list[VideoHit]:
        """Entries a post's ``hashes`` feature matches: its file's md5 exactly, or its frames
        video-level (``matching.compare``); strongest first."""
        hits: dict[int, VideoHit] = {}
        for number in self.by_md5.get(value.get("md5") or "", []):
            entry = self.entries[number]
            hits[number] = VideoHit.of(
                entry, self.banks[entry.bank], FrameMatch("md5", 1.0, 1.0, 0, 1.0)
            )
        codes, quality, ts = query_hashes(value)
        _, rows, _ = self.rows.range(codes[quality >= MIN_QUALITY], ZOOM_DISTANCE)
        for number in np.unique(self.owner[rows]).tolist():
            entry, hashes = self.entries[number], self.hashes[number]
            if number in hits or hashes is None:
                continue
            found = compare(codes, quality, ts, hashes)
            if found is not None:
                hits[number] = VideoHit.of(entry, self.banks[entry.bank], found)
        return sorted(hits.values(), key=lambda h: (-h.score, h.distance, h.entry_id))

    def _match(self, number: int, distance: int) -> Match:
        entry = self.entries[number]
        policy = self.banks[entry.bank].policy_id
        return Match(entry.bank, entry.id, distance, entry.signal_type, entry.note, policy)
