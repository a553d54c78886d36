"""Scores and rule hits become one action, with the threshold that fired named in each reason."""

from __future__ import annotations

from dataclasses import dataclass

from reelstack.safety.detectors.base import Score
from reelstack.safety.policies.store import DEFAULTS, parse_policy_set
from reelstack.safety.verdict import judge

POLICIES = parse_policy_set(DEFAULTS["content"].read_text(encoding="utf-8"), "content")


@dataclass
class Hit:
    rule_id: str
    state: str
    action: str
    policy_id: str


def test_the_strictest_band_wins_and_names_its_threshold() -> None:
    verdict = judge(
        [
            Score("spam.scam", "text.spam", 0.95, "m1"),
            Score("harassment", "text.abuse", 0.55, "m2"),
        ],
        POLICIES,
    )
    assert verdict.action == "remove"
    top = verdict.reasons[0]
    assert (top.policy_id, top.detector, top.score, top.threshold) == (
        "spam.scam",
        "text.spam",
        0.95,
        0.9,
    )
    assert [r.action for r in verdict.reasons] == ["remove", "demote"]


def test_scores_below_every_band_allow_and_are_still_reported() -> None:
    verdict = judge([Score("spam", "text.spam", 0.2, "m1")], POLICIES)
    assert verdict.action == "allow"
    assert verdict.reasons == []
    assert verdict.to_dict()["scores"][0]["score"] == 0.2


def test_unknown_policy_ids_are_ignored_not_fatal() -> None:
    assert judge([Score("no.such.policy", "x", 1.0, "m")], POLICIES).action == "allow"


def test_live_rules_act_and_shadow_rules_only_report() -> None:
    hits = [
        Hit("r-live", "live", "review", "harassment"),
        Hit("r-shadow", "shadow", "remove", "spam"),
    ]
    verdict = judge([], POLICIES, hits)
    assert verdict.action == "review"
    assert verdict.reasons[0].rule == "r-live"
    assert [r.rule for r in verdict.shadow] == ["r-shadow"]
    assert verdict.to_dict()["shadow"] == [
        {"policy_id": "spam", "action": "remove", "rule": "r-shadow"}
    ]
