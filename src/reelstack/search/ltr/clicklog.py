"""The click log learning to rank trains from: ``search`` and ``click`` events in the store,
joined with the features each search showed (`FeatureLog`, a side table).

A *session* is one logged search whose page got at least one click: the results in the order
shown, their features as computed at search time, and which of them were clicked (a click
on an item that was not on the page is ignored). Positions are the shown order (1-based).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reelstack.core.records import Event
from reelstack.search.ltr.features import FEATURES
from reelstack.storage.interfaces import EventStore
from reelstack.storage.side_db import open_side_db

_SCHEMA = """
CREATE TABLE IF NOT EXISTS shown (
    search_id TEXT PRIMARY KEY,
    ts REAL NOT NULL,
    features_id TEXT NOT NULL,
    item_ids TEXT NOT NULL,
    matrix BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS shown_ts ON shown (ts);
"""
FEATURES_ID = str(len(FEATURES)) + ":" + ",".join(FEATURES)
_MAX_PARAMS = 500


class FeatureLog:
    """Features of the results each search showed, by search id (``<data>/search/ltr``)."""

    def __init__(self, path: Path | str) -> None:
        self._lock = threading.Lock()
        self._conn = open_side_db(Path(path), _SCHEMA)

    def put(self, search_id: str, ts: float, item_ids: Sequence[str], X: np.ndarray) -> None:
        blob = np.asarray(X, "<f4").tobytes()
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO shown VALUES (?, ?, ?, ?, ?)",
                (search_id, ts, FEATURES_ID, "\x1f".join(item_ids), blob),
            )

    def get_many(self, search_ids: Sequence[str]) -> dict[str, tuple[list[str], np.ndarray]]:
        """Shown item ids and features per search id (rows of other feature sets skipped)."""
        found: dict[str, tuple[list[str], np.ndarray]] = {}
        ids = list(dict.fromkeys(search_ids))
        with self._lock:
            for start in range(0, len(ids), _MAX_PARAMS):
                part = ids[start : start + _MAX_PARAMS]
                marks = ",".join("?" * len(part))
                rows = self._conn.execute(
                    f"SELECT search_id, item_ids, matrix FROM shown WHERE features_id = ?"
                    f" AND search_id IN ({marks})",
                    [FEATURES_ID, *part],
                ).fetchall()
                for search_id, item_ids, blob in rows:
                    matrix = np.frombuffer(blob, "<f4").reshape(-1, len(FEATURES)).copy()
                    found[search_id] = (item_ids.split("\x1f"), matrix)
        return found

    def prune(self, before_ts: float) -> int:
        with self._lock:
            return self._conn.execute("DELETE FROM shown WHERE ts < ?", (before_ts,)).rowcount

    def close(self) -> None:
        with self._lock:
            self._conn.close()


@dataclass(slots=True)
class LoggedSearch:
    search_id: str
    query: str
    ts: float
    results: list[str]
    clicks: set[str] = field(default_factory=set)


@dataclass(slots=True)
class ClickSession:
    """One search with clicks: what was shown (in order), its features, what was clicked."""

    search_id: str
    query: str
    ts: float
    item_ids: list[str]
    features: np.ndarray
    clicked: list[int]  # 0-based positions of clicked results


def read_searches(events: EventStore, page: int = 5000) -> list[LoggedSearch]:
    """Every logged search that showed results, with the items clicked from it."""
    searches: dict[str, LoggedSearch] = {}
    clicks: dict[str, set[str]] = defaultdict(set)
    for event in _iter_events(events, page):
        context = event.context or {}
        if event.type == "search" and context.get("results"):
            query = str(context.get("query", ""))
            results = [str(item_id) for item_id in context["results"]]
            searches[event.event_id] = LoggedSearch(event.event_id, query, event.ts, results)
        elif event.type == "click" and event.item_id and context.get("search_id"):
            clicks[str(context["search_id"])].add(event.item_id)
    for search_id, items in clicks.items():
        if search_id in searches:
            searches[search_id].clicks = items & set(searches[search_id].results)
    return sorted(searches.values(), key=lambda s: (s.ts, s.search_id))


def _iter_events(events: EventStore, page: int) -> Iterator[Event]:
    seq = 0
    while batch := events.read_events(after_seq=seq, limit=page):
        for _, event in batch:
            if event.type in ("search", "click"):
                yield event
        seq = batch[-1][0]
        if len(batch) < page:
            return


def click_sessions(searches: Sequence[LoggedSearch], log: FeatureLog) -> list[ClickSession]:
    """The searches with clicks whose shown features were logged, oldest first."""
    clicked = [s for s in searches if s.clicks]
    shown = log.get_many([s.search_id for s in clicked])
    sessions = []
    for search in clicked:
        if search.search_id not in shown:
            continue
        item_ids, X = shown[search.search_id]
        positions = [n for n, item_id in enumerate(item_ids) if item_id in search.clicks]
        if positions:
            sessions.append(
                ClickSession(search.search_id, search.query, search.ts, item_ids, X, positions)
            )
    return sessions
