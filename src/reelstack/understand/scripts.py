"""Unicode script helpers shared by language id, segmentation and hashtag extraction.

Python's ``\\w`` excludes combining marks, which would cut Thai (``ั``, ``่``), Devanagari and
decomposed Latin words in pieces; ``word_class`` adds every combining mark back.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import cache

HAN = "\u3005\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HIRAGANA = "\u3040-\u309f"
KATAKANA = "\u30a0-\u30ff\u31f0-\u31ff"
THAI = "\u0e00-\u0e7f"

# The script a language is written in, for the ones not written in Latin letters.
_LANGUAGE_SCRIPTS = {
    "th": "THAI", "lo": "LAO", "km": "KHMER", "my": "MYANMAR",
    "zh": "CJK", "yue": "CJK", "wuu": "CJK", "ja": "JAPANESE", "ko": "HANGUL",
    "hi": "DEVANAGARI", "mr": "DEVANAGARI", "ne": "DEVANAGARI", "sa": "DEVANAGARI",
    "bn": "BENGALI", "as": "BENGALI", "ta": "TAMIL", "te": "TELUGU", "kn": "KANNADA",
    "ml": "MALAYALAM", "gu": "GUJARATI", "pa": "GURMUKHI", "si": "SINHALA", "or": "ORIYA",
    "ar": "ARABIC", "arz": "ARABIC", "ary": "ARABIC", "fa": "ARABIC", "ur": "ARABIC",
    "ps": "ARABIC", "ug": "ARABIC", "sdh": "ARABIC", "he": "HEBREW", "hbo": "HEBREW",
    "el": "GREEK", "grc": "GREEK", "ka": "GEORGIAN", "hy": "ARMENIAN", "am": "ETHIOPIC",
    "dz": "TIBETAN", "ru": "CYRILLIC", "uk": "CYRILLIC", "be": "CYRILLIC", "bg": "CYRILLIC",
    "mk": "CYRILLIC", "sr": "CYRILLIC", "kk": "CYRILLIC", "ky": "CYRILLIC", "tg": "CYRILLIC",
    "mn": "CYRILLIC", "tt": "CYRILLIC", "ba": "CYRILLIC",
}  # fmt: skip
_JAPANESE = {"CJK", "HIRAGANA", "KATAKANA"}


@cache
def combining_marks() -> str:
    """A regex character-class body (no brackets) matching every combining mark (Mn, Mc, Me).

    Built on first use (~30 ms) rather than at import; planes 0-1 hold all marks that matter.
    """
    ranges: list[list[int]] = []
    for cp in range(0x20000):
        if unicodedata.category(chr(cp))[0] == "M":
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
    return "".join(f"\\U{a:08x}-\\U{b:08x}" if a != b else f"\\U{a:08x}" for a, b in ranges)


def word_class(exclude: str = "") -> str:
    """A pattern for one word character: a letter, digit or combining mark (not ``_``).

    ``exclude`` is a class body of characters to leave out (e.g. Han, tokenised separately).
    """
    return rf"(?:[^\W_{exclude}]|[{combining_marks()}])"


def script_of(char: str) -> str:
    """The Unicode script of a letter, from its name: ``LATIN``, ``THAI``, ``CJK``, ``HANGUL``..."""
    try:
        name = unicodedata.name(char)
    except ValueError:
        return "UNKNOWN"
    return name.split(" ", 1)[0].split("-", 1)[0]


def dominant_script(text: str, sample: int = 200) -> str | None:
    """The script most letters of ``text`` use (the first ``sample`` letters), or None."""
    counts: Counter[str] = Counter()
    for char in text:
        if char.isalpha():
            counts[script_of(char)] += 1
            if sum(counts.values()) >= sample:
                break
    return counts.most_common(1)[0][0] if counts else None


def language_fits_script(language: str, script: str | None) -> bool:
    """Whether ``language`` is normally written in ``script`` (unknown languages: Latin)."""
    if script is None:
        return False
    expected = _LANGUAGE_SCRIPTS.get(language, "LATIN")
    if expected == "JAPANESE":
        return script in _JAPANESE
    return script == expected


def count_letters(text: str) -> int:
    return sum(1 for char in text if char.isalpha())
