"""Policies: the default taxonomy, band lookups, versioning and rejected files."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelstack.core.errors import InvalidInput, NotFound
from reelstack.safety.actions import ACTIONS, strictest
from reelstack.safety.policies import PolicyStore
from reelstack.safety.policies.store import parse_policy_set

GOOD = """
kind: content
policies:
  - id: spam
    name: Spam
    severity: 2
    bands: [{min_confidence: 0.9, action: remove}, {min_confidence: 0.6, action: demote}]
    children:
      - {id: spam.scam, name: Scams, severity: 3}
"""


def test_defaults_cover_the_public_taxonomies(tmp_path: Path) -> None:
    store = PolicyStore(tmp_path)
    content = store.current("content")
    ids = {p.id for p, _ in content.walk()}
    assert {"harassment", "hate", "violence", "sexual", "self_harm", "dangerous", "spam",
            "minor_safety", "ip", "spam.scam"} <= ids  # fmt: skip
    assert content.version == 1 and store.versions("content") == [1]
    ads = {p.id for p, _ in store.current("ads").walk()}
    assert {"ads.prohibited", "ads.misleading.health", "ads.misleading.finance"} <= ads
    for policy, _ in content.walk():
        assert content.effective_bands(policy.id), policy.id


def test_children_inherit_bands_and_actions_follow_confidence() -> None:
    policies = parse_policy_set(GOOD, "content")
    assert policies.action_for("spam.scam", 0.95) == "remove"
    assert policies.action_for("spam.scam", 0.7) == "demote"
    assert policies.action_for("spam", 0.2) == "allow"
    assert strictest(["label", "remove", "demote"]) == "remove" and strictest([]) == "allow"
    assert ACTIONS[0] == "allow"


def test_saving_makes_a_new_version_and_keeps_the_old(tmp_path: Path) -> None:
    store = PolicyStore(tmp_path)
    store.current("content")
    saved = store.save("content", GOOD)
    assert saved.version == 2 and store.current("content").version == 2
    assert store.get("content", 1).get("hate").severity == 3
    with pytest.raises(NotFound):
        store.get("content", 9)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace("action: remove", "action: delete"), "bands"),
        (GOOD.replace("severity: 2", "severity: 7"), "severity"),
        (GOOD.replace("id: spam.scam", "id: spam"), "appears twice"),
        (GOOD + "    colour: red\n", "unknown field"),
        (GOOD.replace("0.6, action", "0.95, action"), "highest first"),
        ("kind: ads\npolicies: []\n", "not 'content'"),
        ("policies: [", "not valid YAML"),
        ("just a string", "must be a mapping"),
        ("kind: content\npolicies: &a [{id: x, name: X, severity: 1, children: *a}]\n", "cycl"),
    ],
)
def test_bad_files_are_rejected_and_the_current_version_stays(
    tmp_path: Path, text: str, message: str
) -> None:
    store = PolicyStore(tmp_path)
    store.current("content")
    with pytest.raises(InvalidInput, match=message):
        store.save("content", text)
    assert store.versions("content") == [1]
