"""Versioned rule files on disk: ``<data>/safety/rules/v0001.yaml``, never overwritten.

A save validates the file (schema, actions, policy ids, every condition against the fact
namespace and the size limits) and only then writes a new version; a rejected file leaves
the version in force. The packaged ``default_rules.yaml`` becomes version 1 on first use.
"""

from __future__ import annotations

import threading
from pathlib import Path

import yaml

from reelstack.safety.documents import load_mapping, validate_document
from reelstack.safety.policies.schema import PolicySet
from reelstack.safety.rules.schema import RuleSet
from reelstack.safety.versioned import VersionedFiles

DEFAULT = Path(__file__).with_name("default_rules.yaml")
MAX_FILE_BYTES = 256 * 1024


def parse_rules(text: str, policies: PolicySet | None = None) -> RuleSet:
    """Validate YAML or JSON text as a rule set (policy ids and ``score.*`` facts checked
    against ``policies`` when given); ``InvalidInput`` names the rule and what is wrong."""
    data = load_mapping(text, "rule file", "'rules'", MAX_FILE_BYTES)
    context = {"policies": policies}
    return validate_document(RuleSet, {**data, "version": 0}, "rule file", context)


class RuleStore:
    def __init__(self, folder: Path) -> None:
        self.files = VersionedFiles(Path(folder), "rules")
        self._lock = threading.Lock()
        self._current: RuleSet | None = None  # parsed once per version

    def versions(self) -> list[int]:
        return self.files.versions()

    def current(self) -> RuleSet:
        """The rules in force (a cheap directory listing per call spots a new version)."""
        latest = self.files.latest()
        if latest is None:
            return self.save(DEFAULT.read_text(encoding="utf-8"))
        with self._lock:
            if self._current is None or self._current.version != latest:
                self._current = self.get(latest)
            return self._current

    def get(self, version: int) -> RuleSet:
        rule_set = parse_rules(self.files.read(version))
        return rule_set.model_copy(update={"version": version})

    def save(self, text: str, policies: PolicySet | None = None) -> RuleSet:
        """Validate ``text`` and store it as the next version; returns the stored set."""
        rule_set = parse_rules(text, policies)
        body = yaml.safe_dump(
            rule_set.model_dump(exclude={"version"}),
            allow_unicode=True,
            sort_keys=False,
            width=100,
        )
        version = self.files.write_next(body)
        return rule_set.model_copy(update={"version": version})
