"""From detector scores (and rule hits) to one action with its reasons.

Each score is looked up in the policy set in force: the first band of the policy whose
``min_confidence`` the score reaches gives an action, and that ``min_confidence`` is the
threshold the reason reports. Live rule hits add their own action. The post's action is the
strictest of them all (``allow`` when nothing applies); every contributing score and rule is a
reason, so a statement of reasons can name policy, detector, score and threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from reelstack.safety.actions import SEVERITY_OF_ACTION, strictest
from reelstack.safety.detectors.base import Score
from reelstack.safety.policies.schema import PolicySet


class RuleHitLike(Protocol):
    rule_id: str
    state: str
    action: str
    policy_id: str


@dataclass(frozen=True, slots=True)
class Reason:
    policy_id: str
    action: str
    detector: str | None = None  # None for a rule's reason
    score: float | None = None
    threshold: float | None = None
    model_version: str | None = None
    evidence: str | None = None
    rule: str | None = None


@dataclass(slots=True)
class Verdict:
    action: str
    policy_version: int
    reasons: list[Reason] = field(default_factory=list)  # what acted, strictest first
    scores: list[Score] = field(default_factory=list)  # everything the detectors said
    shadow: list[Reason] = field(default_factory=list)  # what shadow rules would have done
    errors: dict[str, str] = field(default_factory=dict)  # detector name -> failure

    @property
    def policy_id(self) -> str | None:
        return self.reasons[0].policy_id if self.reasons else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "policy_id": self.policy_id,
            "policy_version": self.policy_version,
            "reasons": [_compact(asdict(r)) for r in self.reasons],
            "scores": [s.to_dict() for s in self.scores],
            "shadow": [_compact(asdict(r)) for r in self.shadow],
            "errors": self.errors,
        }


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def score_reason(score: Score, policies: PolicySet) -> Reason | None:
    """The reason ``score`` gives under ``policies``, or None when it reaches no band."""
    try:
        bands = policies.effective_bands(score.policy_id)
    except KeyError:  # a detector or bank naming a policy this version no longer has
        return None
    for band in bands:
        if score.score >= band.min_confidence:
            if band.action == "allow":
                return None
            return Reason(
                policy_id=score.policy_id,
                action=band.action,
                detector=score.detector,
                score=round(score.score, 4),
                threshold=band.min_confidence,
                model_version=score.model_version,
                evidence=score.evidence,
            )
    return None


def rule_reason(hit: RuleHitLike) -> Reason:
    return Reason(policy_id=hit.policy_id, action=hit.action, rule=hit.rule_id)


def judge(
    scores: list[Score],
    policies: PolicySet,
    rule_hits: Sequence[RuleHitLike] = (),
    errors: dict[str, str] | None = None,
) -> Verdict:
    reasons = [r for s in scores if (r := score_reason(s, policies)) is not None]
    reasons += [rule_reason(h) for h in rule_hits if h.state == "live"]
    reasons.sort(key=lambda r: (-SEVERITY_OF_ACTION[r.action], -(r.score or 1.0)))
    return Verdict(
        action=strictest([r.action for r in reasons]),
        policy_version=policies.version,
        reasons=reasons,
        scores=sorted(scores, key=lambda s: -s.score),
        shadow=[rule_reason(h) for h in rule_hits if h.state == "shadow"],
        errors=errors or {},
    )
