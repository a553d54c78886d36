"""Migration 4 gives API keys their review queues: old keys read back unlimited."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from reelstack.core.records import ApiKey
from reelstack.storage.registry import open_store
from reelstack.storage.sqlite_schema import MIGRATIONS


def test_keys_of_a_version_3_store_survive_the_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:3]:
        conn.executescript(script)
    conn.executescript(
        "PRAGMA user_version = 3;"
        "INSERT INTO api_keys VALUES ('key1', 'ana', 'reviewer', 'h1', 5.0, NULL);"
    )
    conn.close()
    store = open_store(f"sqlite:///{path}")
    assert store.schema_version >= 4
    assert store.find_api_key("h1") == ApiKey(
        id="key1", name="ana", role="reviewer", key_hash="h1", created_at=5.0
    )
    limited = ApiKey(id="key2", name="bo", role="reviewer", key_hash="h2", queues=["hate:en"])
    store.add_api_key(limited)
    assert store.find_api_key("h2").queues == ["hate:en"]
    store.close()
