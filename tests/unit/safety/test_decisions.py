"""Decisions are recorded with their audit trail and drive one visibility function."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from reelstack.core.errors import InvalidInput
from reelstack.core.records import User
from reelstack.runtime.platform import Platform
from reelstack.safety.decisions import DecisionLog
from reelstack.safety.visibility import Viewer, visibility
from reelstack.testing.factories import make_creator, make_item
from reelstack.testing.http import auth


@pytest.fixture
def item_id(platform: Platform) -> str:
    return platform.store.insert_item(make_item(platform.store.upsert_creator(make_creator()))).id


ADULT, MINOR, ANONYMOUS = Viewer("u1", 30), Viewer("u2", 15), Viewer()


@pytest.mark.parametrize(
    ("action", "adult", "minor", "anonymous", "weight"),
    [
        ("allow", True, True, True, 1.0),
        ("label", True, True, True, 1.0),
        ("review", True, True, True, 1.0),
        ("demote", True, True, True, 0.3),
        ("age_restrict", True, False, False, 1.0),
        ("disable", False, False, False, 0.0),
        ("remove", False, False, False, 0.0),
    ],
)
def test_visibility_follows_the_decision_in_force(
    platform: Platform, item_id: str, action: str, adult: bool, minor: bool, anonymous: bool,
    weight: float,
) -> None:  # fmt: skip
    log = DecisionLog(platform.store)
    assert visibility(platform.store, item_id, MINOR).visible  # never moderated
    log.record(item_id, "remove", actor="detector")
    log.record(item_id, action, actor="reviewer:ana", automated_decision=False)
    seen = [visibility(platform.store, item_id, v) for v in (ADULT, MINOR, ANONYMOUS)]
    assert [v.visible for v in seen] == [adult, minor, anonymous]
    assert seen[0].weight == weight and seen[0].action == action


def test_record_writes_decision_and_statement_of_reasons(platform: Platform, item_id) -> None:
    scores = [{"detector": "spam-text", "model_version": "spam==1", "score": 0.97,
               "threshold": 0.9}]  # fmt: skip
    decision = DecisionLog(platform.store).record(
        item_id, "remove", actor="auto", policy_id="spam.scam", policy_version=3, scores=scores,
        rule="scam-remove",
    )  # fmt: skip
    assert platform.store.list_decisions(item_id) == [decision]
    audit = platform.store.list_audit("item", item_id)
    assert len(audit) == 1 and audit[0].action == "decision.remove"
    details = audit[0].details
    assert details["policy_id"] == "spam.scam" and details["policy_version"] == "3"
    assert details["scores"] == scores and details["rule"] == "scam-remove"
    assert details["automated_detection"] and details["automated_decision"]
    with pytest.raises(InvalidInput, match="unknown action 'ban'"):
        DecisionLog(platform.store).record(item_id, "ban", actor="x")


def test_viewer_age_from_birth_year() -> None:
    user = User(id="u", handle="h", birth_year=2012)
    assert Viewer.of(user, 2026).age == 14 and not Viewer.of(user, 2026).is_adult
    assert Viewer.of(None, 2026) == Viewer()


def test_item_shows_the_decision_in_force(client: TestClient, keys, platform, item_id) -> None:
    assert client.get(f"/v1/items/{item_id}", headers=auth(keys["client"])).json()[
        "moderation"] is None  # fmt: skip
    DecisionLog(platform.store).record(
        item_id, "age_restrict", actor="auto", policy_id="violence", policy_version=1
    )
    shown = client.get(f"/v1/items/{item_id}", headers=auth(keys["client"])).json()["moderation"]
    assert (shown["action"], shown["policy_id"], shown["policy_version"]) == (
        "age_restrict", "violence", "1"
    )  # fmt: skip
