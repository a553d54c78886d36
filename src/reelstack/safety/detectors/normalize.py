"""Undo the obfuscation people use to slip words past filters, before any text detector runs.

Steps, each cheap and linear: Unicode NFKC (full-width and styled letters → plain), drop
zero-width and other format characters, map confusable Cyrillic/Greek letters to Latin
(only inside words that are otherwise Latin, so real Russian or Greek text is untouched),
undo leetspeak digits and symbols between letters, collapse long letter repeats and
separators inside spelled-out words ("s.p.a.m", "f r e e").
"""

from __future__ import annotations

import re
import unicodedata

_CONFUSABLES = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
        "ј": "j", "ѕ": "s", "к": "k", "м": "m", "т": "t", "в": "b", "н": "h",
        "α": "a", "ε": "e", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "ι": "i", "κ": "k",
        "ν": "v",
    }
)  # fmt: skip
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                       "$": "s", "!": "i", "|": "l", "€": "e"})  # fmt: skip
_LEET_CHARS = "013457@$!|€"
_WORD = re.compile(r"[^\s]+")
_REPEATS = re.compile(r"(\w)\1{2,}")
_SPELLED = re.compile(r"\b(?:\w[.\-_*\s]){2,}\w\b")
_LATIN = re.compile(r"[a-z]")


def _strip_format(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def _fix_word(word: str) -> str:
    lowered = word.lower()
    if _LATIN.search(lowered):  # mixed-script words only: pure Cyrillic/Greek stays as it is
        lowered = lowered.translate(_CONFUSABLES)
    body = lowered.rstrip(".,?!:;")
    tail = lowered[len(body) :]
    if sum(ch.isalpha() for ch in body) >= 2 and any(ch in _LEET_CHARS for ch in body):
        body = body.translate(_LEET)
    return body + tail


def _join_spelled(match: re.Match[str]) -> str:
    return re.sub(r"[.\-_*\s]", "", match.group(0))


def normalize_text(text: str, max_chars: int = 100_000) -> str:
    """A lower-cased, de-obfuscated copy of ``text`` (cut at ``max_chars``) for matching."""
    text = unicodedata.normalize("NFKC", text[:max_chars])
    text = _strip_format(text)
    text = _SPELLED.sub(_join_spelled, text)
    text = _WORD.sub(lambda m: _fix_word(m.group(0)), text)
    return _REPEATS.sub(r"\1\1", text)
