"""Record a moderation decision and its audit record together.

Every decision names the policy and the policy-set version in force, the detector scores with
their model versions and thresholds, the rule (if any), and whether detection and decision
were automated — the fields a DSA statement of reasons needs.
"""

from __future__ import annotations

from typing import Any

from reelstack.core import clock
from reelstack.core.errors import InvalidInput
from reelstack.core.ids import new_id
from reelstack.core.records import AuditRecord, Decision
from reelstack.safety.actions import ACTIONS
from reelstack.storage.interfaces import DecisionStore
from reelstack.storage.streams import EventStream

MODERATED_TOPIC = "items.moderated"  # {"item_id", "action", "decision_id"} after each decision


def decision_in_force(store: DecisionStore, item_id: str) -> Decision | None:
    """The latest decision on the item, or None if it was never moderated."""
    decisions = store.list_decisions(item_id)
    return decisions[-1] if decisions else None


class DecisionLog:
    """Records decisions; with a ``stream``, announces each on ``items.moderated`` once it is
    stored, so search and the feed apply it at once whoever decided (automation, reviewer,
    appeal)."""

    def __init__(self, decisions: DecisionStore, stream: EventStream | None = None) -> None:
        self.decisions = decisions
        self.stream = stream

    def record(
        self,
        item_id: str,
        action: str,
        *,
        actor: str,
        policy_id: str | None = None,
        policy_version: int | None = None,
        scores: list[dict[str, Any]] | None = None,
        reasons: list[dict[str, Any]] | None = None,
        rule: str | None = None,
        automated_detection: bool = True,
        automated_decision: bool = True,
        note: str = "",
    ) -> Decision:
        """Store the decision with its audit record (atomically); returns the decision."""
        if action not in ACTIONS:
            raise InvalidInput(f"unknown action {action!r}; use one of {', '.join(ACTIONS)}")
        now = clock.now()
        why = {
            "reasons": reasons or [],
            "scores": scores or [],
            "rule": rule,
            "automated_detection": automated_detection,
            "automated_decision": automated_decision,
            "note": note,
        }
        decision = Decision(
            id=new_id("dec"),
            item_id=item_id,
            action=action,
            policy_id=policy_id,
            policy_version=str(policy_version) if policy_version is not None else None,
            source="automated" if automated_decision else "manual",
            reasons=why,
            created_at=now,
        )
        self.decisions.add_decision(
            decision,
            AuditRecord(
                id=new_id("aud"),
                actor=actor,
                action=f"decision.{action}",
                subject_type="item",
                subject_id=item_id,
                details={
                    "decision_id": decision.id,
                    "policy_id": policy_id,
                    "policy_version": decision.policy_version,
                    **why,
                },
                ts=now,
            ),
        )
        if self.stream is not None:
            self.stream.publish(MODERATED_TOPIC, {"item_id": item_id, "action": action,
                                                  "decision_id": decision.id})  # fmt: skip
        return decision
