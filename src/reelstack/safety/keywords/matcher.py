"""Match keyword banks in linear time with RE2, and the ``keywords`` detector built on them.

Each bank compiles once into one RE2 alternation: its space-delimited terms between word
boundaries, its CJK/Thai/Korean terms as plain substrings (those scripts do not put spaces
between words) and its regexes as written. RE2 has no backtracking, so no pattern, however
written, can take more than linear time; what RE2 cannot run in linear time (backreferences,
lookaround) it refuses to compile, and a save is rejected with the bank and pattern named.

Text is matched twice, raw (NFKC, lower-cased) and de-obfuscated (``normalize_text``: zero-width
characters, homoglyphs, leetspeak, spelled-out words), and at most ``MAX_TEXT_CHARS`` of it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from reelstack.core.errors import InvalidInput, ModelUnavailable
from reelstack.safety.detectors.base import Score, Subject
from reelstack.safety.detectors.normalize import normalize_text
from reelstack.safety.keywords.schema import Bank, KeywordSet

CODE_VERSION = "keywords-1"
MAX_TEXT_CHARS = 100_000  # per post; the rest of a longer text is not matched
MAX_REGEX_MEMORY = 64 << 20  # RE2's budget for one bank's compiled program and DFA
MAX_EVIDENCE_CHARS = 80

# Scripts written without spaces between words: their terms match as substrings.
_NO_SPACE_SCRIPTS = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables (particles attach to words)
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
)
_NO_SPACE_CLASS = "".join(rf"\x{{{lo:04X}}}-\x{{{hi:04X}}}" for lo, hi in _NO_SPACE_SCRIPTS)
# A word boundary RE2 can express once per bank: not a letter, mark, digit or underscore
# (letters of the scripts above count as boundaries, so "免费iphone" still finds "iphone").
_EDGE = rf"(?:[^\pL\pM\pN_]|[{_NO_SPACE_CLASS}])"
_BEFORE = rf"(?:^|{_EDGE})"
_AFTER = rf"(?:{_EDGE}|$)"
_PROBES = ("", " ", "a", "a b", "\n")  # a regex matching emptiness here would hit every post


def re2_module() -> ModuleType:
    """The ``re2`` module of google-re2, or ``ModelUnavailable`` naming how to install it."""
    try:
        import re2
    except ImportError as exc:
        raise ModelUnavailable(
            "keyword banks need the Python package 'google-re2' "
            "(pip install 'reelstack[safety]' or pip install google-re2==1.1.20251105)"
        ) from exc
    return re2


def _options(re2: ModuleType) -> Any:
    options = re2.Options()
    options.case_sensitive = False
    options.max_mem = MAX_REGEX_MEMORY
    options.log_errors = False  # a rejected pattern is reported to the admin, not to stderr
    return options


def is_no_space_script(term: str) -> bool:
    return any(lo <= ord(ch) <= hi for ch in term for lo, hi in _NO_SPACE_SCRIPTS)


def fold(text: str) -> str:
    """The raw form matched: NFKC and lower case, nothing removed."""
    return unicodedata.normalize("NFKC", text[:MAX_TEXT_CHARS]).lower()


def _term_forms(term: str) -> set[str]:
    """A term as the raw text and as the de-obfuscated text would spell it."""
    return {form for form in (" ".join(fold(term).split()), normalize_text(term).strip()) if form}


def _word_pattern(re2: ModuleType, term: str) -> str:
    return r"\s+".join(re2.escape(word) for word in term.split())


@dataclass(frozen=True, slots=True)
class Hit:
    bank: Bank
    matched: str

    @property
    def evidence(self) -> str:
        matched = " ".join(self.matched.split())
        if len(matched) > MAX_EVIDENCE_CHARS:
            matched = matched[: MAX_EVIDENCE_CHARS - 1] + "…"
        return f"{self.bank.id}: {matched}"


class CompiledBank:
    """One bank as one RE2 program: a group for bounded terms, one for substrings, then regexes."""

    def __init__(self, bank: Bank) -> None:
        re2 = re2_module()
        options = _options(re2)
        words: set[str] = set()
        substrings: set[str] = set()
        for term in bank.terms:
            for form in _term_forms(term):
                (substrings if is_no_space_script(form) else words).add(form)
        parts = []
        if words:  # longest first, so the evidence is the longest term found at a position
            longest = sorted(words, key=lambda w: (-len(w), w))
            parts.append(f"{_BEFORE}({'|'.join(_word_pattern(re2, w) for w in longest)}){_AFTER}")
        if substrings:
            longest = sorted(substrings, key=lambda s: (-len(s), s))
            parts.append("(" + "|".join(re2.escape(s) for s in longest) + ")")
        self._term_groups = tuple(range(1, len(parts) + 1))
        for pattern in bank.regexes:
            parts.append(f"(?:{_checked_regex(re2, options, bank, pattern)})")
        self.bank = bank
        try:
            self.program = re2.compile("|".join(parts), options)
        except re2.error as exc:
            raise InvalidInput(
                f"bank {bank.id!r} is too large for the matching engine ({_reason(exc)}); "
                "split it into several banks"
            ) from exc

    def search(self, text: str) -> Hit | None:
        found = self.program.search(text)
        if found is None:
            return None
        for group in self._term_groups:
            if found.group(group) is not None:
                return Hit(self.bank, found.group(group))
        return Hit(self.bank, found.group(0))


def _reason(exc: Exception) -> str:
    reason = exc.args[0] if exc.args else exc
    return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)


def _checked_regex(re2: ModuleType, options: Any, bank: Bank, pattern: str) -> str:
    """``pattern`` if RE2 compiles it and it cannot match empty text; else ``InvalidInput``."""
    try:
        compiled = re2.compile(pattern, options)
    except re2.error as exc:
        raise InvalidInput(
            f"bank {bank.id!r}: regex '{pattern}' is not accepted by the linear-time engine "
            f"(RE2: {_reason(exc)}); backreferences and lookaround are not supported"
        ) from exc
    for probe in _PROBES:
        found = compiled.search(probe)
        if found is not None and found.end() == found.start():
            raise InvalidInput(
                f"bank {bank.id!r}: regex '{pattern}' matches empty text, so it would hit "
                "every post"
            )
    return pattern


def compile_banks(keyword_set: KeywordSet) -> list[CompiledBank]:
    """Every bank compiled; ``InvalidInput`` names the first bank or pattern that cannot be."""
    return [CompiledBank(bank) for bank in keyword_set.banks]


class KeywordDetector:
    """The ``keywords`` detector: per policy, the highest score of the banks that hit."""

    name = "keywords"

    def __init__(self, keyword_set: KeywordSet, banks: list[CompiledBank] | None = None) -> None:
        self.keyword_set = keyword_set
        self.banks = banks if banks is not None else compile_banks(keyword_set)

    @property
    def version(self) -> str:
        return f"{CODE_VERSION}+banks.v{self.keyword_set.version}"

    def hits(self, text: str, language: str | None = None) -> list[Hit]:
        """Every bank that hits ``text`` (its first match as evidence), in file order."""
        text = text[:MAX_TEXT_CHARS]
        if not text.strip():
            return []
        forms = list(dict.fromkeys((fold(text), normalize_text(text, MAX_TEXT_CHARS))))
        found = []
        for compiled in self.banks:
            if not compiled.bank.applies_to(language):
                continue
            for form in forms:
                hit = compiled.search(form)
                if hit is not None:
                    found.append(hit)
                    break
        return found

    def detect(self, subject: Subject) -> list[Score]:
        best: dict[str, Hit] = {}
        for hit in self.hits(subject.text, subject.language):
            policy = hit.bank.policy_id
            if policy not in best or hit.bank.score > best[policy].bank.score:
                best[policy] = hit
        return [
            Score(
                policy_id=policy,
                detector=self.name,
                score=hit.bank.score,
                model_version=self.version,
                evidence=hit.evidence,
            )
            for policy, hit in sorted(best.items())
        ]
