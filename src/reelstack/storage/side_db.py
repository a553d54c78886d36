"""Side databases beside the store: caches and indexes a component keeps in its own SQLite file
(the text-embedding cache, search's document table), shared by threads and processes."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_side_db(path: Path, schema: str) -> sqlite3.Connection:
    """A connection to ``path`` (created with its folder), in WAL mode with ``synchronous=NORMAL``
    (rebuildable data: speed over the last write), autocommit, usable from any thread (callers
    serialise with their own lock), with ``schema`` applied (idempotent DDL)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.executescript(schema)
    return conn
