"""Query understanding: what a query says, returned to the caller as ``query_analysis``.

Steps: NFKC normalisation (full-width → ASCII, whitespace collapsed, control characters
dropped) → the first ``MAX_QUERY_CHARS`` characters kept → language id (py3langid, restricted
to the platform's languages, the viewer's language as hint) → segmentation with the same
`Segmenter` documents go through → ``#hashtags`` and ``@creators`` → spelling correction of
words the corpus does not know → entities: words and phrases the corpus knows as creators,
hashtags, visual concepts or named entities found by Understand (a gazetteer).
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from reelstack.search.analysis.document import folded_forms, han_grams
from reelstack.search.analysis.spell import Speller
from reelstack.understand.segment import (
    DEFAULT_LANGUAGES,
    Segmenter,
    detect_language,
    extract_hashtags,
    extract_mentions,
)
from reelstack.understand.segment import normalize_text as _nfkc

MAX_QUERY_CHARS = 512
MAX_TERMS = 48
MAX_ENTITY_WORDS = 3
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")


@dataclass(slots=True)
class QueryAnalysis:
    raw: str
    normalized: str
    language: str = "und"
    language_confidence: float = 0.0
    tokens: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)  # tokens after correction, searched for
    hashtags: list[str] = field(default_factory=list)  # casefolded, without "#"
    mentions: list[str] = field(default_factory=list)  # casefolded, without "@"
    corrections: dict[str, str] = field(default_factory=dict)
    corrected: str | None = None
    entities: list[dict[str, str]] = field(default_factory=list)
    truncated: bool = False

    @property
    def has_words(self) -> bool:
        """False for a query of only punctuation, symbols or emoji."""
        return bool(self.terms)

    @property
    def text(self) -> str:
        """The text to embed: the corrected query when there is one."""
        return self.corrected or self.normalized

    def folded_terms(self) -> list[str]:
        return list(dict.fromkeys(f for term in self.terms for f in folded_forms(term)))

    def han_grams(self) -> list[str]:
        return list(dict.fromkeys(han_grams(self.text)))

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["spelling"] = {"corrections": out.pop("corrections"), "corrected": out.pop("corrected")}
        return out


class Gazetteer:
    """Known names (lower-cased) → entity labels, learned from indexed documents."""

    def __init__(self, max_names: int = 500_000) -> None:
        self.max_names = max_names
        self._names: dict[str, str] = {}
        self._lock = threading.Lock()

    def add(self, names: Iterable[tuple[str, str]]) -> None:
        with self._lock:
            for name, label in names:
                key = " ".join(name.casefold().split())
                if key and len(self._names) < self.max_names:
                    self._names.setdefault(key, label)

    def find(self, tokens: list[str]) -> list[dict[str, str]]:
        """Longest known phrases of up to ``MAX_ENTITY_WORDS`` tokens, left to right."""
        found, i = [], 0
        while i < len(tokens):
            for n in range(min(MAX_ENTITY_WORDS, len(tokens) - i), 0, -1):
                words = [t.lstrip("#@") for t in tokens[i : i + n]]
                for key in (" ".join(words), "".join(words)):
                    label = self._names.get(key)
                    if label:
                        found.append({"text": key, "label": label})
                        break
                else:
                    continue
                i += n
                break
            else:
                i += 1
        return found


def normalize_query(text: str) -> str:
    return " ".join(_CONTROL.sub(" ", _nfkc(text)).split())


class QueryAnalyzer:
    """Turns raw queries into `QueryAnalysis` objects; cheap once its models are loaded."""

    def __init__(
        self,
        segmenter: Segmenter,
        speller: Speller,
        gazetteer: Gazetteer,
        identifier: Callable[[], Any] | None = None,
    ) -> None:
        self.segmenter = segmenter
        self.speller = speller
        self.gazetteer = gazetteer
        self._identifier = identifier  # returns py3langid's identifier, or None
        self.corpus_languages: Counter[str] = Counter()  # of indexed documents

    def analyse(self, raw: str, *, hint: str | None = None, correct: bool = True) -> QueryAnalysis:
        normalized = normalize_query(raw)
        truncated = len(normalized) > MAX_QUERY_CHARS
        if truncated:
            normalized = (
                normalized[:MAX_QUERY_CHARS].rsplit(" ", 1)[0] or normalized[:MAX_QUERY_CHARS]
            )
        analysis = QueryAnalysis(raw=raw[:MAX_QUERY_CHARS], normalized=normalized,
                                 truncated=truncated)  # fmt: skip
        if not normalized:
            return analysis
        analysis.language, analysis.language_confidence = self._language(normalized, hint)
        tokens = self.segmenter.segment(normalized, analysis.language)
        analysis.tokens = list(dict.fromkeys(tokens))[:MAX_TERMS]
        analysis.hashtags = list(dict.fromkeys(t.casefold() for t in extract_hashtags(normalized)))
        analysis.mentions = list(dict.fromkeys(m.casefold() for m in extract_mentions(normalized)))
        terms = list(analysis.tokens)
        if correct:
            for i, token in enumerate(terms):
                fixed = self.speller.correct(token)
                if fixed:
                    analysis.corrections[token] = fixed
                    terms[i] = fixed
        analysis.terms = list(dict.fromkeys(terms))
        if analysis.corrections:
            analysis.corrected = _apply_corrections(normalized, analysis.corrections)
        analysis.entities = self.gazetteer.find(analysis.terms)
        return analysis

    def _language(self, text: str, hint: str | None) -> tuple[str, float]:
        identifier = self._identifier() if self._identifier else None
        if identifier is None:
            return "und", 0.0
        # Short queries are guesses for langid: among the corpus's languages, a good guess.
        known = {lang for lang in list(self.corpus_languages) if lang in DEFAULT_LANGUAGES}
        languages = known | ({hint} if hint else set()) if len(known) >= 2 else DEFAULT_LANGUAGES
        language, confidence = detect_language(identifier, text, hint=hint, languages=languages)
        return language, round(float(confidence), 4)


def _apply_corrections(text: str, corrections: dict[str, str]) -> str:
    def fix(match: re.Match[str]) -> str:
        word = match.group()
        return corrections.get(word.casefold(), word)

    return re.sub(r"[^\W\d_]+(?:'[^\W\d_]+)?", fix, text)
