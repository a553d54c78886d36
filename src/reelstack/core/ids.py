"""Time-sortable, prefixed identifiers (``itm_01J...``): readable in logs, ordered by creation."""

from __future__ import annotations

import os
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case


def _base32(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        value, rem = divmod(value, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


class _MonotonicUlid:
    """ULID generator: within one millisecond the random part increments, so ids stay ordered."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = (0, 0)

    def __call__(self) -> str:
        with self._lock:
            millis = time.time_ns() // 1_000_000
            last_millis, last_rand = self._last
            if millis <= last_millis:
                millis, rand = last_millis, last_rand + 1
            else:
                rand = int.from_bytes(os.urandom(10), "big") >> 1  # headroom for increments
            self._last = (millis, rand)
        return _base32(millis, 10) + _base32(rand, 16)


_next_ulid = _MonotonicUlid()


def new_id(prefix: str) -> str:
    """A ULID-style id (48-bit millisecond time, 80 bits random) behind ``prefix_``."""
    return f"{prefix}_{_next_ulid()}"


PREFIXES = {
    "item": "itm",
    "media": "med",
    "creator": "cre",
    "user": "usr",
    "event": "evt",
    "decision": "dec",
    "audit": "aud",
    "review_job": "rvj",
    "api_key": "key",
}
