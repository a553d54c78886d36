"""The one visibility function search and the feed consume: may this viewer see this post?

The decision in force (the latest) sets it: ``remove``/``disable`` hide the post from
everyone; ``age_restrict`` hides it from minors and anonymous viewers; ``demote`` keeps it
visible with a reduced ranking weight (limited distribution); ``label`` shows it with a
label; ``allow``, ``review`` (pending humans) or no decision show it normally.
"""

from __future__ import annotations

from dataclasses import dataclass

from reelstack.core.records import Decision, User
from reelstack.safety.decisions import decision_in_force
from reelstack.storage.interfaces import DecisionStore

ADULT_AGE = 18
DEMOTED_WEIGHT = 0.3


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who asks: ``age`` None means unknown (anonymous or no birth year)."""

    user_id: str | None = None
    age: int | None = None

    @classmethod
    def of(cls, user: User | None, year: int) -> Viewer:
        if user is None:
            return cls()
        age = year - user.birth_year if user.birth_year else None
        return cls(user.id, age)

    @property
    def is_adult(self) -> bool:
        return self.age is not None and self.age >= ADULT_AGE


@dataclass(frozen=True, slots=True)
class Visibility:
    visible: bool
    weight: float = 1.0
    label: str | None = None
    action: str = "allow"
    decision_id: str | None = None


def visibility_of(decision: Decision | None, viewer: Viewer) -> Visibility:
    """Visibility under ``decision`` (None: never moderated) for ``viewer``."""
    if decision is None:
        return Visibility(True)
    action, ref = decision.action, decision.id
    if action in ("remove", "disable"):
        return Visibility(False, 0.0, action=action, decision_id=ref)
    if action == "age_restrict" and not viewer.is_adult:
        return Visibility(False, 0.0, action=action, decision_id=ref)
    if action == "demote":
        return Visibility(True, DEMOTED_WEIGHT, action=action, decision_id=ref)
    if action == "label":
        label = str(decision.reasons.get("label") or decision.policy_id or "sensitive")
        return Visibility(True, 1.0, label, action=action, decision_id=ref)
    return Visibility(True, action=action, decision_id=ref)


def visibility(store: DecisionStore, item_id: str, viewer: Viewer) -> Visibility:
    """Visibility of a stored item under its decision in force."""
    return visibility_of(decision_in_force(store, item_id), viewer)
