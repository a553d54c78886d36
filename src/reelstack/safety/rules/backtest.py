"""Backtest a rule on stored posts before it goes live: what would it change?

For every case ``(item_id, facts, action in force)`` the rule is evaluated whatever its state
(drafts too: that is what a backtest is for). A hit moves the post from its current action to
the strictest of the current one and the rule's; the report counts each transition
("allow → remove": 12) and keeps a few example item ids per transition to look at.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reelstack.safety.actions import SEVERITY_OF_ACTION, strictest
from reelstack.safety.rules.schema import Rule

Case = tuple[str, Mapping[str, Any], str | None]


@dataclass(slots=True)
class Transition:
    current: str
    new: str
    count: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.current != self.new

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.current,
            "to": self.new,
            "count": self.count,
            "changed": self.changed,
            "examples": self.examples,
        }


@dataclass(slots=True)
class BacktestReport:
    rule_id: str
    state: str
    action: str
    policy_id: str
    evaluated: int = 0
    hits: int = 0
    transitions: list[Transition] = field(default_factory=list)

    @property
    def changed(self) -> int:
        """Hits whose action the rule would change (a stricter action than the current one)."""
        return sum(t.count for t in self.transitions if t.changed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "state": self.state,
            "action": self.action,
            "policy_id": self.policy_id,
            "evaluated": self.evaluated,
            "hits": self.hits,
            "changed": self.changed,
            "transitions": [t.to_dict() for t in self.transitions],
        }

    def to_text(self) -> str:
        rate = f" ({self.hits / self.evaluated:.1%})" if self.evaluated else ""
        lines = [
            f"rule {self.rule_id} ({self.state}): {self.policy_id} → {self.action}",
            f"evaluated {self.evaluated} items, {self.hits} hit{rate}, {self.changed} would change",
        ]
        if self.transitions:
            width = max(len(f"{t.current} → {t.new}") for t in self.transitions)
            for t in self.transitions:
                label = f"{t.current} → {t.new}".ljust(width)
                note = "" if t.changed else "  (unchanged)"
                examples = f"  e.g. {', '.join(t.examples)}" if t.examples else ""
                lines.append(f"  {label}  {t.count:>7}{note}{examples}")
        return "\n".join(lines)


def backtest(rule: Rule, cases: Iterable[Case], examples: int = 5) -> BacktestReport:
    """Evaluate ``rule`` on every case; ``examples`` item ids are kept per transition."""
    report = BacktestReport(
        rule_id=rule.id, state=rule.state, action=rule.action, policy_id=rule.policy_id
    )
    by_pair: dict[tuple[str, str], Transition] = {}
    for item_id, facts, in_force in cases:
        report.evaluated += 1
        if not rule.matches(facts):
            continue
        report.hits += 1
        current = in_force or "allow"
        new = strictest([current, rule.action])
        transition = by_pair.setdefault((current, new), Transition(current, new))
        transition.count += 1
        if len(transition.examples) < examples:
            transition.examples.append(item_id)
    report.transitions = sorted(
        by_pair.values(),
        key=lambda t: (not t.changed, -t.count, SEVERITY_OF_ACTION.get(t.current, 0)),
    )
    return report
