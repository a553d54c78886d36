"""Dependencies shared by the routers, as ``Annotated`` aliases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from reelstack.api.auth import Principal, authenticate, authorize
from reelstack.core.records import Role
from reelstack.runtime.platform import Platform


def get_platform(request: Request) -> Platform:
    return request.app.state.platform


PlatformDep = Annotated[Platform, Depends(get_platform)]


def _presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.headers.get("x-api-key") or None


def require(role: Role) -> Callable[..., Principal]:
    """A dependency that authenticates the caller and checks it has at least ``role``."""

    def dependency(request: Request, platform: PlatformDep) -> Principal:
        principal = authenticate(
            platform.store, _presented_key(request), request.app.state.open_access
        )
        authorize(principal, role)
        return principal

    return dependency


ClientDep = Annotated[Principal, Depends(require("client"))]
ReviewerDep = Annotated[Principal, Depends(require("reviewer"))]
AdminDep = Annotated[Principal, Depends(require("admin"))]
