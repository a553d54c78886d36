"""Admin-edited config documents (policies, keyword banks, rules): one body shape, one audit."""

from __future__ import annotations

from typing import Any

from fastapi import Request

YAML_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


async def body_text(request: Request) -> str:
    """The request body as text (YAML and JSON both parse as YAML downstream)."""
    return (await request.body()).decode("utf-8", errors="replace")
