"""The error vocabulary: every failure a user can cause or see has a class and a clear message.

The API maps each class to an HTTP status and an RFC 9457 problem type (``problem``); the CLI
prints ``message`` without a stack trace.
"""

from __future__ import annotations

from typing import Any


class ReelStackError(Exception):
    """Base of all expected errors; ``problem`` is a stable slug clients can switch on."""

    status = 500
    problem = "internal-error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(ReelStackError):
    status = 422
    problem = "invalid-input"


class MediaError(InvalidInput):
    """The bytes are not media we accept (corrupt, truncated, unsupported, too large)."""

    problem = "invalid-media"


class NotFound(ReelStackError):
    status = 404
    problem = "not-found"


class Conflict(ReelStackError):
    status = 409
    problem = "conflict"


class PayloadTooLarge(ReelStackError):
    status = 413
    problem = "payload-too-large"


class Unauthorized(ReelStackError):
    status = 401
    problem = "unauthorized"


class Forbidden(ReelStackError):
    status = 403
    problem = "forbidden"


class ConfigError(ReelStackError):
    """Settings that cannot work (unknown backend URL, open access on a public address...)."""

    problem = "config-error"


class ModelUnavailable(ReelStackError):
    """A named model cannot load, typically because the package shipping its weights is missing."""

    status = 503
    problem = "model-unavailable"


class StorageError(ReelStackError):
    problem = "storage-error"
