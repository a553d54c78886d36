"""A rule file: rules with an id, a state, the policy and DSA action they stand for, and a
condition over the facts of a post.

States: ``draft`` rules are only backtested, never evaluated in production; ``shadow`` rules
are evaluated and their hits returned flagged, so the caller logs what they would have done
without acting; ``live`` rules act.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo, model_validator

from reelstack.safety.actions import Action
from reelstack.safety.rules.conditions import Condition, ConditionError, parse_condition
from reelstack.safety.rules.facts import fact_type

RuleState = Literal["draft", "shadow", "live"]
MAX_RULES = 500
_ID = r"^[a-z0-9][a-z0-9_.-]{0,63}$"


@dataclass(frozen=True, slots=True)
class RuleHit:
    rule_id: str
    state: str  # "shadow" or "live"
    action: str
    policy_id: str

    @property
    def shadow(self) -> bool:
        """A shadow hit is logged, never acted on."""
        return self.state == "shadow"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "shadow": self.shadow}


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_ID)
    description: str = Field("", max_length=2000)
    state: RuleState
    policy_id: str = Field(pattern=_ID)
    action: Action
    when: dict[str, Any]
    _condition: Condition = PrivateAttr()

    @model_validator(mode="after")
    def _parse_when(self, info: ValidationInfo) -> Rule:
        policies = (info.context or {}).get("policies")
        if policies is not None:
            try:
                policies.get(self.policy_id)
            except KeyError:
                raise ValueError(
                    f"rule {self.id!r} names policy {self.policy_id!r}, which the content "
                    f"policy set (version {policies.version}) does not have"
                ) from None
        try:
            self._condition = parse_condition(self.when, partial(fact_type, policies=policies))
        except ConditionError as exc:
            raise ValueError(f"rule {self.id!r}: {exc}") from None
        self.when = self._condition.to_dict()  # canonical form, free of YAML aliases
        return self

    @property
    def condition(self) -> Condition:
        return self._condition

    def matches(self, facts: Mapping[str, Any]) -> bool:
        return self._condition.test(facts)


class RuleSet(BaseModel):
    """All rules at one version."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(0, ge=0, description="Assigned by the store on save.")
    rules: list[Rule] = Field(max_length=MAX_RULES)

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleSet:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} appears twice")
            seen.add(rule.id)
        return self

    def get(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def evaluate(self, facts: Mapping[str, Any]) -> list[RuleHit]:
        """Hits of the shadow and live rules, in file order; draft rules are skipped."""
        return [
            RuleHit(rule_id=rule.id, state=rule.state, action=rule.action, policy_id=rule.policy_id)
            for rule in self.rules
            if rule.state != "draft" and rule.matches(facts)
        ]
