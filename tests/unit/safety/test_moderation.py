"""The moderation service: every understood post gets a decision, an audit record and a
statement of reasons; human decisions are never overwritten; a broken detector is reported."""

from __future__ import annotations

import csv
import io
import json

import pytest

from reelstack.runtime.platform import Platform
from reelstack.safety.audit import as_csv, as_json_lines, statements
from reelstack.safety.decisions import DecisionLog
from reelstack.safety.detectors.base import Score, Subject
from reelstack.safety.moderation import ModerationService
from reelstack.testing.factories import make_creator, make_item


class WordDetector:
    """A real (if tiny) detector: a fixed score for a policy when a word is in the text."""

    name = "test.word"
    version = "test.word/1"

    def __init__(self, word: str, policy_id: str, score: float) -> None:
        self.word, self.policy_id, self.score = word, policy_id, score

    def detect(self, subject: Subject) -> list[Score]:
        if self.word in subject.text.lower():
            return [Score(self.policy_id, self.name, self.score, self.version, self.word)]
        return []


class BrokenDetector:
    name = "test.broken"
    version = "test.broken/1"

    def detect(self, subject: Subject) -> list[Score]:
        raise RuntimeError("model file is corrupt")


def _service(platform: Platform, *detectors: object) -> ModerationService:
    return ModerationService(platform.store, platform.policies, lambda: list(detectors),
                             stream=platform.stream)  # fmt: skip


def _item(platform: Platform, caption: str) -> str:
    creator = platform.store.upsert_creator(make_creator())
    return platform.store.insert_item(make_item(creator, kind="text", caption=caption)).id


@pytest.fixture
def service(platform: Platform) -> ModerationService:
    return _service(platform, WordDetector("giveaway", "spam.scam", 0.96),
                    WordDetector("idiot", "harassment", 0.75), BrokenDetector())  # fmt: skip


def test_a_scam_is_removed_with_policy_detector_score_and_threshold(
    platform: Platform, service: ModerationService
) -> None:
    item_id = _item(platform, "Crypto GIVEAWAY, send 1 ETH get 2 back")
    published: list[dict] = []
    platform.stream.subscribe("items.moderated", published.append)
    decision = service.moderate_item(item_id)
    assert decision is not None and decision.action == "remove"
    assert decision.policy_id == "spam.scam"
    reason = decision.reasons["reasons"][0]
    assert (reason["detector"], reason["score"], reason["threshold"]) == ("test.word", 0.96, 0.9)
    assert "test.broken" in decision.reasons["note"]  # the failing detector is named
    [(_, audit)] = platform.store.find_audit(subject_id=item_id)
    assert audit.action == "decision.remove"
    assert audit.details["automated_decision"] is True
    assert published == [{"item_id": item_id, "action": "remove", "decision_id": decision.id}]


def test_review_opens_a_job_in_the_policy_family_queue(
    platform: Platform, service: ModerationService
) -> None:
    item_id = _item(platform, "what an idiot")
    assert service.moderate_item(item_id).action == "review"
    job = platform.store.lease_next_job("harassment", "reviewer-1", 60, now=1e12)
    assert job is not None and job.item_id == item_id


def test_a_human_decision_is_never_overwritten(
    platform: Platform, service: ModerationService
) -> None:
    item_id = _item(platform, "Crypto giveaway")
    DecisionLog(platform.store).record(
        item_id, "allow", actor="alice", automated_detection=False, automated_decision=False
    )
    assert service.moderate_item(item_id) is None
    assert platform.store.list_decisions(item_id)[-1].source == "manual"
    assert service.moderate_items([item_id]) == {"kept_manual": 1}


def test_pending_lists_only_undecided_items(platform: Platform, service: ModerationService) -> None:
    first, second = _item(platform, "hello"), _item(platform, "world")
    service.moderate_item(first)
    assert service.pending() == [second]


def test_statements_of_reasons_cover_restrictive_decisions_only(
    platform: Platform, service: ModerationService
) -> None:
    removed = _item(platform, "giveaway!!")
    service.moderate_items([removed, _item(platform, "a quiet walk"), _item(platform, "idiot")])
    rows = list(statements(platform.store, platform.store))
    assert [r["puid"] for r in rows] == [removed]
    row = rows[0]
    assert row["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert row["category"] == "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"
    assert row["automated_decision"] == "AUTOMATED_DECISION_FULLY"
    assert "test.word scored 0.96 on spam.scam (threshold 0.9" in row["decision_facts"]
    parsed = list(csv.DictReader(io.StringIO("".join(as_csv(iter(rows))))))
    assert parsed[0]["puid"] == removed and parsed[0]["content_type"] == "CONTENT_TYPE_TEXT"
    assert json.loads(next(as_json_lines(iter(rows))))["puid"] == removed
    assert list(statements(platform.store, platform.store, policy_id="harassment")) == []


def test_understanding_a_post_moderates_it(platform: Platform) -> None:
    """The platform wires moderation to Understand's stream: no extra step for new posts."""
    item_id = _item(platform, "Homemade ramen in ten minutes")
    platform.understand.run([item_id])
    [decision] = platform.store.list_decisions(item_id)
    assert decision.action == "allow" and decision.policy_version == "1"
