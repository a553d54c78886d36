"""Moderation actions in the EU DSA visibility vocabulary, ordered from lightest to strictest.

``review`` is not a visibility outcome but a routing one: send the post to human review.
"""

from __future__ import annotations

from typing import Literal

Action = Literal["allow", "label", "age_restrict", "demote", "review", "disable", "remove"]
ACTIONS: tuple[str, ...] = (
    "allow",
    "label",
    "age_restrict",
    "demote",
    "review",
    "disable",
    "remove",
)
SEVERITY_OF_ACTION = {action: rank for rank, action in enumerate(ACTIONS)}


def strictest(actions: list[str]) -> str:
    """The strictest of ``actions`` (``allow`` when there are none)."""
    return max(actions, key=SEVERITY_OF_ACTION.__getitem__, default="allow")
