"""The policy tree: policy → sub-policies, each with severity, regions and confidence bands.

A band maps detector confidence to an action: ``{min_confidence: 0.9, action: remove}``. A
sub-policy inherits its parent's bands and regions unless it states its own. Validation
rejects unknown actions, duplicate ids (which is also how a cycle through YAML aliases shows
up), overlapping or unordered bands and severities outside 1–4, naming the offending policy.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from reelstack.safety.actions import Action

PolicyKind = Literal["content", "ads"]


class Band(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_confidence: float = Field(ge=0, le=1)
    action: Action


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=4000)
    severity: int = Field(ge=1, le=4)
    regions: list[str] | None = Field(None, description="ISO 3166 codes; None: everywhere")
    bands: list[Band] | None = Field(None, description="None: inherit the parent's bands")
    children: list[Policy] = Field(default_factory=list)

    @field_validator("bands")
    @classmethod
    def _ordered_bands(cls, bands: list[Band] | None) -> list[Band] | None:
        if bands is not None:
            levels = [b.min_confidence for b in bands]
            if levels != sorted(levels, reverse=True) or len(set(levels)) != len(levels):
                raise ValueError("bands must have distinct min_confidence, highest first")
        return bands


class PolicySet(BaseModel):
    """One kind of policies (content or ads) at one version."""

    model_config = ConfigDict(extra="forbid")

    kind: PolicyKind
    version: int = Field(0, ge=0, description="Assigned by the store on save.")
    policies: list[Policy]

    @model_validator(mode="after")
    def _unique_ids(self) -> PolicySet:
        seen: set[str] = set()
        for policy, _ in self.walk():
            if policy.id in seen:
                raise ValueError(f"policy id {policy.id!r} appears twice (duplicate or cycle)")
            seen.add(policy.id)
        if not self.policies:
            raise ValueError("a policy set needs at least one policy")
        return self

    def walk(self) -> Iterator[tuple[Policy, Policy | None]]:
        """(policy, parent) for every node, depth first."""
        stack: list[tuple[Policy, Policy | None]] = [(p, None) for p in reversed(self.policies)]
        while stack:
            policy, parent = stack.pop()
            yield policy, parent
            stack += [(child, policy) for child in reversed(policy.children)]

    def get(self, policy_id: str) -> Policy:
        for policy, _ in self.walk():
            if policy.id == policy_id:
                return policy
        raise KeyError(policy_id)

    def effective_bands(self, policy_id: str) -> list[Band]:
        """The policy's bands, or the nearest ancestor's."""
        parents = {p.id: parent for p, parent in self.walk()}
        node: Policy | None = self.get(policy_id)
        while node is not None:
            if node.bands is not None:
                return node.bands
            node = parents[node.id]
        return []

    def action_for(self, policy_id: str, confidence: float) -> str:
        """The action of the first band whose ``min_confidence`` the confidence reaches."""
        for band in self.effective_bands(policy_id):
            if confidence >= band.min_confidence:
                return band.action
        return "allow"
