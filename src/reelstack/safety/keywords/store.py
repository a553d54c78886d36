"""Versioned keyword banks on disk: ``<data>/safety/keywords/v0001.yaml``, never overwritten.

A save validates the file (schema, policy ids, every regex through RE2, the size limits) and
only then writes a new version; a rejected file leaves the version in force. The packaged
``default_keywords.yaml`` becomes version 1 on first use.
"""

from __future__ import annotations

import threading
from pathlib import Path

import yaml

from reelstack.safety.detectors.base import Score, Subject
from reelstack.safety.documents import load_mapping, validate_document
from reelstack.safety.keywords.matcher import KeywordDetector, compile_banks
from reelstack.safety.keywords.schema import KeywordSet
from reelstack.safety.policies.schema import PolicySet
from reelstack.safety.versioned import VersionedFiles

DEFAULT = Path(__file__).with_name("default_keywords.yaml")
MAX_FILE_BYTES = 1024 * 1024


def parse_keywords(text: str, policies: PolicySet | None = None) -> KeywordSet:
    """Validate YAML or JSON text as keyword banks (policy ids checked against ``policies``
    when given); ``InvalidInput`` says what is wrong, naming the bank and pattern."""
    keyword_set = _validate(text, policies)
    compile_banks(keyword_set)
    return keyword_set


def _validate(text: str, policies: PolicySet | None) -> KeywordSet:
    data = load_mapping(text, "keyword file", "'banks'", MAX_FILE_BYTES)
    context = {"policies": policies}
    return validate_document(KeywordSet, {**data, "version": 0}, "keyword file", context)


class KeywordStore:
    def __init__(self, folder: Path) -> None:
        self.files = VersionedFiles(Path(folder), "keyword banks")
        self._lock = threading.Lock()
        self._detector: KeywordDetector | None = None

    def versions(self) -> list[int]:
        return self.files.versions()

    def current(self) -> KeywordSet:
        latest = self.files.latest()
        if latest is None:
            return self.save(DEFAULT.read_text(encoding="utf-8"))
        return self.get(latest)

    def get(self, version: int) -> KeywordSet:
        keyword_set = _validate(self.files.read(version), None)
        return keyword_set.model_copy(update={"version": version})

    def save(self, text: str, policies: PolicySet | None = None) -> KeywordSet:
        """Validate ``text`` and store it as the next version; returns the stored set."""
        keyword_set = parse_keywords(text, policies)
        body = yaml.safe_dump(
            keyword_set.model_dump(exclude={"version"}, exclude_none=True),
            allow_unicode=True,
            sort_keys=False,
            width=100,
        )
        version = self.files.write_next(body)
        return keyword_set.model_copy(update={"version": version})

    def detector(self) -> KeywordDetector:
        """The detector for the version in force, compiled once per version (a cheap directory
        listing per call tells whether an admin published a new one)."""
        latest = self.files.latest()
        with self._lock:
            if self._detector is None or self._detector.keyword_set.version != latest:
                self._detector = KeywordDetector(self.current())
            return self._detector


class CurrentKeywords:
    """The keyword detector of whatever version is in force at each call, so a bank an admin
    publishes applies to the next post without restarting anything."""

    name = "keywords"

    def __init__(self, store: KeywordStore) -> None:
        self.store = store

    @property
    def version(self) -> str:
        return self.store.detector().version

    def detect(self, subject: Subject) -> list[Score]:
        return self.store.detector().detect(subject)
