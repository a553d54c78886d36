"""Suggestions: prefix autocomplete, related searches, trending queries, no-result recovery.

Two sources, both kept in memory and updated incrementally:

- the query log — ``search`` events in the store (`store.read_events`, resumed from the last
  sequence number read): how often each normalised query was asked and found something, when,
  by whom (sessions), and which items were clicked after it (``click`` events);
- the content — hashtags, creator handles and caption words and word pairs of indexed items.

Autocomplete ranks popular queries first (a query people asked and that found results), then
hashtags, creators and caption phrases by how many items carry them. Related searches are
queries asked in the same session (same user, within ``SESSION_GAP_S``) or that led to clicks
on the same items. Trending compares the last day with the days before it.
"""

from __future__ import annotations

import bisect
import itertools
import math
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from reelstack.core import clock
from reelstack.search.analysis.query import normalize_query
from reelstack.storage.interfaces import EventStore

SESSION_GAP_S = 30 * 60
DAY_S = 86400.0
MAX_PHRASES = 1_000_000


@dataclass(slots=True)
class _QueryStats:
    count: int = 0
    found: int = 0  # searches of it that returned results
    times: list[float] = field(default_factory=list)


class Suggester:
    """Thread-safe; ``refresh`` reads new events from the store."""

    def __init__(self, events: EventStore, window_days: float = 7.0) -> None:
        self.events = events
        self.window_days = window_days
        self._lock = threading.RLock()
        self._seq = 0
        self._queries: dict[str, _QueryStats] = defaultdict(_QueryStats)
        self._by_search: dict[str, str] = {}  # search id → query
        self._last: dict[str, tuple[str, float]] = {}  # user → (last query, time)
        self._session_pairs: Counter[tuple[str, str]] = Counter()
        self._clicked: dict[str, Counter[str]] = defaultdict(Counter)  # query → item clicks
        self._phrases: Counter[str] = Counter()
        self._kinds: dict[str, str] = {}
        self._sorted: list[str] | None = None

    # -- sources -----------------------------------------------------------------------------

    def add_content(self, meta: dict[str, Any], tokens: Iterable[str] = ()) -> None:
        """Hashtags, creator and caption words/pairs of one indexed document."""
        with self._lock:
            if len(self._phrases) >= MAX_PHRASES:
                return
            for tag in meta.get("hashtags") or []:
                self._add_phrase("#" + tag.casefold(), "hashtag")
            if meta.get("creator"):
                self._add_phrase("@" + str(meta["creator"]).casefold(), "creator")
            words = [t for t in tokens if t[:1] not in "#@"]
            for word in dict.fromkeys(words):
                if len(word) > 1 or not word.isascii():
                    self._add_phrase(word.replace("_", " "), "caption")
            for pair in dict.fromkeys(itertools.pairwise(words)):
                joiner = "" if all(not w.isascii() for w in pair) else " "
                self._add_phrase(joiner.join(pair).replace("_", " "), "caption")

    def _add_phrase(self, phrase: str, kind: str) -> None:
        if phrase not in self._phrases:
            self._sorted = None
        self._phrases[phrase] += 1
        self._kinds.setdefault(phrase, kind)

    def refresh(self) -> None:
        """Read search and click events logged since the last call."""
        with self._lock:
            while True:
                page = self.events.read_events(after_seq=self._seq, limit=1000)
                for seq, event in page:
                    self._seq = seq
                    if event.type == "search":
                        self._add_search(event.user_id, event.ts, event.event_id, event.context)
                    elif event.type == "click":
                        query = self._by_search.get(str(event.context.get("search_id")))
                        if query and event.item_id:
                            self._clicked[query][event.item_id] += 1
                if len(page) < 1000:
                    return

    def _add_search(self, user: str, ts: float, search_id: str, context: dict[str, Any]) -> None:
        query = normalize_query(str(context.get("query") or "")).casefold()
        if not query:
            return
        stats = self._queries[query]
        stats.count += 1
        stats.found += int(bool(context.get("count")))
        stats.times.append(ts)
        self._by_search[search_id] = query
        if user and user != "anonymous":
            last = self._last.get(user)
            if last and last[0] != query and abs(ts - last[1]) <= SESSION_GAP_S:
                self._session_pairs[(last[0], query)] += 1
                self._session_pairs[(query, last[0])] += 1
            self._last[user] = (query, ts)

    # -- answers -----------------------------------------------------------------------------

    def complete(self, prefix: str, limit: int = 10) -> list[dict[str, Any]]:
        """Completions of ``prefix``: popular queries, then content phrases."""
        self.refresh()
        prefix = normalize_query(prefix).casefold()
        if not prefix:
            return []
        with self._lock:
            scored: dict[str, tuple[float, str]] = {}
            for query, stats in self._queries.items():
                if query.startswith(prefix) and stats.found:
                    scored[query] = (10.0 + math.log1p(stats.found), "query")
            for phrase in self._with_prefix(prefix) + self._with_prefix("#" + prefix):
                if phrase not in scored:
                    scored[phrase] = (math.log1p(self._phrases[phrase]), self._kinds[phrase])
            if not scored and " " in prefix:  # complete the last word, keep the rest
                head, _, last = prefix.rpartition(" ")
                for phrase in self._with_prefix(last):
                    if " " not in phrase:
                        scored[f"{head} {phrase}"] = (math.log1p(self._phrases[phrase]), "caption")
        ranked = sorted(scored.items(), key=lambda kv: (-kv[1][0], len(kv[0]), kv[0]))
        return [{"text": text, "source": source, "score": round(score, 3)}
                for text, (score, source) in ranked[:limit]]  # fmt: skip

    def _with_prefix(self, prefix: str, cap: int = 200) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(self._phrases)
        start = bisect.bisect_left(self._sorted, prefix)
        out = []
        for phrase in self._sorted[start : start + cap]:
            if not phrase.startswith(prefix):
                break
            if phrase != prefix:
                out.append(phrase)
        return out

    def related(self, query: str, limit: int = 8) -> list[str]:
        """Queries asked in the same sessions, or that led to clicks on the same items."""
        self.refresh()
        query = normalize_query(query).casefold()
        with self._lock:
            scores: Counter[str] = Counter()
            for (a, b), n in self._session_pairs.items():
                if a == query:
                    scores[b] += 2 * n
            clicked = self._clicked.get(query)
            if clicked:
                for other, items in self._clicked.items():
                    if other != query:
                        shared = sum(
                            min(items[i], clicked[i]) for i in items.keys() & clicked.keys()
                        )
                        scores[other] += shared
            words = set(query.split())
            for other, stats in self._queries.items():
                if other != query and stats.found and words & set(other.split()):
                    scores[other] += 1
        return [q for q, _ in scores.most_common() if self._queries[q].found][:limit]

    def trending(self, limit: int = 10, now: float | None = None) -> list[dict[str, Any]]:
        """Queries asked more in the last day than the days before would predict."""
        self.refresh()
        now = clock.now() if now is None else now
        window = self.window_days * DAY_S
        out = []
        with self._lock:
            for query, stats in self._queries.items():
                if not stats.found:
                    continue
                recent = sum(1 for t in stats.times if now - t <= DAY_S)
                before = sum(1 for t in stats.times if DAY_S < now - t <= window)
                expected = before / max(self.window_days - 1, 1.0)
                if recent:
                    out.append((recent - expected, recent, query))
        out.sort(key=lambda row: (-row[0], -row[1], row[2]))
        return [{"query": q, "count": n, "score": round(s, 3)} for s, n, q in out[:limit]]

    def found_queries(self) -> list[str]:
        """Every logged query that found results."""
        self.refresh()
        with self._lock:
            return [q for q, stats in self._queries.items() if stats.found]

    def did_you_mean(self, text: str) -> str | None:
        """A popular query close to ``text`` (edit distance ≤ 2), for no-result recovery."""
        self.refresh()
        text = normalize_query(text).casefold()
        with self._lock:
            close = [(q, s.found) for q, s in self._queries.items()
                     if s.found and q != text and _distance(q, text, 2) <= 2]  # fmt: skip
        return max(close, key=lambda qc: qc[1])[0] if close else None


def _distance(a: str, b: str, cap: int) -> int:
    """Levenshtein distance, stopping early once above ``cap``."""
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > cap:
            return cap + 1
        previous = current
    return previous[-1]
