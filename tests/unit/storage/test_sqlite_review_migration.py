"""Migration 3 upgrades a store with review jobs in it: old jobs read back with defaults."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from reelstack.storage.registry import open_store
from reelstack.storage.sqlite_schema import MIGRATIONS


def test_jobs_of_a_version_2_store_survive_the_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:2]:
        conn.executescript(script)
    conn.executescript(
        "PRAGMA user_version = 2;"
        "INSERT INTO creators VALUES ('cre1', 'ana', '', 0, 0, '{}');"
        "INSERT INTO items VALUES ('itm1', 'text', 'h', 'cre1', 'hi', '[]', NULL, NULL, NULL,"
        " NULL, 0, 0, '{}');"
        "INSERT INTO review_jobs VALUES ('rvj1', 'itm1', 'spam', 2.0, 'open', NULL, NULL, NULL,"
        " 5.0, NULL);"
    )
    conn.close()
    store = open_store(f"sqlite:///{path}")
    job = store.get_review_job("rvj1")
    assert (job.queue, job.priority, job.source, job.excluded, job.details) == (
        "spam", 2.0, "moderation", [], {})  # fmt: skip
    assert store.lease_next_job("spam", "ana", 60, now=10.0).id == "rvj1"
    store.close()
