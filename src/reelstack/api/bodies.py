"""Request bodies the routers share: YAML/JSON config documents and JSON objects."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from reelstack.core.errors import InvalidInput

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


async def json_object(request: Request, expected: str) -> dict[str, Any]:
    """The body as a JSON object; ``expected`` completes the error "body must be ..."."""
    try:
        body = await request.json()
    except ValueError as exc:
        raise InvalidInput(f"body must be {expected}") from exc
    if not isinstance(body, dict):
        raise InvalidInput("body must be a JSON object")
    return body
