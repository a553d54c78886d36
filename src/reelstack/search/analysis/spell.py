"""Spelling correction of query words with SymSpell, from a dictionary the corpus builds.

The dictionary holds every Latin-script word of the indexed fields with its count, plus the
words of logged queries that found results. A query word is corrected only when the
dictionary does not know it (with or without accents) and a known word lies within the edit
distance (1 for words of 3–5 letters, 2 beyond); the most frequent of the closest wins.
Words in scripts without spaces (Chinese, Thai) and words with digits are left alone.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable

from reelstack.core.errors import ModelUnavailable
from reelstack.understand.segment import fold_accents

MIN_LENGTH = 3
_LATIN_WORD = re.compile(r"^[a-zà-ɏḀ-ỿ']+$")


def correctable(word: str) -> bool:
    return len(word) >= MIN_LENGTH and bool(_LATIN_WORD.match(word))


class Speller:
    """Thread-safe; words are added as documents are indexed."""

    def __init__(self, max_distance: int = 2) -> None:
        try:
            from symspellpy import SymSpell
        except ImportError:
            raise ModelUnavailable(
                "spelling correction needs 'symspellpy' (pip install \"reelstack[search]\")",
                model="symspellpy",
                packages=["symspellpy"],
            ) from None
        self.max_distance = max_distance
        self._symspell = SymSpell(max_dictionary_edit_distance=max_distance, prefix_length=7)
        self._counts: Counter[str] = Counter()
        self._folded: set[str] = set()
        self._lock = threading.Lock()

    def add_words(self, words: Iterable[str], weight: int = 1) -> None:
        counts = Counter(w for w in words if correctable(w))
        with self._lock:
            for word, count in counts.items():
                self._symspell.create_dictionary_entry(word, count * weight)
                self._counts[word] += count * weight
                self._folded.add(fold_accents(word))

    def __contains__(self, word: str) -> bool:
        return word in self._counts

    def __len__(self) -> int:
        return len(self._counts)

    def count(self, word: str) -> int:
        return self._counts.get(word, 0)

    def correct(self, word: str) -> str | None:
        """The correction of an unknown word, or None (known, not correctable, or no match)."""
        if not correctable(word) or word in self._counts or fold_accents(word) in self._folded:
            return None  # known, or known without its accents (the folded field finds it)
        from symspellpy import Verbosity

        distance = 1 if len(word) <= 5 else self.max_distance
        with self._lock:
            found = self._symspell.lookup(word, Verbosity.CLOSEST, max_edit_distance=distance)
        if not found:
            return None
        best = max(found, key=lambda s: (-s.distance, s.count))
        return best.term if best.term != word else None
