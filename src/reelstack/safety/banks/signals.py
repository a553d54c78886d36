"""Signal formats: validation of what admins bank, and hex ⇄ bytes for the index.

PDQ hashes are 64 hex digits (256 bits) in ThreatExchange's form, MD5s 32 hex digits; both are
accepted in either case, with surrounding spaces, and stored lower case. Anything else is an
``InvalidInput`` that says what was wrong and where.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

from reelstack.core.errors import InvalidInput

HEX_DIGITS = {"pdq": 64, "md5": 32, "video_pdq": 32}  # video_pdq: the signal is the file's md5
SIGNAL_TYPES = tuple(HEX_DIGITS)
ADDABLE_TYPES = ("pdq", "md5")  # a video_pdq entry comes from media or an item, not from text
BANK_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_NOT_HEX = re.compile(r"[^0-9a-f]")


def normalize_signal(signal_type: str, signal: object, types: Iterable[str] = SIGNAL_TYPES) -> str:
    """``signal`` as lower-case hex of the right length for ``signal_type``, or ``InvalidInput``."""
    allowed = tuple(types)
    if signal_type not in allowed:
        raise InvalidInput(
            f"unknown signal_type {signal_type!r}; use one of {', '.join(allowed)}",
            signal_type=signal_type,
        )
    if not isinstance(signal, str):
        raise InvalidInput(f"{signal_type} signal must be a string of hex digits")
    text = signal.strip().lower()
    digits = HEX_DIGITS[signal_type]
    bad = _NOT_HEX.search(text)
    if bad:
        raise InvalidInput(
            f"{signal_type} signal has a non-hex character {bad.group()!r} at position "
            f"{bad.start()}; expected {digits} hex digits (0-9, a-f)"
        )
    if len(text) != digits:
        bits = digits * 4
        raise InvalidInput(
            f"{signal_type} signal must be {digits} hex digits ({bits} bits), got {len(text)}"
        )
    return text


def check_bank_name(name: str) -> str:
    if not BANK_NAME.match(name or ""):
        raise InvalidInput(
            f"bank name {name!r} must be 1-64 characters: lower-case letters, digits, '_', '.' "
            "or '-', starting with a letter or digit"
        )
    return name


def to_codes(hexes: Iterable[str]) -> np.ndarray:
    """PDQ hex strings as an (n, 32) uint8 array: the layout FAISS binary indexes take."""
    raw = b"".join(bytes.fromhex(h) for h in hexes)
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, 32).copy()


def hamming_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)) Hamming distances between rows of two (n, 32) uint8 code arrays."""
    words_a = np.ascontiguousarray(a).view(np.uint64)
    words_b = np.ascontiguousarray(b).view(np.uint64)
    total = np.zeros((len(a), len(b)), dtype=np.int32)
    for word in range(words_a.shape[1]):  # word by word: a quarter of one broadcast's memory
        total += np.bitwise_count(words_a[:, None, word] ^ words_b[None, :, word])
    return total
