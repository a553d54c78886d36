"""Versioned policy sets on disk: ``<data>/policies/<kind>/v0001.yaml``, never overwritten.

A save validates first and writes a new version atomically; a rejected file leaves the
current version in force. The packaged defaults become version 1 on first use.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from reelstack.core.errors import InvalidInput
from reelstack.safety.documents import load_mapping, validate_document
from reelstack.safety.policies.schema import PolicyKind, PolicySet
from reelstack.safety.versioned import VersionedFiles

DEFAULTS = {
    "content": Path(__file__).with_name("default_content.yaml"),
    "ads": Path(__file__).with_name("default_ads.yaml"),
}
MAX_POLICY_BYTES = 1024 * 1024


def parse_policy_set(text: str, kind: PolicyKind) -> PolicySet:
    """Validate YAML or JSON text as a ``kind`` policy set; ``InvalidInput`` says why not."""
    data = load_mapping(text, "policy file", "'kind' and 'policies'", MAX_POLICY_BYTES)
    if data.get("kind", kind) != kind:
        raise InvalidInput(f"policy file is for kind {data.get('kind')!r}, not {kind!r}")
    return validate_document(PolicySet, {**data, "kind": kind, "version": 0}, "policy tree")


class PolicyStore:
    """Versions are immutable, so each is parsed once and shared (treat it as read-only)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._parsed: dict[tuple[str, int], PolicySet] = {}

    def _files(self, kind: PolicyKind) -> VersionedFiles:
        return VersionedFiles(self.folder / kind, f"{kind} policy")

    def versions(self, kind: PolicyKind) -> list[int]:
        return self._files(kind).versions()

    def current(self, kind: PolicyKind) -> PolicySet:
        latest = self._files(kind).latest()
        if latest is None:
            return self.save(kind, DEFAULTS[kind].read_text(encoding="utf-8"))
        return self.get(kind, latest)

    def get(self, kind: PolicyKind, version: int) -> PolicySet:
        key = (kind, version)
        if key not in self._parsed:
            policy_set = parse_policy_set(self._files(kind).read(version), kind)
            self._parsed[key] = policy_set.model_copy(update={"version": version})
        return self._parsed[key]

    def save(self, kind: PolicyKind, text: str) -> PolicySet:
        """Validate ``text`` and store it as the next version; returns the stored set."""
        policy_set = parse_policy_set(text, kind)
        body = yaml.safe_dump(
            policy_set.model_dump(exclude={"version"}, exclude_none=True, exclude_defaults=False),
            allow_unicode=True,
            sort_keys=False,
        )
        version = self._files(kind).write_next(body)
        return policy_set.model_copy(update={"version": version})
