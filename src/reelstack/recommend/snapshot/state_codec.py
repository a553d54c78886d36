"""The real-time state as arrays and back: item counters, co-engagement and every user.

Per-user collections become ragged columns (``<name>.offsets`` plus one array per field),
kept in their in-memory order (dict insertion order decides ties when a table is trimmed),
so a restored state applies the rest of the log exactly as the original would have.
Item, creator and language references are catalogue indexes, which the snapshot keeps.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np

from reelstack.recommend.catalog import Catalog
from reelstack.recommend.settings import RecommendSettings
from reelstack.recommend.snapshot.arrays import ArrayReader, ArrayWriter, SnapshotError
from reelstack.recommend.state import COUNTERS, RealtimeState, UserState
from reelstack.storage.interfaces import Store

# Settings that shape the state: a snapshot taken under other values is not reused.
STATE_SETTINGS = (
    "user_half_life_h",
    "fatigue_half_life_h",
    "velocity_half_life_h",
    "recent_len",
    "seen_cap",
    "coengagement_window_s",
    "coengagement_cap",
)
COUNTS = ("events", "engaged", "plays", "likes", "version")
FLOATS = ("profile_ts", "skip_ts", "watch_sum", "last_ts")
TAG_TABLES = ("tags", "tag_skips")
CREATOR_TABLES = ("creators", "creator_skips")


def settings_key(settings: RecommendSettings) -> dict[str, float]:
    return {name: float(getattr(settings, name)) for name in STATE_SETTINGS}


def capture(state: RealtimeState, out: ArrayWriter) -> dict[str, Any]:
    """Write the state into ``out``; the caller holds the tail lock, so no event is applied
    meanwhile and ``seq`` is exactly the log position the arrays cover."""
    for name, array in state.stats.items():
        out.put(f"stats.{name}", array, np.float32)
    out.put("velocity", state.velocity, np.float64)
    out.put("last_event", state.last_event, np.float64)
    regions = list(state.region_plays)
    out.strings("regions", regions)
    for name, table in (("plays", state.region_plays), ("engagement", state.region_engagement)):
        rows = [table[region] for region in regions]
        out.put(f"regions.{name}", np.stack(rows) if rows else np.zeros((0, 0)), np.float32)
    sources = list(state.coengaged.items())
    out.put("coengaged.items", [item for item, _ in sources], np.int32)
    out.offsets("coengaged", [len(n) for _, n in sources])
    out.put("coengaged.other", [o for _, n in sources for o in n], np.int32)
    out.put("coengaged.count", [c for _, n in sources for c in n.values()], np.float64)
    users = list(state.users.values())
    _capture_users(users, out)
    return {
        "seq": state.seq,
        "applied": state.applied,
        "log_now": state.log_now,
        "totals": state.totals,
        "velocity_t0": state.velocity_t0,
        "revision": state.revision,
        "users": len(users),
        "settings": settings_key(state.settings),
    }


def _capture_users(users: list[UserState], out: ArrayWriter) -> None:
    out.strings("users.id", [u.user_id for u in users])
    out.put(
        "users.birth_year", [-1 if u.birth_year is None else u.birth_year for u in users], np.int32
    )
    for name in ("language", "region"):
        out.strings(f"users.{name}", [getattr(u, name) or "" for u in users])
        out.put(f"users.{name}_null", [getattr(u, name) is None for u in users], bool)
    counts = [getattr(u, name) for u in users for name in COUNTS]
    out.put("users.counts", np.reshape(counts, (len(users), len(COUNTS))), np.int64)
    floats = [getattr(u, name) for u in users for name in FLOATS]
    out.put("users.floats", np.reshape(floats, (len(users), len(FLOATS))), np.float64)
    for name in ("profile", "skip_vector"):
        rows = [r for r, u in enumerate(users) if getattr(u, name) is not None]
        out.put(f"users.{name}.rows", rows, np.int32)
        vectors = [getattr(users[r], name) for r in rows]
        out.put(f"users.{name}", np.stack(vectors) if vectors else np.zeros((0, 0)), np.float32)
    _ragged(out, "users.recent", [list(u.recent) for u in users], ("item", "ts", "weight"))
    _ragged(out, "users.seen", [list(u.seen.items()) for u in users], ("item", "ts"))
    _ragged(out, "users.hidden", [[(i,) for i in u.hidden] for u in users], ("item",))
    _ragged(out, "users.follows", [[(c,) for c in u.follows] for u in users], ("creator",))
    _ragged(
        out, "users.languages", [list(u.languages.items()) for u in users], ("language", "weight")
    )
    vocabulary: dict[str, int] = {}
    for name in TAG_TABLES:
        rows = [
            [(vocabulary.setdefault(t, len(vocabulary)), *e) for t, e in getattr(u, name).items()]
            for u in users
        ]
        _ragged(out, f"users.{name}", rows, ("key", "value", "ts"))
    out.strings("users.tag_names", list(vocabulary))
    for name in CREATOR_TABLES:
        rows = [[(c, *e) for c, e in getattr(u, name).items()] for u in users]
        _ragged(out, f"users.{name}", rows, ("key", "value", "ts"))


def _ragged(out: ArrayWriter, name: str, rows: list[list[tuple]], fields: tuple[str, ...]):
    """One ragged column per field; the first field is an index (int32), the rest floats."""
    out.offsets(name, [len(row) for row in rows])
    flat = [entry for row in rows for entry in row]
    for n, field in enumerate(fields):
        dtype = np.int32 if n == 0 else np.float64
        out.put(f"{name}.{field}", [entry[n] for entry in flat], dtype)


# -- restoring --------------------------------------------------------------------------------


def restore(
    reader: ArrayReader,
    meta: dict[str, Any],
    catalog: Catalog,
    settings: RecommendSettings,
    store: Store,
) -> RealtimeState:
    if meta.get("settings") != settings_key(settings):
        raise SnapshotError("taken under other state settings (half-lives, caps)")
    state = RealtimeState(catalog, settings, store)
    size, items = len(catalog.creator), max(len(catalog), 1)
    for name in COUNTERS:
        state.stats[name] = _fit(reader.get(f"stats.{name}", "f"), size, np.float32)
    state.velocity = _fit(reader.get("velocity", "f"), size, np.float64)
    state.last_event = _fit(reader.get("last_event", "f"), size, np.float64)
    regions = reader.strings("regions")
    for name, table in (("plays", state.region_plays), ("engagement", state.region_engagement)):
        matrix = reader.get(f"regions.{name}", "f", ndim=2, rows=len(regions))
        for region, row in zip(regions, matrix, strict=True):
            table[region] = _fit(row, size, np.float32)
    sources = reader.index("coengaged.items", items).tolist()
    bounds = reader.offsets("coengaged", len(sources))
    others = reader.index("coengaged.other", items, rows=bounds[-1]).tolist()
    counts = reader.get("coengaged.count", "f", rows=bounds[-1]).tolist()
    state.coengaged = {
        item: dict(zip(others[a:b], counts[a:b], strict=True))
        for item, a, b in zip(sources, bounds[:-1], bounds[1:], strict=True)
    }
    state.users = {u.user_id: u for u in _restore_users(reader, int(meta["users"]), catalog)}
    state.seq, state.applied = int(meta["seq"]), int(meta["applied"])
    state.log_now, state.velocity_t0 = float(meta["log_now"]), float(meta["velocity_t0"])
    state.totals = {name: float(meta["totals"][name]) for name in COUNTERS}
    state.revision = int(meta["revision"])
    return state


def _fit(array: np.ndarray, size: int, dtype: Any) -> np.ndarray:
    fitted = np.zeros(max(size, len(array)), dtype)
    fitted[: len(array)] = array
    return fitted


def _restore_users(reader: ArrayReader, n: int, catalog: Catalog) -> list[UserState]:
    items, creators = max(len(catalog), 1), max(len(catalog.creators), 1)
    ids = reader.strings("users.id", n)
    years = reader.get("users.birth_year", "i", rows=n).tolist()
    text = {}
    for name in ("language", "region"):
        values = reader.strings(f"users.{name}", n)
        null = reader.get(f"users.{name}_null", "b", rows=n).tolist()
        text[name] = [None if missing else v for v, missing in zip(values, null, strict=True)]
    counts = reader.get("users.counts", "i", ndim=2, rows=n).tolist()
    floats = reader.get("users.floats", "f", ndim=2, rows=n).tolist()
    users = [
        UserState(
            ids[r],
            None if years[r] < 0 else years[r],
            text["language"][r],
            region=text["region"][r],
        )
        for r in range(n)
    ]
    for r, user in enumerate(users):
        if len(counts[r]) != len(COUNTS) or len(floats[r]) != len(FLOATS):
            raise SnapshotError("user counters have the wrong width")
        for name, value in zip(COUNTS, counts[r], strict=True):
            setattr(user, name, int(value))
        for name, value in zip(FLOATS, floats[r], strict=True):
            setattr(user, name, float(value))
    _restore_vectors(reader, users)
    tag_names = reader.strings("users.tag_names")
    tags = max(len(tag_names), 1)
    fill = _filler(reader, n)
    fill(
        "users.recent",
        ("item", "ts", "weight"),
        items,
        lambda r, rows: setattr(users[r], "recent", deque(rows)),
    )
    fill("users.seen", ("item", "ts"), items, lambda r, rows: users[r].seen.update(rows))
    fill(
        "users.hidden", ("item",), items, lambda r, rows: users[r].hidden.update(i for (i,) in rows)
    )
    fill(
        "users.follows",
        ("creator",),
        creators,
        lambda r, rows: users[r].follows.update(c for (c,) in rows),
    )
    fill(
        "users.languages",
        ("language", "weight"),
        max(len(catalog.languages), 1),
        lambda r, rows: users[r].languages.update(rows),
    )
    for name in TAG_TABLES:
        fill(f"users.{name}", ("key", "value", "ts"), tags, _table_setter(users, name, tag_names))
    for name in CREATOR_TABLES:
        fill(f"users.{name}", ("key", "value", "ts"), creators, _table_setter(users, name, None))
    return users


def _restore_vectors(reader: ArrayReader, users: list[UserState]) -> None:
    for name in ("profile", "skip_vector"):
        rows = reader.index(f"users.{name}.rows", max(len(users), 1)).tolist()
        vectors = reader.get(f"users.{name}", "f", ndim=2, rows=len(rows))
        for row, vector in zip(rows, vectors.astype(np.float32), strict=True):
            setattr(users[row], name, vector.copy())


def _filler(reader: ArrayReader, n: int) -> Callable[..., None]:
    """Reads one ragged column and hands each user's rows (tuples) to ``apply``."""

    def fill(name: str, fields: tuple[str, ...], upper: int, apply: Callable) -> None:
        bounds = reader.offsets(name, n)
        columns = [reader.index(f"{name}.{fields[0]}", upper, rows=bounds[-1]).tolist()]
        columns += [reader.get(f"{name}.{f}", "f", rows=bounds[-1]).tolist() for f in fields[1:]]
        flat = list(zip(*columns, strict=True))
        for r in range(n):
            if bounds[r + 1] > bounds[r]:
                apply(r, flat[bounds[r] : bounds[r + 1]])

    return fill


def _table_setter(users: list[UserState], name: str, keys: list[str] | None) -> Callable:
    def apply(r: int, rows: list[tuple[Hashable, float, float]]) -> None:
        table = getattr(users[r], name)
        for key, value, ts in rows:
            table[keys[key] if keys is not None else key] = [value, ts]

    return apply
