"""``text.abuse``: insults and profanity aimed at people → ``harassment.insult``, in 11 languages.

Two signals on the de-obfuscated text (``normalize_text``: zero-width characters, look-alike
letters, leetspeak, spaced-out letters), the stronger one wins:

1. **alt-profanity-check**, an English classifier (word TF-IDF + a linear SVM with sigmoid
   calibration, trained by its authors on Davidson et al. 2017 and Wikipedia talk-page
   comments): its probability is the confidence, for text in English or in an unknown
   language (it has no vocabulary for other languages and would only add noise there);
2. **word lists** per language (``wordlists/<lang>.txt``, format in ``wordlists/README.txt``):
   whole words (and word sequences) in space-delimited languages, substrings in Chinese,
   Japanese and Thai. A hit gives a fixed confidence by tier, higher when the text is
   addressed to someone (a second-person word or an @mention): insult 0.75 → 0.9,
   profanity 0.55 → 0.75, mild ("stupid") 0 → 0.7; each further distinct term adds 0.05,
   up to 0.97. These are design choices placed in the policy's bands, not fitted values.

A post in a known language is matched against that language's list and English (English
insults travel), Malay and Indonesian against each other's too; a post whose language is
unknown or unlisted against every list. Chinese, Japanese and Thai terms only occur in their
own scripts, so those lists always apply. Each field is scored on its first
``MAX_TEXT_CHARS`` characters, so a megabyte of text costs what 100 kB costs.

No hate-speech slur list ships yet: this detector scores ``harassment.insult`` only.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import re
import threading
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from reelstack.core.errors import ModelUnavailable
from reelstack.safety.detectors.base import Score, Subject
from reelstack.safety.detectors.normalize import normalize_text
from reelstack.understand.language import normalize_language

CODE_VERSION = "abuse-1"
POLICY = "harassment.insult"
MAX_TEXT_CHARS = 100_000  # per field; the rest of a longer text is not scored
CLASSIFIER_PACKAGE = "alt-profanity-check"
CLASSIFIER_LANGUAGES = frozenset({"en"})  # plus posts whose language is unknown
SUBSTRING_LANGUAGES = frozenset({"zh", "ja", "th"})  # scripts written without spaces
RELATED = {"id": ("ms",), "ms": ("id",)}

# (confidence alone, confidence when addressed to someone) per section
TIERS = {"insult": (0.75, 0.9), "profanity": (0.55, 0.75), "mild": (0.0, 0.7)}
EXTRA_TERM, MAX_LEXICON = 0.05, 0.97

_TOKEN = re.compile(r"[\w*]+(?:'[\w*]+)*")
_RUNS = re.compile(r"(.)\1+")
_MENTION = re.compile(r"(?<![\w@])@\w")


def _squash(token: str) -> str:
    """Letter runs to one letter, on text and terms alike ("fuuuck", "fuuck" → "fuck")."""
    return _RUNS.sub(r"\1", token)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.replace("’", "'"))


def wordlist_dir() -> Traversable:
    return resources.files("reelstack.safety.detectors") / "wordlists"


@dataclass(slots=True)
class WordList:
    """One language's terms by section; ``substring`` for scripts without spaces."""

    lang: str
    substring: bool
    sections: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, lang: str, text: str) -> WordList:
        words = cls(lang, lang in SUBSTRING_LANGUAGES)
        section = "insult"
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1].strip()
                if section not in (*TIERS, "target"):
                    raise ValueError(f"{lang}.txt: unknown section [{section}]")
                continue
            term = normalize_text(line).strip()
            if term:
                words.sections.setdefault(section, []).append(term)
        return words


