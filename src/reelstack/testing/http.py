"""Helpers for API tests."""

from __future__ import annotations


def auth(secret: str) -> dict[str, str]:
    """The header that presents an API key."""
    return {"Authorization": f"Bearer {secret}"}
