"""The facts rules test: a flat dict built by the caller, and the namespace of its names.

=============================== ======== ===============================================
fact                            type     meaning
=============================== ======== ===============================================
``score.<policy_id>``           number   highest score any detector gave the policy; a
                                         parent policy gets the highest of its subtree
                                         (``score.spam`` >= ``score.spam.scam``)
``detector.<name>.<policy_id>`` number   one detector's score, e.g. ``detector.keywords.spam.scam``
``item.kind``                   string   ``video``, ``image`` or ``text``
``item.language``               string   ISO 639-1 code (absent when unknown)
``item.age_days``               number   days since the post was created
``item.hashtags``               list     lower-cased hashtags without ``#``
``item.is_ad``                  bool     whether the post is an ad
``item.<events>``               number   reach: ``item.impressions``, ``item.views``,
                                         ``item.likes``, ``item.shares``, ``item.comments``,
                                         ``item.reports``, ... (one per event type)
``creator.account_age_days``    number   days since the creator's account was created
``creator.followers``           number   follower count
``creator.prior_strikes``       number   the creator's other posts whose decision in
                                         force at ``now`` is ``remove`` or ``disable``
=============================== ======== ===============================================

A fact that is absent makes every comparison on it false (``exists`` tests presence).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from reelstack.core.records import EVENT_TYPES, Creator, Decision, Item
from reelstack.safety.detectors.base import Score
from reelstack.safety.policies.schema import PolicySet

FactType = Literal["number", "string", "list", "bool"]
DAY_S = 86_400.0
STRIKE_ACTIONS = frozenset({"remove", "disable"})


def event_fact(event_type: str) -> str:
    """``view`` → ``item.views``; ``not_interested`` stays as it is."""
    if event_type.endswith("ed"):
        return f"item.{event_type}"
    if event_type.endswith("ch"):
        return f"item.{event_type}es"
    return f"item.{event_type}s"


EVENT_FACTS = {event_type: event_fact(event_type) for event_type in EVENT_TYPES}
FIXED_FACTS: dict[str, FactType] = {
    "item.kind": "string",
    "item.language": "string",
    "item.age_days": "number",
    "item.hashtags": "list",
    "item.is_ad": "bool",
    **dict.fromkeys(EVENT_FACTS.values(), "number"),
    "creator.account_age_days": "number",
    "creator.followers": "number",
    "creator.prior_strikes": "number",
}
_POLICY = r"[a-z0-9][a-z0-9_.-]{0,63}"
_SCORE = re.compile(rf"^score\.({_POLICY})$")
_DETECTOR = re.compile(r"^detector\.([a-z0-9][a-z0-9_.-]{0,127})$")


def fact_type(name: str, policies: PolicySet | None = None) -> FactType:
    """The type of fact ``name``; ``ValueError`` when it is outside the namespace (and, given
    ``policies``, when it names a policy the set does not have)."""
    if name in FIXED_FACTS:
        return FIXED_FACTS[name]
    known = None if policies is None else {p.id for p, _ in policies.walk()}
    if match := _SCORE.match(name):
        if known is not None and match.group(1) not in known:
            raise ValueError(f"fact {name!r} names policy {match.group(1)!r}, which is unknown")
        return "number"
    if match := _DETECTOR.match(name):
        rest = match.group(1)
        # detector names contain dots too ("text.spam"): some suffix must be a policy id
        splits = [rest[i + 1 :] for i, ch in enumerate(rest) if ch == "."]
        if not splits:
            raise ValueError(f"fact {name!r} must be detector.<detector>.<policy_id>")
        if known is not None and not known.intersection(splits):
            raise ValueError(f"fact {name!r} names no known policy after the detector name")
        return "number"
    families = "score.<policy_id>, detector.<detector>.<policy_id>, " + ", ".join(FIXED_FACTS)
    raise ValueError(f"unknown fact {name!r}; facts are {families}")


def _parent_of(policies: PolicySet | None) -> Callable[[str], str | None]:
    if policies is not None:
        parents = {p.id: parent.id if parent else None for p, parent in policies.walk()}
        return parents.get
    # without the tree, dotted ids say it: spam.scam's parent is spam
    return lambda policy_id: policy_id.rsplit(".", 1)[0] if "." in policy_id else None


def score_facts(scores: Iterable[Score], policies: PolicySet | None = None) -> dict[str, float]:
    """``score.*`` (each policy's max, ancestors the max of their subtree) and ``detector.*``."""
    facts: dict[str, float] = {}
    best: dict[str, float] = {}
    for score in scores:
        key = f"detector.{score.detector}.{score.policy_id}"
        facts[key] = max(facts.get(key, 0.0), score.score)
        best[score.policy_id] = max(best.get(score.policy_id, 0.0), score.score)
    parent_of = _parent_of(policies)
    for policy_id, value in list(best.items()):
        seen = {policy_id}
        parent = parent_of(policy_id)
        while parent is not None and parent not in seen:
            seen.add(parent)
            best[parent] = max(best.get(parent, 0.0), value)
            parent = parent_of(parent)
    facts.update({f"score.{policy_id}": value for policy_id, value in best.items()})
    return facts


def prior_strikes(decisions: Iterable[Decision], item_id: str | None, now: float) -> int:
    """How many of the creator's other posts stood removed or disabled at ``now``: per post
    only its latest decision before ``now`` counts, so a strike reversed on appeal is gone."""
    in_force: dict[str, str] = {}
    for decision in sorted(decisions, key=lambda d: d.created_at):
        if decision.item_id != item_id and decision.created_at <= now:
            in_force[decision.item_id] = decision.action
    return sum(action in STRIKE_ACTIONS for action in in_force.values())


def build_facts(
    scores: Iterable[Score],
    item: Item | None,
    creator: Creator | None,
    counts: Mapping[str, int] | None,
    decisions: Iterable[Decision],
    now: float,
    *,
    policies: PolicySet | None = None,
) -> dict[str, Any]:
    """The facts for one post, from its detector scores, record, creator, event counts (from
    ``store.item_event_counts``) and the creator's decisions (``store.list_creator_decisions``).

    ``policies`` gives the tree that parent scores roll up to; without it dotted policy ids
    (``spam.scam`` → ``spam``) are taken as the tree.
    """
    facts: dict[str, Any] = score_facts(scores, policies)
    if item is not None:
        facts["item.kind"] = item.kind
        if item.language:
            facts["item.language"] = item.language
        if item.created_at:
            facts["item.age_days"] = max(0.0, (now - item.created_at) / DAY_S)
        facts["item.hashtags"] = [tag.lstrip("#").lower() for tag in item.hashtags]
        facts["item.is_ad"] = item.ad is not None
        counts = counts or {}
        for event_type, name in EVENT_FACTS.items():
            facts[name] = int(counts.get(event_type, 0))
    if creator is not None:
        if creator.created_at:
            facts["creator.account_age_days"] = max(0.0, (now - creator.created_at) / DAY_S)
        facts["creator.followers"] = creator.followers
        facts["creator.prior_strikes"] = prior_strikes(
            decisions, item.id if item is not None else None, now
        )
    return facts