def load_wordlists(directory: Traversable | None = None) -> tuple[dict[str, WordList], str]:
    """Every ``<lang>.txt`` under ``directory`` and a sha256 over their names and bytes."""
    directory = directory or wordlist_dir()
    digest = hashlib.sha256()
    lists: dict[str, WordList] = {}
    for entry in sorted(directory.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".txt") or entry.name == "README.txt":
            continue
        data = entry.read_bytes()
        digest.update(entry.name.encode() + b"\0" + data + b"\0")
        lang = entry.name.removesuffix(".txt")
        lists[lang] = WordList.parse(lang, data.decode("utf-8"))
    return lists, digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Hit:
    term: str
    section: str
    lang: str


@dataclass(slots=True)
class _Index:
    """The lists that apply to one language, compiled for lookups linear in the text."""

    sequences: dict[tuple[str, ...], Hit]  # squashed words → the strongest term spelled so
    longest: int
    single_words: dict[int, list[Hit]]  # by length, for masked spellings ("f*ck")
    substrings: list[Hit]
    targets: dict[tuple[str, ...], set[str]]  # squashed words → languages it addresses in
    target_substrings: list[tuple[str, str]]  # (term, lang)

    @classmethod
    def build(cls, lists: list[WordList]) -> _Index:
        index = cls({}, 1, {}, [], {}, [])
        for words in lists:
            for section, terms in words.sections.items():
                for term in terms:
                    index._add(Hit(term, section, words.lang), words.substring)
        index.longest = max((len(k) for k in (*index.sequences, *index.targets)), default=1)
        return index

    def _add(self, hit: Hit, substring: bool) -> None:
        if substring:
            if hit.section == "target":
                self.target_substrings.append((hit.term, hit.lang))
            else:
                self.substrings.append(hit)
            return
        key = tuple(_squash(t) for t in _tokens(hit.term))
        if not key:
            return
        if hit.section == "target":
            self.targets.setdefault(key, set()).add(hit.lang)
            return
        known = self.sequences.get(key)
        if known is None or _rank(known.section) < _rank(hit.section):
            self.sequences[key] = hit
        if len(key) == 1:
            self.single_words.setdefault(len(hit.term), []).append(hit)

    def hits(self, norm: str) -> tuple[list[Hit], set[str]]:
        """The terms found, and the languages whose second-person words the text uses."""
        found: dict[str, Hit] = {}
        addressed: set[str] = set()
        raw_tokens = _tokens(norm)
        tokens = [_squash(t) for t in raw_tokens]
        for n in range(1, self.longest + 1):
            for i in range(len(tokens) - n + 1):
                key = tuple(tokens[i : i + n])
                hit = self.sequences.get(key)
                if hit is not None:
                    found[hit.term] = hit
                addressed |= self.targets.get(key, set())
        for token in raw_tokens:
            if "*" in token and sum(ch.isalpha() for ch in token) >= 2:
                for hit in self.single_words.get(len(token), ()):
                    if all(a == b or a == "*" for a, b in zip(token, hit.term, strict=True)):
                        found[hit.term] = hit
        found.update((hit.term, hit) for hit in self.substrings if hit.term in norm)
        addressed |= {lang for term, lang in self.target_substrings if term in norm}
        # "他妈的" also contains "妈的": count the longer term only
        nested = {t for t in found for other in found if t != other and t in other}
        return [hit for t, hit in found.items() if t not in nested], addressed


def _rank(section: str) -> int:
    return ("mild", "profanity", "insult").index(section)


def lexicon_score(hits: list[Hit], addressed: set[str]) -> tuple[float, str | None]:
    """The confidence word-list hits give, and the term that set it.

    A hit counts as addressed to someone when the text uses a second-person word of the
    hit's own language or of English, or an @mention (``"@"`` in ``addressed``).
    """
    scored = []
    for hit in hits:
        to_someone = bool(addressed & {hit.lang, *RELATED.get(hit.lang, ()), "en", "@"})
        confidence = TIERS[hit.section][1 if to_someone else 0]
        if confidence > 0:
            scored.append((confidence, hit.term))
    if not scored:
        return 0.0, None
    best, term = max(scored)
    return min(MAX_LEXICON, best + EXTRA_TERM * (len(scored) - 1)), term


