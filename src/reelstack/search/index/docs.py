"""The search side table: what is indexed, per item, in one SQLite file.

One row per indexed item: its ANN key (usearch needs integers), the metadata filters, facets
and highlights read (language, creator, hashtags, duration, date, field texts), its dense and
cross-modal vectors, and a sequence number that grows with every change. The table is the
source of truth for the vector indexes (rebuilt or caught up from it at open) and tells every
reader, in this process or another, when the index changed (``last_seq``).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from reelstack.storage.side_db import open_side_db

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    item_id TEXT PRIMARY KEY,
    key INTEGER NOT NULL UNIQUE,
    seq INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    meta TEXT NOT NULL,
    dense BLOB,
    crossmodal BLOB
);
CREATE INDEX IF NOT EXISTS docs_seq ON docs (seq);
CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
_MAX_PARAMS = 500
MAX_CACHED_ROWS = 50_000
MAX_CACHED_KEYS = 2_000_000


@dataclass(slots=True)
class DocRow:
    """One indexed item as the table holds it."""

    item_id: str
    meta: dict[str, Any]
    dense: np.ndarray | None = None
    crossmodal: np.ndarray | None = None
    key: int = 0
    seq: int = 0
    deleted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _blob(vector: np.ndarray | None) -> bytes | None:
    return None if vector is None else np.asarray(vector, dtype="<f4").tobytes()


def _vector(blob: bytes | None) -> np.ndarray | None:
    return None if blob is None else np.frombuffer(blob, dtype="<f4").copy()


class DocTable:
    """Thread-safe; several processes may share the file (WAL, ``BEGIN IMMEDIATE`` writes)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn = open_side_db(self.path, _SCHEMA)
        self._rows: OrderedDict[str, DocRow] = OrderedDict()  # parsed rows, by recent use
        self._ids: dict[int, str] = {}  # ANN key → item id

    # -- writes ------------------------------------------------------------------------------

    def upsert(self, rows: Sequence[DocRow]) -> list[DocRow]:
        """Store rows (live again if deleted); fills in ``key`` and ``seq``; one transaction."""
        with self._lock, self._tx():
            seq = self._next_seq(len(rows))
            for offset, row in enumerate(rows):
                found = self._conn.execute(
                    "SELECT key FROM docs WHERE item_id = ?", (row.item_id,)
                ).fetchone()
                row.key = int(found[0]) if found else self._next_key()
                row.seq, row.deleted = seq + offset, False
                self._conn.execute(
                    "INSERT OR REPLACE INTO docs VALUES (?, ?, ?, 0, ?, ?, ?)",
                    (row.item_id, row.key, row.seq, json.dumps(row.meta, ensure_ascii=False),
                     _blob(row.dense), _blob(row.crossmodal)),
                )  # fmt: skip
        return list(rows)

    def delete(self, item_ids: Iterable[str]) -> list[DocRow]:
        """Mark items deleted (tombstones keep their key for the vector indexes); returns them."""
        deleted = []
        with self._lock, self._tx():
            for item_id in dict.fromkeys(item_ids):
                found = self._conn.execute(
                    "SELECT key FROM docs WHERE item_id = ? AND deleted = 0", (item_id,)
                ).fetchone()
                if found is None:
                    continue
                seq = self._next_seq(1)
                self._conn.execute(
                    "UPDATE docs SET deleted = 1, seq = ?, dense = NULL, crossmodal = NULL"
                    " WHERE item_id = ?",
                    (seq, item_id),
                )
                deleted.append(DocRow(item_id, {}, key=int(found[0]), seq=seq, deleted=True))
        return deleted

    def clear(self) -> None:
        """Drop every row and start a new generation (readers then rebuild from scratch)."""
        with self._lock, self._tx():
            self._conn.execute("DELETE FROM docs")
            self._next_seq(1)  # readers see a change even when the table was empty
            generation = self._state("generation") + 1
            self._conn.execute(
                "INSERT OR REPLACE INTO state VALUES ('generation', ?)", (generation,)
            )

    # -- reads -------------------------------------------------------------------------------

    def last_seq(self) -> int:
        with self._lock:
            return self._state("seq")

    def version(self) -> tuple[int, int]:
        """(generation, last seq): a reader whose generation differs must rebuild."""
        with self._lock:
            return self._state("generation"), self._state("seq")

    def count(self) -> int:
        with self._lock:
            return int(
                self._conn.execute("SELECT COUNT(*) FROM docs WHERE deleted = 0").fetchone()[0]
            )

    def get_many(self, item_ids: Sequence[str]) -> dict[str, DocRow]:
        """Live rows by item id (without vectors). Parsed rows are kept in memory and reused
        while their ``seq`` is unchanged (checked here, so other processes' writes count)."""
        ids = list(dict.fromkeys(item_ids))
        with self._lock:
            live = self._select(ids, "item_id, seq", "item_id")
            stale = [i for i, seq in live if (c := self._rows.get(i)) is None or c.seq != seq]
            for item_id, key, seq, meta in self._select(
                stale, "item_id, key, seq, meta", "item_id"
            ):
                self._remember(DocRow(item_id, json.loads(meta), key=key, seq=seq))
            return {item_id: row for item_id, _ in live if (row := self._rows.get(item_id))}

    def ids_for_keys(self, keys: Sequence[int]) -> dict[int, str]:
        """Item ids of ANN keys (a key belongs to one item for good; deleted items are
        dropped later by `get_many`)."""
        keys = [int(k) for k in keys]
        with self._lock:
            missing = [k for k in keys if k not in self._ids]
            for key, item_id in self._select(missing, "key, item_id", "key"):
                self._ids[int(key)] = item_id
            if len(self._ids) > MAX_CACHED_KEYS:
                self._ids.clear()
            return {k: item_id for k in keys if (item_id := self._ids.get(k)) is not None}

    def _select(self, values: Sequence[Any], columns: str, column: str) -> list[tuple]:
        """``columns`` of live rows whose ``column`` is one of ``values`` (caller holds the
        lock)."""
        rows: list[tuple] = []
        for start in range(0, len(values), _MAX_PARAMS):
            part = values[start : start + _MAX_PARAMS]
            marks = ",".join("?" * len(part))
            rows += self._conn.execute(
                f"SELECT {columns} FROM docs WHERE deleted = 0 AND {column} IN ({marks})", part
            ).fetchall()
        return rows

    def _remember(self, row: DocRow) -> None:
        self._rows[row.item_id] = row
        self._rows.move_to_end(row.item_id)
        if len(self._rows) > MAX_CACHED_ROWS:
            self._rows.popitem(last=False)

    def changes(self, after_seq: int, page: int = 1000) -> Iterator[DocRow]:
        """Rows changed after ``after_seq`` (deleted ones too), with vectors, in seq order."""
        while True:
            with self._lock:
                rows = self._conn.execute(
                    "SELECT item_id, key, seq, deleted, meta, dense, crossmodal FROM docs"
                    " WHERE seq > ? ORDER BY seq LIMIT ?",
                    (after_seq, page),
                ).fetchall()
            for item_id, key, seq, deleted, meta, dense, crossmodal in rows:
                yield DocRow(item_id, json.loads(meta), _vector(dense), _vector(crossmodal),
                             key=key, seq=seq, deleted=bool(deleted))  # fmt: skip
            if len(rows) < page:
                return
            after_seq = rows[-1][2]

    def iter_meta(self, page: int = 1000) -> Iterator[tuple[str, dict[str, Any]]]:
        """(item_id, meta) of every live row, without vectors."""
        after = ""
        while True:
            with self._lock:
                rows = self._conn.execute(
                    "SELECT item_id, meta FROM docs WHERE deleted = 0 AND item_id > ?"
                    " ORDER BY item_id LIMIT ?",
                    (after, page),
                ).fetchall()
            for item_id, meta in rows:
                yield item_id, json.loads(meta)
            if len(rows) < page:
                return
            after = rows[-1][0]

    def all_ids(self) -> set[str]:
        with self._lock:
            return {r[0] for r in self._conn.execute("SELECT item_id FROM docs WHERE deleted = 0")}

    # -- internals ---------------------------------------------------------------------------

    def _state(self, name: str) -> int:
        row = self._conn.execute("SELECT value FROM state WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else 0

    def _next_seq(self, n: int) -> int:
        """Reserve ``n`` sequence numbers; returns the first (inside the caller's transaction)."""
        first = self._state("seq") + 1
        self._conn.execute(
            "INSERT OR REPLACE INTO state VALUES ('seq', ?)", (first + max(n, 1) - 1,)
        )
        return first

    def _next_key(self) -> int:
        key = self._state("key") + 1
        self._conn.execute("INSERT OR REPLACE INTO state VALUES ('key', ?)", (key,))
        return key

    def _tx(self) -> _Transaction:
        return _Transaction(self._conn)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class _Transaction:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
