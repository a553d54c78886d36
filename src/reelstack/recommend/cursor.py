"""Signed feed cursors, bound to the user they were issued to.

A cursor carries the feed session (which pages were served, so the next page does not repeat
them), the page number and the issue time, signed with HMAC-SHA256 under a key kept in
``<data_dir>/recommend/cursor.key`` (made on first use, readable by its owner only). A cursor
that was tampered with, has expired, or belongs to another user is a clear 422.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from reelstack.core import clock
from reelstack.core.errors import InvalidInput

MAX_CURSOR_CHARS = 512


@dataclass(frozen=True, slots=True)
class Cursor:
    user: str  # the user id, or "anonymous:<language>"
    session: str
    page: int
    issued: float


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_key(path: Path) -> bytes:
    """The signing key at ``path``, created (0600) when missing."""
    path = Path(path)
    if path.is_file():
        return bytes.fromhex(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key.hex())
    try:
        os.link(tmp, path)  # never replace a key another process just made
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return bytes.fromhex(path.read_text().strip())


class CursorSigner:
    def __init__(self, key: bytes, ttl_s: float) -> None:
        self.key = key
        self.ttl_s = ttl_s

    def _sign(self, payload: bytes) -> str:
        return _b64(hmac.new(self.key, payload, hashlib.sha256).digest()[:18])

    def issue(self, cursor: Cursor) -> str:
        payload = json.dumps(
            {"u": cursor.user, "s": cursor.session, "p": cursor.page, "t": round(cursor.issued, 3)},
            separators=(",", ":"),
        ).encode()
        return f"{_b64(payload)}.{self._sign(payload)}"

    def read(self, token: str, users: Collection[str]) -> Cursor:
        """The cursor behind ``token`` if it is genuine, fresh and issued to one of ``users``
        (the names of the one user asking)."""
        invalid = InvalidInput("cursor is not valid; request the feed without a cursor")
        if not isinstance(token, str) or len(token) > MAX_CURSOR_CHARS or token.count(".") != 1:
            raise invalid
        body, signature = token.split(".")
        try:
            payload = _unb64(body)
        except ValueError:
            raise invalid from None
        if not hmac.compare_digest(signature, self._sign(payload)):
            raise invalid
        try:
            data = json.loads(payload)
            cursor = Cursor(str(data["u"]), str(data["s"]), int(data["p"]), float(data["t"]))
        except (ValueError, KeyError, TypeError):
            raise invalid from None
        if cursor.user not in users:
            raise InvalidInput(
                "cursor was issued to another user; request the feed without a cursor",
                reason="cursor-user-mismatch",
            )
        if clock.now() - cursor.issued > self.ttl_s:
            raise InvalidInput(
                "cursor has expired; request the feed without a cursor", reason="cursor-expired"
            )
        return cursor