class AbuseDetector:
    """Thread-safe; the classifier and the word lists load once, on first use."""

    name = "text.abuse"

    def __init__(self, *, use_classifier: bool = True, wordlists: Traversable | None = None):
        self.use_classifier = use_classifier
        self._wordlist_source = wordlists
        self._lock = threading.Lock()
        self._lists: dict[str, WordList] | None = None
        self._digest = ""
        self._indexes: dict[tuple[str, ...], _Index] = {}
        self._classifier: tuple[Any, Any] | None = None

    # -- loading -------------------------------------------------------------------------

    def _load_lists(self) -> dict[str, WordList]:
        with self._lock:
            if self._lists is None:
                self._lists, self._digest = load_wordlists(self._wordlist_source)
            return self._lists

    def _load_classifier(self) -> tuple[Any, Any]:
        with self._lock:
            if self._classifier is None:
                try:  # the package unpickles its vectorizer and model at import
                    from profanity_check import profanity_check
                except ImportError as exc:
                    raise ModelUnavailable(
                        f"text.abuse needs the Python package '{CLASSIFIER_PACKAGE}' "
                        "(pip install 'reelstack[safety]' or "
                        "pip install alt-profanity-check==1.9.1 scikit-learn==1.9.1)"
                    ) from exc
                self._classifier = (profanity_check.vectorizer, profanity_check.model)
            return self._classifier

    @property
    def version(self) -> str:
        self._load_lists()
        parts = [f"{self.name}/{CODE_VERSION}"]
        if self.use_classifier:
            parts += [_pin(CLASSIFIER_PACKAGE), _pin("scikit-learn")]
        return " ".join([*parts, f"wordlists:{self._digest[:12]}"])

    def _index(self, language: str | None) -> _Index:
        lists = self._load_lists()
        if language in lists:
            chosen = {language, "en", *RELATED.get(language, ())} | SUBSTRING_LANGUAGES
        else:
            chosen = set(lists)
        key = tuple(sorted(chosen & set(lists)))
        with self._lock:
            if key not in self._indexes:
                self._indexes[key] = _Index.build([lists[lang] for lang in key])
            return self._indexes[key]

    # -- scoring -------------------------------------------------------------------------

    def classifier_scores(self, texts: list[str]) -> list[float]:
        """alt-profanity-check's probability for each (already normalised) text."""
        if not texts:
            return []
        vectorizer, model = self._load_classifier()
        return [float(p) for p in model.predict_proba(vectorizer.transform(texts))[:, 1]]

    def score_text(self, text: str, language: str | None = None) -> tuple[float, str | None]:
        """(confidence, evidence) for one text; ``(0.0, None)`` when nothing is found."""
        language = normalize_language(language)
        norm = normalize_text(text, MAX_TEXT_CHARS)
        if not norm.strip():
            return 0.0, None
        hits, addressed = self._index(language).hits(norm)
        if _MENTION.search(text[:MAX_TEXT_CHARS]):
            addressed.add("@")
        score, evidence = lexicon_score(hits, addressed)
        if self.use_classifier and (language is None or language in CLASSIFIER_LANGUAGES):
            # letter runs squashed too: "fuuuck" is outside its vocabulary, "fuck" is not
            probability = max(self.classifier_scores([norm, _RUNS.sub(r"\1", norm)]))
            if probability > score:
                score, evidence = probability, "classifier"
        return score, evidence

    def detect(self, subject: Subject) -> list[Score]:
        best, evidence = 0.0, None
        for text in subject.texts.values():
            if text:
                score, found = self.score_text(text, subject.language)
                if score > best:
                    best, evidence = score, found
        if best <= 0.0:
            return []
        return [Score(POLICY, self.name, round(best, 4), self.version, evidence)]


def _pin(package: str) -> str:
    try:
        return f"{package}=={importlib.metadata.version(package)}"
    except importlib.metadata.PackageNotFoundError:
        return f"{package}==unknown"
