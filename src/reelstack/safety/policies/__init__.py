"""Policies as versioned config: a validated tree per policy set, history kept on disk."""

from reelstack.safety.policies.schema import Band, Policy, PolicySet
from reelstack.safety.policies.store import PolicyStore

__all__ = ["Band", "Policy", "PolicySet", "PolicyStore"]
