"""``ModerationService``: every post gets a decision with reasons, once it is understood.

The flow: build the post's ``Subject`` (texts and Understand features) → run every detector
(a failing detector is recorded in the verdict and the others still count) → evaluate the
rules over the scores and the item's and creator's facts → ``judge`` picks the strictest
action under the content policy set in force → the decision and its audit record are stored
together, shadow rule hits are audited without acting, ``review`` opens a review job, and
``items.moderated`` is published so search and the feed re-check visibility at once.

A decision a human took (``source == "manual"``) is never overwritten by automation.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from reelstack.core import clock
from reelstack.core.records import Decision, Item
from reelstack.safety.audit import append_audit
from reelstack.safety.decisions import DecisionLog, decision_in_force
from reelstack.safety.detectors.base import Detector, Score, Subject
from reelstack.safety.policies import PolicyStore
from reelstack.safety.review.jobs import open_for_verdict
from reelstack.safety.subjects import subject_of_item, subject_of_upload
from reelstack.safety.verdict import Verdict, judge
from reelstack.storage.interfaces import Store
from reelstack.storage.paging import iter_items
from reelstack.storage.streams import EventStream

if TYPE_CHECKING:
    from reelstack.understand.service import UnderstandService

log = logging.getLogger(__name__)

ACTOR = "reelstack.moderation"


class ModerationService:
    def __init__(
        self,
        store: Store,
        policies: PolicyStore,
        detectors: Callable[[], list[Detector]],
        *,
        rules: Any = None,
        stream: EventStream | None = None,
        understand: UnderstandService | None = None,
    ) -> None:
        self.store = store
        self.policies = policies
        self._make_detectors = detectors
        self._detectors: list[Detector] | None = None
        self._lock = threading.Lock()
        self.rules = rules  # a RuleStore (``current()`` → RuleSet), or None for no rules
        self.stream = stream
        self.understand = understand
        self.log = DecisionLog(store, stream)

    @property
    def detectors(self) -> list[Detector]:
        """Built on first use (loading models), once."""
        with self._lock:
            if self._detectors is None:
                self._detectors = self._make_detectors()
            return self._detectors

    # -- scoring -----------------------------------------------------------------------------

    def detect(self, subject: Subject) -> tuple[list[Score], dict[str, str]]:
        """Every detector's scores; a detector that fails is named with its error."""
        scores: list[Score] = []
        errors: dict[str, str] = {}
        for detector in self.detectors:
            try:
                scores += [s for s in detector.detect(subject) if s.score > 0]
            except Exception as exc:  # one broken detector must not block moderation
                log.exception("detector %s failed", detector.name)
                errors[detector.name] = f"{type(exc).__name__}: {exc}"
        return scores, errors

    def assess(self, subject: Subject, item: Item | None = None) -> Verdict:
        """The verdict on ``subject`` under the policies and rules in force (nothing stored)."""
        policy_set = self.policies.current("content")
        scores, errors = self.detect(subject)
        hits = self._rule_hits(scores, item) if self.rules is not None else []
        return judge(scores, policy_set, hits, errors)

    def facts(self, scores: list[Score], item: Item | None) -> dict[str, Any]:
        """What rules see: scores rolled up the policy tree, item, creator and reach facts."""
        from reelstack.safety.rules import build_facts

        creator = counts = None
        decisions: list[Decision] = []
        if item is not None:
            creator = self.store.get_creator(item.creator_id)
            counts = self.store.item_event_counts(item.id)
            decisions = self.store.list_creator_decisions(creator.id)
        policies = self.policies.current("content")
        return build_facts(scores, item, creator, counts, decisions, clock.now(), policies=policies)

    def _rule_hits(self, scores: list[Score], item: Item | None) -> list[Any]:
        return self.rules.current().evaluate(self.facts(scores, item))

    # -- stored items ----------------------------------------------------------------------

    def moderate_item(self, item_id: str) -> Decision | None:
        """Decide on a stored item; None when a human decision is in force (kept as it is)."""
        in_force = decision_in_force(self.store, item_id)
        if in_force is not None and in_force.source == "manual":
            return None
        item = self.store.get_item(item_id)
        verdict = self.assess(subject_of_item(self.store, item), item)
        return self._record(item, verdict)

    def _record(self, item: Item, verdict: Verdict) -> Decision:
        summary = verdict.to_dict()
        reasons = summary["reasons"]
        decision = self.log.record(
            item.id,
            verdict.action,
            actor=ACTOR,
            policy_id=verdict.policy_id,
            policy_version=verdict.policy_version,
            scores=summary["scores"],
            reasons=reasons,
            rule=next((r["rule"] for r in reasons if "rule" in r), None),
            note="; ".join(f"{name}: {err}" for name, err in verdict.errors.items()),
        )
        for shadow in summary["shadow"]:
            details = {
                **shadow,
                "decision_id": decision.id,
                "policy_version": verdict.policy_version,
            }
            append_audit(self.store, actor=ACTOR, action="rule.shadow", subject_type="item",
                         subject_id=item.id, details=details)  # fmt: skip
        if verdict.action == "review":
            self._open_review_job(item, verdict)
        return decision

    def _open_review_job(self, item: Item, verdict: Verdict) -> None:
        """Queue the post for humans (priority: severity × reach × uncertainty; review/)."""
        open_for_verdict(self.store, self.policies.current("content"), item, verdict)

    def moderate_items(self, item_ids: Sequence[str], progress: bool = False) -> dict[str, int]:
        """Decide on each item; returns how many got each action (``kept_manual`` too)."""
        counts: dict[str, int] = {}
        for item_id in tqdm(item_ids, unit="item", desc="moderate", disable=not progress):
            decision = self.moderate_item(item_id)
            key = decision.action if decision else "kept_manual"
            counts[key] = counts.get(key, 0) + 1
        return counts

    def pending(self) -> list[str]:
        """Stored items that have never been decided on."""
        return [item.id for item in iter_items(self.store)
                if not self.store.list_decisions(item.id)]  # fmt: skip

    def on_understood(self, message: dict[str, Any]) -> None:
        """Stream handler: moderate the items Understand just finished."""
        for item_id in message.get("item_ids", []):
            try:
                self.moderate_item(item_id)
            except Exception:
                log.exception("moderation failed for %s", item_id)

    def cases(self, limit: int | None = None) -> Iterator[tuple[str, dict[str, Any], str]]:
        """(item id, facts, action in force) of stored items, for rule backtests.

        Scores come from the item's latest automated decision when it has one (what the
        detectors said then), else the detectors run now.
        """
        for count, item in enumerate(iter_items(self.store)):
            if limit is not None and count >= limit:
                return
            decisions = self.store.list_decisions(item.id)
            scores = _stored_scores(decisions)
            if scores is None:
                scores, _ = self.detect(subject_of_item(self.store, item))
            yield item.id, self.facts(scores, item), decisions[-1].action if decisions else "allow"

    # -- posts that are not stored ---------------------------------------------------------

    def moderate_upload(
        self, text: str = "", path: Path | None = None, language: str | None = None
    ) -> Verdict:
        """The verdict on text and/or a media file, without storing anything."""
        features = None
        if path is not None:
            if self.understand is None:
                raise RuntimeError("moderating media needs the understanding service")
            features = self.understand.understand_file(path, caption=text, language=language)
            features = features["features"]
        return self.assess(subject_of_upload(text, features, language))


def _stored_scores(decisions: list[Decision]) -> list[Score] | None:
    for decision in reversed(decisions):
        if decision.source == "automated" and "scores" in decision.reasons:
            return [Score(**s) for s in decision.reasons["scores"]]
    return None
