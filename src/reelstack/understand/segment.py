"""Word segmentation for every language a post may use: the one API search and safety share.

``segment(text, language)`` returns lower-cased word tokens, the same way for documents
(the text stage) and for queries (search), so both sides of an index agree:

- URLs are dropped (they are in the ``urls`` list); ``#hashtags`` and ``@mentions`` stay one
  token each, written with their sign (``#萌宠日常``, ``@somchai``);
- Thai runs go to pythainlp's ``newmm`` (dictionary shipped in the wheel, nothing fetched);
- Han runs go to jieba, through a ``jieba.Tokenizer`` owned by the `Segmenter` (never the
  global one) whose dictionary *learns*: `Segmenter.learn` adds hashtags, so ``萌宠日常``
  stays one word in later captions and queries; Japanese Han falls back to single characters;
- Vietnamese goes to pyvi, whose compound words keep their underscore: ``hà_nội``. Search
  indexes whitespace-separated tokens, so one token per word is what it needs; a query
  segmented by the same function matches, and ``token.replace("_", " ")`` is the display form;
- everything else: a Unicode regex (letters, digits and combining marks; Lucene-style single
  characters for Han/Hiragana and runs for Katakana).

``fold=True`` also strips accents (``café`` → ``cafe``, ``hà_nội`` → ``ha_noi``; Thai marks are
not accents and stay), for a second, accent-insensitive search field: users often type
Vietnamese and French without diacritics.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

from reelstack.core.errors import ModelUnavailable
from reelstack.understand.extract import (
    extract_hashtags,
    extract_mentions,
    extract_urls,
    find_spans,
    url_domain,
)
from reelstack.understand.language import DEFAULT_LANGUAGES, detect_language, normalize_language
from reelstack.understand.scripts import HAN, HIRAGANA, KATAKANA, THAI, word_class

__all__ = [
    "DEFAULT_LANGUAGES",
    "Segmenter",
    "default_segmenter",
    "detect_language",
    "extract_hashtags",
    "extract_mentions",
    "extract_urls",
    "fold_accents",
    "learn",
    "normalize_language",
    "segment",
    "url_domain",
]

# Combining accents of Latin, Greek and Cyrillic letters (not Thai or Indic vowel signs).
_ACCENTS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# Letters Unicode does not decompose but readers see as accented.
_FOLD_EXTRA = str.maketrans({"đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L",
                             "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe"})  # fmt: skip
_SARA_AM = re.compile("\u0e4d\u0e32|\u0ecd\u0eb2")
_SARA_AM_WHOLE = {"\u0e4d\u0e32": "\u0e33", "\u0ecd\u0eb2": "\u0eb3"}
_RUNS = re.compile(rf"(?P<thai>[{THAI}]+)|(?P<han>[{HAN}]+)|(?P<other>[^{THAI}{HAN}]+)")


def normalize_text(text: str) -> str:
    """NFKC (full-width Latin → ASCII, half-width kana → full), keeping Thai/Lao SARA AM whole.

    NFKC splits ``ำ`` into NIKHAHIT + SARA AA, which pythainlp's dictionary does not contain.
    """
    text = unicodedata.normalize("NFKC", text or "")
    return _SARA_AM.sub(lambda m: _SARA_AM_WHOLE[m.group()], text)


def fold_accents(text: str) -> str:
    """Remove accents from Latin/Greek/Cyrillic letters; other scripts are left unchanged."""
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_EXTRA))
    return unicodedata.normalize("NFC", _ACCENTS.sub("", decomposed))


@cache
def _generic_re() -> re.Pattern[str]:
    word = word_class(exclude=HAN + HIRAGANA + KATAKANA)
    return re.compile(
        rf"[{HAN}]|[{HIRAGANA}]|[{KATAKANA}]+|{word}+(?:['’]{word}+)*",
    )


def _regex_words(text: str) -> list[str]:
    return _generic_re().findall(text)


def _has_word_char(token: str) -> bool:
    return any(char.isalnum() for char in token)


def _missing(package: str, pin: str, what: str) -> ModelUnavailable:
    return ModelUnavailable(
        f"{what} needs the Python package '{package}' (pip install {pin}); it is not installed",
        model=package,
        packages=[package],
        pip=f"pip install {pin}",
    )


class Segmenter:
    """Per-language word segmentation with a dictionary that learns hashtags.

    Each instance owns its jieba tokenizer and Thai dictionary; heavy parts load on first
    use (jieba ~1 s, pyvi ~2 s). ``cache_dir`` holds jieba's prefix-dictionary cache (default:
    the system temp directory, as jieba does). At most ``max_learned`` words are learned, so a
    wave of random spam tags cannot grow the dictionaries without bound. Thread-safe.
    """

    def __init__(self, cache_dir: Path | str | None = None, max_learned: int = 100_000) -> None:
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.max_learned = max_learned
        self._learned: set[str] = set()
        self._lock = threading.RLock()
        self._jieba: Any = None
        self._thai_dict: Any = None  # our own pythainlp Trie once a Thai word is learned
        self._thai_tokenize: Callable[..., list[str]] | None = None
        self._vi_tokenize: Callable[[str], str] | None = None

    # -- learning ------------------------------------------------------------------------

    def learn(self, words: Iterable[str]) -> int:
        """Add words (e.g. hashtags, with or without ``#``) to the Chinese and Thai dictionaries.

        Only their Han or Thai runs of 2–24 characters are learned; returns how many are new.
        """
        new = 0
        for word in words:
            word = normalize_text(word).lstrip("#")
            for match in _RUNS.finditer(word):
                run = match.group()
                if match.lastgroup == "other" or not 2 <= len(run) <= 24:
                    continue
                with self._lock:
                    if run in self._learned or len(self._learned) >= self.max_learned:
                        continue
                    if match.lastgroup == "han":
                        self._chinese().add_word(run)
                    else:
                        self._thai_trie().add(run)
                    self._learned.add(run)
                    new += 1
        return new

    @property
    def learned(self) -> frozenset[str]:
        return frozenset(self._learned)

    # -- segmentation --------------------------------------------------------------------

    def segment(self, text: str, language: str | None, *, fold: bool = False) -> list[str]:
        """Lower-cased word tokens of ``text``, segmented for ``language`` (an ISO 639 code)."""
        language = normalize_language(language)
        text = normalize_text(text)
        tokens: list[str] = []
        position = 0
        for start, end, kind in find_spans(text):
            tokens += self._plain(text[position:start], language)
            if kind != "url":
                tokens.append(text[start:end])
            position = end
        tokens += self._plain(text[position:], language)
        tokens = [token.casefold() for token in tokens]
        return [fold_accents(token) for token in tokens] if fold else tokens

    def chinese_search_words(self, word: str) -> list[str]:
        """The shorter words jieba's ``cut_for_search`` finds inside a Chinese word (search
        indexes them too, so a query for a part finds the whole); ``word`` itself excluded."""
        return [w for w in self._chinese().cut_for_search(word) if w != word]

    def _plain(self, text: str, language: str | None) -> list[str]:
        tokens: list[str] = []
        for match in _RUNS.finditer(text):
            run, kind = match.group(), match.lastgroup
            if kind == "thai":
                tokens += self._thai(run)
            elif kind == "han" and language != "ja":
                tokens += self._chinese().lcut(run, HMM=True)
            elif kind == "other" and language == "vi":
                tokens += self._vietnamese(run)
            else:
                tokens += _regex_words(run)
        return [token.strip() for token in tokens if _has_word_char(token)]

    # -- engines, loaded on first use -----------------------------------------------------

    def _chinese(self) -> Any:
        if self._jieba is None:
            with self._lock:
                if self._jieba is None:
                    try:
                        import jieba
                    except ImportError:
                        raise _missing("jieba", "jieba==0.42.1", "Chinese segmentation") from None
                    logging.getLogger("jieba").setLevel(logging.WARNING)  # no "Building..." noise
                    tokenizer = jieba.Tokenizer()
                    if self.cache_dir is not None:
                        self.cache_dir.mkdir(parents=True, exist_ok=True)
                        tokenizer.tmp_dir = str(self.cache_dir)
                    tokenizer.initialize()
                    self._jieba = tokenizer
        return self._jieba

    def _thai_engine(self) -> Callable[..., list[str]]:
        if self._thai_tokenize is None:
            try:
                from pythainlp.tokenize import word_tokenize
            except ImportError:
                raise _missing("pythainlp", "pythainlp==5.4.0", "Thai segmentation") from None
            self._thai_tokenize = word_tokenize
        return self._thai_tokenize

    def _thai_trie(self) -> Any:
        """A private copy of pythainlp's dictionary (adding to its default one is global)."""
        if self._thai_dict is None:
            self._thai_engine()
            from pythainlp.corpus import thai_words
            from pythainlp.util import Trie

            self._thai_dict = Trie(thai_words())
        return self._thai_dict

    def _thai(self, run: str) -> list[str]:
        tokenize = self._thai_engine()
        if self._thai_dict is None:
            return tokenize(run, engine="newmm", keep_whitespace=False)
        return tokenize(run, engine="newmm", custom_dict=self._thai_dict, keep_whitespace=False)

    def _vietnamese(self, run: str) -> list[str]:
        if self._vi_tokenize is None:
            try:
                from pyvi import ViTokenizer
            except ImportError:
                raise _missing("pyvi", "pyvi==0.1.1", "Vietnamese segmentation") from None
            self._vi_tokenize = ViTokenizer.tokenize
        return self._vi_tokenize(run).split()


_default: Segmenter | None = None
_default_lock = threading.Lock()


def default_segmenter() -> Segmenter:
    """This process's shared `Segmenter`, built on first use.

    Shared on purpose: hashtags learned while understanding posts must shape the segmentation
    of queries served by the same process.
    """
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Segmenter()
    return _default


def segment(text: str, language: str | None, *, fold: bool = False) -> list[str]:
    """``default_segmenter().segment(text, language, fold=fold)``."""
    return default_segmenter().segment(text, language, fold=fold)


def learn(words: Iterable[str]) -> int:
    """``default_segmenter().learn(words)``."""
    return default_segmenter().learn(words)
