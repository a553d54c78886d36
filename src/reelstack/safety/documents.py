"""Parse an admin-edited YAML (or JSON) document into its schema, with one clear error.

Policies, keyword banks and rules all arrive as text from the API or a file; each is held to
a size limit, must be a mapping, and is validated by its pydantic model. Every failure is an
``InvalidInput`` that says what is wrong — bad YAML, nesting or alias cycles, or the field
and value the schema rejected — and never a stack trace.
"""

from __future__ import annotations

from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from reelstack.core.errors import InvalidInput
from reelstack.ingest.manifest import describe_validation_error

M = TypeVar("M", bound=BaseModel)


def load_mapping(text: str, what: str, expects: str, max_bytes: int) -> dict[str, Any]:
    """The YAML mapping in ``text``; ``what`` names the document in errors ("rule file")."""
    if len(text.encode()) > max_bytes:
        size = f"{max_bytes // 2**20} MB" if max_bytes >= 2**20 else f"{max_bytes // 1024} KB"
        raise InvalidInput(f"{what} is larger than {size}")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{what} is not valid YAML: {exc}") from exc
    except RecursionError as exc:
        raise InvalidInput(f"{what} is nested too deeply") from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"{what} must be a mapping with {expects}")
    return data


def validate_document(
    model: type[M], data: dict[str, Any], what: str, context: dict[str, Any] | None = None
) -> M:
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise InvalidInput(describe_validation_error(exc)) from exc
    except RecursionError as exc:
        raise InvalidInput(f"{what} refers to itself (a cycle through YAML aliases)") from exc
