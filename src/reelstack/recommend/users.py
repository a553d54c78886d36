"""Who a request or an event is about: a stored user id, a handle, or nobody (anonymous).

The platform's clients know their users by their own handles (the demo simulator sends
handles), so events accept either. An unknown *handle* in an event creates the user on first
sight (language and age unknown until set); an unknown *id* (``usr_…``, minted only by
ReelStack) is an error. A feed for an unknown handle is a brand-new user's feed, and creates
nobody.
"""

from __future__ import annotations

import re
import threading

from reelstack.core import clock
from reelstack.core.errors import InvalidInput, NotFound
from reelstack.core.ids import new_id
from reelstack.core.records import User
from reelstack.storage.interfaces import UserStore

ANONYMOUS = "anonymous"
ID_PREFIX = "usr_"
HANDLE = re.compile(r"^[\w.\-@]{1,64}$")


class UserDirectory:
    """Handle ↔ id, cached from the store and refreshed on a miss."""

    def __init__(self, store: UserStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._by_handle: dict[str, str] = {}
        self._ids: set[str] = set()
        self._last_id = ""
        self._load_new()

    def _load_new(self) -> None:
        with self._lock:
            while page := self.store.list_users(limit=1000, after=self._last_id or None):
                for user in page:
                    self._remember(user)
                if len(page) < 1000:
                    break

    def _remember(self, user: User) -> None:
        self._by_handle[user.handle] = user.id
        self._ids.add(user.id)
        self._last_id = max(self._last_id, user.id)

    def find(self, value: str) -> str | None:
        """The stored user id of an id or handle, or None."""
        if value in self._ids:
            return value
        found = self._by_handle.get(value)
        if found:
            return found
        if value.startswith(ID_PREFIX):
            try:
                user = self.store.get_user(value)
            except NotFound:
                return None
            with self._lock:
                self._remember(user)
            return user.id
        self._load_new()  # created since (another process, the demo build)
        return self._by_handle.get(value)

    def resolve(self, value: str | None, *, create: bool) -> str | None:
        """The user id for ``value`` (None: anonymous). ``create``: an unknown handle becomes
        a new user; otherwise it resolves to None like an anonymous viewer would."""
        if value is None or value == "" or value == ANONYMOUS:
            return None
        check(value)
        found = self.find(value)
        if found is not None:
            return found
        if value.startswith(ID_PREFIX):
            raise NotFound(f"no user {value!r}")
        if not create:
            return None
        user = self.store.upsert_user(User(id=new_id("usr"), handle=value, created_at=clock.now()))
        with self._lock:
            self._remember(user)
        return user.id


def check(value: str) -> None:
    if not isinstance(value, str) or not HANDLE.match(value):
        raise InvalidInput(
            "user must be a user id or a handle of 1-64 letters, digits, '_', '.', '-' or '@'"
        )
