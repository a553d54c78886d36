"""Every error leaves the API as RFC 9457 ``application/problem+json``; no stack traces."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from reelstack.core.errors import ReelStackError

log = logging.getLogger(__name__)
PROBLEM_TYPE = "https://reelstack.dev/problems/"
_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    422: "Invalid input",
    500: "Internal server error",
    503: "Service unavailable",
}
_SLUGS = {400: "bad-request", 404: "not-found", 405: "method-not-allowed"}


def problem(
    status: int, slug: str, detail: str, instance: str | None = None, **extra: Any
) -> JSONResponse:
    body = {
        "type": PROBLEM_TYPE + slug,
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **({"instance": instance} if instance else {}),
        **extra,
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status, headers=headers, media_type="application/problem+json")


def _field_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"]}
        for err in exc.errors()
    ]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ReelStackError)
    async def _reelstack(request: Request, exc: ReelStackError) -> JSONResponse:
        return problem(exc.status, exc.problem, exc.message, request.url.path, **exc.details)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(422, "invalid-input", detail, request.url.path, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = _SLUGS.get(exc.status_code, f"http-{exc.status_code}")
        return problem(exc.status_code, slug, str(exc.detail), request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(
            500, "internal-error", "unexpected server error; see the server log", request.url.path
        )
