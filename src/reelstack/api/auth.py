"""API keys with roles. A key is shown once at creation; only its SHA-256 is stored.

Roles are ordered: client < reviewer < admin; a route asks for the least role it needs.
A reviewer key may be limited to some review queues (``safety/review/access.py``); admins
see every queue. Open access (local demo only) treats a request without a key as admin.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from reelstack.core import clock
from reelstack.core.errors import ConfigError, Forbidden, InvalidInput, Unauthorized
from reelstack.core.ids import new_id
from reelstack.core.records import ApiKey, Role
from reelstack.safety.review.access import QueueAccess
from reelstack.storage.interfaces import KeyStore

ROLE_RANK: dict[str, int] = {"client": 1, "reviewer": 2, "admin": 3}


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: Role
    queues: tuple[str, ...] = ()  # review queues a reviewer key is limited to; () = all

    @property
    def access(self) -> QueueAccess:
        return QueueAccess(self.queues)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(
    keys: KeyStore, name: str, role: str, queues: str | Iterable[str] = ()
) -> tuple[ApiKey, str]:
    """Store a new key; returns the record and the secret (never stored in clear).
    ``queues`` limits a reviewer key to those review queues (``QUEUE`` or ``QUEUE:LANG``)."""
    if role not in ROLE_RANK:
        raise InvalidInput(f"unknown role {role!r}; use one of {', '.join(ROLE_RANK)}")
    access = QueueAccess.parse(queues)
    if access.limited and role != "reviewer":
        raise InvalidInput(f"only reviewer keys are limited to queues; {role} keys are not")
    secret = "rs_" + secrets.token_urlsafe(32)
    record = ApiKey(
        id=new_id("key"),
        name=name,
        role=role,
        key_hash=hash_key(secret),
        created_at=clock.now(),
        queues=list(access.scopes),
    )
    keys.add_api_key(record)
    return record, secret


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_open_access(host: str, open_access: bool) -> None:
    """Open access is a local-demo convenience and never allowed on a reachable address."""
    if open_access and not is_loopback(host):
        raise ConfigError(
            f"open access is only allowed on a loopback address, not {host!r}; create keys "
            "with `reelstack keys add NAME --role admin` and drop open access"
        )


def authenticate(keys: KeyStore, secret: str | None, open_access: bool) -> Principal:
    if not secret:
        if open_access:
            return Principal("anonymous (open access)", "admin")
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key'")
    record = keys.find_api_key(hash_key(secret))
    if record is None:
        raise Unauthorized("invalid or revoked API key")
    return Principal(record.name, record.role, tuple(record.queues))


def authorize(principal: Principal, needed: Role) -> None:
    if ROLE_RANK[principal.role] < ROLE_RANK[needed]:
        raise Forbidden(f"this route needs the {needed} role; your key has {principal.role}")
