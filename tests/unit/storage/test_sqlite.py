"""SQLite specifics: WAL, migrations, URLs and plug-ins in the backend registry."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from reelstack.core.errors import ConfigError, StorageError
from reelstack.storage.registry import open_store
from reelstack.storage.sqlite import SQLiteStore
from reelstack.storage.sqlite_schema import MIGRATIONS
from reelstack.testing.factories import make_creator, make_item


def test_file_store_uses_wal_and_survives_reopen(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'db.sqlite'}"
    store = open_store(url)
    item = store.insert_item(make_item(store.upsert_creator(make_creator())))
    store.close()
    again = open_store(url)
    assert again.get_item(item.id) == item
    assert isinstance(again, SQLiteStore) and again.schema_version == len(MIGRATIONS)
    again.close()
    mode = sqlite3.connect(tmp_path / "nested" / "db.sqlite").execute("PRAGMA journal_mode")
    assert mode.fetchone()[0] == "wal"


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    open_store(f"sqlite:///{path}").close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(StorageError, match="newer than this ReelStack"):
        open_store(f"sqlite:///{path}")


def test_unknown_scheme_fails_loudly() -> None:
    with pytest.raises(ConfigError, match="unknown store backend 'cassandra://x'; known schemes"):
        open_store("cassandra://x")


def test_dotted_plugin_path() -> None:
    store = open_store("reelstack.testing.plugins:memory_store")
    assert store.count_items() == 0
    with pytest.raises(ConfigError, match="cannot load store plug-in"):
        open_store("reelstack.nothing:here")
