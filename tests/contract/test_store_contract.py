"""Every store backend against the shared contract."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reelstack.storage.interfaces import Store
from reelstack.storage.registry import open_store
from reelstack.testing.storage_contract import StoreContract


class TestSQLiteFileStore(StoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[Store]:
        store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
        yield store
        store.close()


class TestMemoryStore(StoreContract):
    @pytest.fixture
    def store(self) -> Iterator[Store]:
        store = open_store("memory://")
        yield store
        store.close()
