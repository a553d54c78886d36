"""How people use search and the feed, tallied from the shared event log for the dashboards.

Search logs every query as a ``search`` event (its result count in the context) and every
click on a result as a ``click`` event naming the search; the feed's clients send
impressions, views with watch time, likes, shares, skips... ``UsageTally`` tails the log by
sequence number, so each event is read once however often the dashboards refresh, and keeps
only counters (memory stays bounded however long the log grows).
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from typing import Any

from reelstack.core.records import Event
from reelstack.storage.interfaces import EventStore

FEED_TYPES = ("impression", "view", "like", "share", "comment", "follow", "skip",
              "not_interested", "report")  # fmt: skip
ENGAGEMENTS = ("like", "share", "comment", "follow")
PAGE = 1000
MAX_EVENTS_PER_CALL = 200_000  # a first call on a long log returns early and catches up later
RECENT_SEARCHES = 10_000  # searches remembered to count a click-through once per search
ZERO_RESULT_QUERIES = 1000  # distinct zero-result queries kept (the most frequent survive)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


class _SearchTally:
    def __init__(self) -> None:
        self.queries = 0
        self.zero_results = 0
        self.clicks = 0
        self.clicked_searches = 0
        self.position_sum = 0
        self.positioned_clicks = 0
        self.recent: OrderedDict[str, bool] = OrderedDict()  # search id -> clicked yet
        self.zero_queries: Counter[str] = Counter()

    def add_search(self, event: Event) -> None:
        self.queries += 1
        self.recent[event.event_id] = False
        if len(self.recent) > RECENT_SEARCHES:
            self.recent.popitem(last=False)
        if event.context.get("count") == 0:
            self.zero_results += 1
            self._count_zero_query(str(event.context.get("query") or ""))

    def _count_zero_query(self, query: str) -> None:
        if not query:
            return
        self.zero_queries[query] += 1
        if len(self.zero_queries) > ZERO_RESULT_QUERIES:
            kept = self.zero_queries.most_common(ZERO_RESULT_QUERIES // 2)
            self.zero_queries = Counter(dict(kept))

    def add_click(self, event: Event) -> None:
        self.clicks += 1
        search_id = str(event.context.get("search_id") or "")
        if self.recent.get(search_id) is False:
            self.recent[search_id] = True
            self.clicked_searches += 1
        position = event.context.get("position")
        if isinstance(position, int) and not isinstance(position, bool):
            self.position_sum += position
            self.positioned_clicks += 1

    def report(self) -> dict[str, Any]:
        mean_position = (round(self.position_sum / self.positioned_clicks, 2)
                         if self.positioned_clicks else None)  # fmt: skip
        return {"queries": self.queries, "zero_results": self.zero_results,
                "zero_result_rate": _rate(self.zero_results, self.queries),
                "clicks": self.clicks, "searches_with_click": self.clicked_searches,
                "ctr": _rate(self.clicked_searches, self.queries),
                "clicks_per_search": _rate(self.clicks, self.queries),
                "mean_click_position": mean_position,
                "top_zero_result_queries": self.top_zero_queries()}  # fmt: skip

    def top_zero_queries(self, k: int = 10) -> list[dict[str, Any]]:
        return [{"query": q, "count": n} for q, n in self.zero_queries.most_common(k)]


class _FeedTally:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.watched_views = 0
        self.watch_ms = 0
        self.completed_views = 0

    def add(self, event: Event) -> None:
        self.counts[event.type] += 1
        if event.type != "view" or event.watch_ms is None:
            return
        self.watched_views += 1
        self.watch_ms += max(0, event.watch_ms)
        if event.duration_ms and event.watch_ms >= event.duration_ms:
            self.completed_views += 1

    def report(self) -> dict[str, Any]:
        impressions = self.counts["impression"]
        engaged = sum(self.counts[t] for t in ENGAGEMENTS)
        views = self.watched_views
        mean_watch = round(self.watch_ms / views / 1000, 2) if views else None
        return {"events": {t: self.counts[t] for t in FEED_TYPES},
                "per_impression": {t: _rate(self.counts[t], impressions)
                                   for t in FEED_TYPES if t != "impression"},
                "engagement_per_impression": _rate(engaged, impressions),
                "mean_watch_s": mean_watch,
                "completion_rate": _rate(self.completed_views, self.watched_views)}  # fmt: skip


class UsageTally:
    """Search and feed figures over the whole event log, brought up to date on each call."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.seq = 0
        self.search = _SearchTally()
        self.feed = _FeedTally()
        self._lock = threading.Lock()

    def report(self) -> dict[str, Any]:
        with self._lock:
            caught_up = self._catch_up()
            return {"events_read": self.seq, "caught_up": caught_up,
                    "search": self.search.report(), "feed": self.feed.report()}  # fmt: skip

    def _catch_up(self) -> bool:
        read = 0
        while read < MAX_EVENTS_PER_CALL:
            page = self.store.read_events(after_seq=self.seq, limit=PAGE)
            for seq, event in page:
                self._add(event)
                self.seq = seq
            read += len(page)
            if len(page) < PAGE:
                return True
        return False

    def _add(self, event: Event) -> None:
        if event.type == "search":
            self.search.add_search(event)
        elif event.type == "click":
            self.search.add_click(event)
        elif event.type in FEED_TYPES:
            self.feed.add(event)
