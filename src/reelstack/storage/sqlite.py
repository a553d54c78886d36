"""The embedded default backend: one SQLite file in WAL mode, one connection per thread.

Every write runs in ``BEGIN IMMEDIATE`` ... ``COMMIT`` with ``synchronous=FULL``, so a process
killed at any instant leaves each write fully applied or absent and the file consistent.
``memory://`` opens a private shared-cache in-memory database (tests, throwaway runs).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from reelstack.core.errors import Conflict, NotFound, StorageError
from reelstack.core.records import (
    ApiKey,
    AuditRecord,
    BankEntry,
    Creator,
    Decision,
    Event,
    Feature,
    HashBank,
    Item,
    Media,
    User,
)
from reelstack.storage import sqlite_rows as rows
from reelstack.storage.sqlite_review import SQLiteReviewJobs
from reelstack.storage.sqlite_schema import MIGRATIONS


class SQLiteStore(SQLiteReviewJobs):
    """``Store`` over SQLite; safe to share across threads (each gets its own connection)."""

    def __init__(self, path: str, *, uri: bool = False, url: str = "") -> None:
        self.url = url or f"sqlite:///{path}"
        self._path = path
        self._uri = uri
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        # A shared-cache memory database reports table locks instead of waiting on them, so
        # its callers are serialised here; a file database lets SQLite's own locking work.
        self._serial: threading.RLock | None = threading.RLock() if uri else None
        self._anchor = self._conn()  # keeps a memory database alive; runs migrations
        self._migrate()

    @classmethod
    def from_url(cls, url: str) -> SQLiteStore:
        parts = urlsplit(url)
        if parts.scheme == "memory":
            name = f"file:reelstack-{uuid.uuid4().hex}?mode=memory&cache=shared"
            return cls(name, uri=True, url=url)
        path = parts.path if not parts.netloc else f"//{parts.netloc}{parts.path}"
        if not path or path == "/":
            raise StorageError(f"sqlite URL needs a file path: {url!r}")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return cls(path, url=url)

    # -- connections and transactions ------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(
                    self._path, uri=self._uri, isolation_level=None, check_same_thread=False
                )
            except sqlite3.Error as exc:
                raise StorageError(f"cannot open SQLite database {self._path}: {exc}") from exc
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout = 10000")
            if not self._uri:
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def _serialised(self) -> Iterator[None]:
        if self._serial is None:
            yield
        else:
            with self._serial:
                yield

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._serialised():
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _one(self, sql: str, args: tuple = ()) -> sqlite3.Row | None:
        with self._serialised():
            return self._conn().execute(sql, args).fetchone()

    def _all_rows(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        with self._serialised():
            return self._conn().execute(sql, args).fetchall()

    def _migrate(self) -> None:
        with self._tx() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise StorageError(
                    f"database schema v{version} is newer than this ReelStack "
                    f"(knows v{len(MIGRATIONS)}); upgrade ReelStack"
                )
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in script.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")

    @property
    def schema_version(self) -> int:
        return self._one("PRAGMA user_version")[0]

    def check(self) -> None:
        try:
            self._one("SELECT 1")
        except sqlite3.Error as exc:
            raise StorageError(f"store unavailable: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    # -- items and media -------------------------------------------------------------------

    def insert_item(self, item: Item, media: Media | None = None) -> Item:
        try:
            with self._tx() as conn:
                if media is not None:
                    rows.insert(conn, "INSERT OR IGNORE", "media", media)
                rows.insert(conn, "INSERT", "items", item)
        except sqlite3.IntegrityError as exc:
            raise Conflict(f"item already stored ({exc})", content_hash=item.content_hash) from exc
        return item

    def get_item(self, item_id: str) -> Item:
        row = self._one("SELECT * FROM items WHERE id = ?", (item_id,))
        if row is None:
            raise NotFound(f"no item {item_id!r}")
        return rows.from_row(Item, row)

    def find_item_by_hash(self, content_hash: str) -> Item | None:
        row = self._one("SELECT * FROM items WHERE content_hash = ?", (content_hash,))
        return rows.from_row(Item, row) if row else None

    def list_items(self, limit: int = 100, after: str | None = None) -> list[Item]:
        found = self._all_rows(
            "SELECT * FROM items WHERE id > ? ORDER BY id LIMIT ?", (after or "", limit)
        )
        return [rows.from_row(Item, r) for r in found]

    def count_items(self) -> int:
        return self._one("SELECT COUNT(*) FROM items")[0]

    def get_media(self, media_id: str) -> Media:
        row = self._one("SELECT * FROM media WHERE id = ?", (media_id,))
        if row is None:
            raise NotFound(f"no media {media_id!r}")
        return rows.from_row(Media, row)

    def find_media_by_sha256(self, sha256: str) -> Media | None:
        row = self._one("SELECT * FROM media WHERE sha256 = ?", (sha256,))
        return rows.from_row(Media, row) if row else None

    # -- creators and users ----------------------------------------------------------------

    def upsert_creator(self, creator: Creator) -> Creator:
        with self._tx() as conn:
            rows.insert(conn, "INSERT OR IGNORE", "creators", creator)
            row = conn.execute(
                "SELECT * FROM creators WHERE handle = ?", (creator.handle,)
            ).fetchone()
        return rows.from_row(Creator, row)

    def get_creator(self, creator_id: str) -> Creator:
        row = self._one("SELECT * FROM creators WHERE id = ?", (creator_id,))
        if row is None:
            raise NotFound(f"no creator {creator_id!r}")
        return rows.from_row(Creator, row)

    def find_creator_by_handle(self, handle: str) -> Creator | None:
        row = self._one("SELECT * FROM creators WHERE handle = ?", (handle,))
        return rows.from_row(Creator, row) if row else None

    def list_creators(self, limit: int = 100, after: str | None = None) -> list[Creator]:
        found = self._all_rows(
            "SELECT * FROM creators WHERE id > ? ORDER BY id LIMIT ?", (after or "", limit)
        )
        return [rows.from_row(Creator, r) for r in found]

    def upsert_user(self, user: User) -> User:
        with self._tx() as conn:
            rows.insert(conn, "INSERT OR IGNORE", "users", user)
            row = conn.execute("SELECT * FROM users WHERE handle = ?", (user.handle,)).fetchone()
        return rows.from_row(User, row)

    def get_user(self, user_id: str) -> User:
        row = self._one("SELECT * FROM users WHERE id = ?", (user_id,))
        if row is None:
            raise NotFound(f"no user {user_id!r}")
        return rows.from_row(User, row)

    def list_users(self, limit: int = 100, after: str | None = None) -> list[User]:
        found = self._all_rows(
            "SELECT * FROM users WHERE id > ? ORDER BY id LIMIT ?", (after or "", limit)
        )
        return [rows.from_row(User, r) for r in found]

    # -- events ----------------------------------------------------------------------------

    def append_events(self, events: list[Event]) -> int:
        with self._tx() as conn:
            before = conn.total_changes
            for event in events:
                rows.insert(conn, "INSERT OR IGNORE", "events", event)
            return conn.total_changes - before

    def read_events(self, after_seq: int = 0, limit: int = 1000) -> list[tuple[int, Event]]:
        found = self._all_rows(
            "SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (after_seq, limit)
        )
        return [(r["seq"], rows.from_row(Event, r)) for r in found]

    def count_events(self) -> int:
        return self._one("SELECT COUNT(*) FROM events")[0]

    def item_event_counts(self, item_id: str) -> dict[str, int]:
        found = self._all_rows(
            "SELECT type, COUNT(*) FROM events WHERE item_id = ? GROUP BY type", (item_id,)
        )
        return {row[0]: row[1] for row in found}

    # -- features, decisions, audit --------------------------------------------------------

    def put_feature(self, feature: Feature) -> None:
        with self._tx() as conn:
            rows.insert(conn, "INSERT OR REPLACE", "features", feature)

    def get_features(self, item_id: str) -> dict[str, Feature]:
        found = self._all_rows("SELECT * FROM features WHERE item_id = ?", (item_id,))
        return {r["stage"]: rows.from_row(Feature, r) for r in found}

    def add_decision(self, decision: Decision, audit: AuditRecord | None = None) -> None:
        with self._tx() as conn:
            rows.insert(conn, "INSERT", "decisions", decision)
            if audit is not None:
                rows.insert(conn, "INSERT", "audit", audit)

    def list_decisions(self, item_id: str) -> list[Decision]:
        found = self._all_rows("SELECT * FROM decisions WHERE item_id = ? ORDER BY seq", (item_id,))
        return [rows.from_row(Decision, r) for r in found]

    def get_decision(self, decision_id: str) -> Decision:
        row = self._one("SELECT * FROM decisions WHERE id = ?", (decision_id,))
        if row is None:
            raise NotFound(f"no decision {decision_id!r}")
        return rows.from_row(Decision, row)

    def list_creator_decisions(self, creator_id: str) -> list[Decision]:
        found = self._all_rows(
            "SELECT d.* FROM decisions d JOIN items i ON i.id = d.item_id "
            "WHERE i.creator_id = ? ORDER BY d.seq",
            (creator_id,),
        )
        return [rows.from_row(Decision, r) for r in found]

    def append_audit(self, record: AuditRecord) -> None:
        with self._tx() as conn:
            rows.insert(conn, "INSERT", "audit", record)

    def list_audit(self, subject_type: str, subject_id: str) -> list[AuditRecord]:
        found = self._all_rows(
            "SELECT * FROM audit WHERE subject_type = ? AND subject_id = ? ORDER BY seq",
            (subject_type, subject_id),
        )
        return [rows.from_row(AuditRecord, r) for r in found]

    def find_audit(
        self,
        *,
        action_prefix: str | None = None,
        subject_type: str | None = None,
        subject_id: str | None = None,
        actor: str | None = None,
        policy_id: str | None = None,
        since: float | None = None,
        until: float | None = None,
        after_seq: int = 0,
        limit: int = 100,
    ) -> list[tuple[int, AuditRecord]]:
        where, args = ["seq > ?"], [after_seq]
        for column, value in (("subject_type", subject_type), ("subject_id", subject_id),
                              ("actor", actor)):  # fmt: skip
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if action_prefix is not None:
            where.append("substr(action, 1, ?) = ?")
            args += [len(action_prefix), action_prefix]
        if policy_id is not None:
            where.append("(json_extract(details, '$.policy_id') = ? "
                         "OR substr(json_extract(details, '$.policy_id'), 1, ?) = ?)")  # fmt: skip
            args += [policy_id, len(policy_id) + 1, policy_id + "."]
        if since is not None:
            where.append("ts >= ?")
            args.append(since)
        if until is not None:
            where.append("ts < ?")
            args.append(until)
        found = self._all_rows(
            f"SELECT * FROM audit WHERE {' AND '.join(where)} ORDER BY seq LIMIT ?",
            (*args, limit),
        )
        return [(r["seq"], rows.from_row(AuditRecord, r)) for r in found]

    # -- api keys and meta -----------------------------------------------------------------

    def add_api_key(self, key: ApiKey) -> None:
        with self._tx() as conn:
            rows.insert(conn, "INSERT", "api_keys", key)

    def find_api_key(self, key_hash: str) -> ApiKey | None:
        row = self._one(
            "SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL", (key_hash,)
        )
        return rows.from_row(ApiKey, row) if row else None

    def list_api_keys(self) -> list[ApiKey]:
        return [
            rows.from_row(ApiKey, r) for r in self._all_rows("SELECT * FROM api_keys ORDER BY id")
        ]

    def revoke_api_key(self, key_id: str, now: float) -> None:
        with self._tx() as conn:
            cur = conn.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ?", (now, key_id))
            if cur.rowcount == 0:
                raise NotFound(f"no API key {key_id!r}")

    def get_meta(self, key: str) -> Any | None:
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return json.loads(row["value"]) if row else None

    def set_meta(self, key: str, value: Any) -> None:
        with self._tx() as conn:
            conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    # -- hash banks ------------------------------------------------------------------------

    @staticmethod
    def _bump_banks(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE hash_bank_revision SET revision = revision + 1 WHERE id = 1")

    @staticmethod
    def _bank(row: sqlite3.Row) -> HashBank:
        bank = rows.from_row(HashBank, row)
        bank.enabled = bool(bank.enabled)
        return bank

    @staticmethod
    def _entry(row: sqlite3.Row) -> BankEntry:
        return BankEntry(
            id=row["id"],
            bank=row["bank"],
            signal_type=row["signal_type"],
            signal=row["signal"],
            frames=json.loads(row["frames"]),
            note=row["note"],
            source_item_id=row["source_item_id"],
            meta=json.loads(row["meta"]),
            created_at=row["created_at"],
        )

    def add_hash_bank(self, bank: HashBank) -> None:
        try:
            with self._tx() as conn:
                rows.insert(conn, "INSERT", "hash_banks", bank)
                self._bump_banks(conn)
        except sqlite3.IntegrityError as exc:
            raise Conflict(f"hash bank {bank.name!r} already exists", bank=bank.name) from exc

    def get_hash_bank(self, name: str) -> HashBank:
        row = self._one("SELECT * FROM hash_banks WHERE name = ?", (name,))
        if row is None:
            raise NotFound(f"no hash bank {name!r}")
        return self._bank(row)

    def list_hash_banks(self) -> list[HashBank]:
        return [self._bank(r) for r in self._all_rows("SELECT * FROM hash_banks ORDER BY name")]

    def set_hash_bank_enabled(self, name: str, enabled: bool) -> HashBank:
        with self._tx() as conn:
            cur = conn.execute(
                "UPDATE hash_banks SET enabled = ? WHERE name = ?", (int(enabled), name)
            )
            if cur.rowcount == 0:
                raise NotFound(f"no hash bank {name!r}")
            self._bump_banks(conn)
        return self.get_hash_bank(name)

    def delete_hash_bank(self, name: str) -> int:
        with self._tx() as conn:
            count = conn.execute(
                "SELECT COUNT(*) FROM bank_entries WHERE bank = ?", (name,)
            ).fetchone()[0]
            conn.execute("DELETE FROM bank_entries WHERE bank = ?", (name,))
            if conn.execute("DELETE FROM hash_banks WHERE name = ?", (name,)).rowcount == 0:
                raise NotFound(f"no hash bank {name!r}")
            self._bump_banks(conn)
        return count

    def add_bank_entry(self, entry: BankEntry) -> BankEntry:
        values = [getattr(entry, f) for f in ("id", "bank", "signal_type", "signal")]
        values += [json.dumps(entry.frames), entry.note, entry.source_item_id]
        values += [json.dumps(entry.meta, ensure_ascii=False), entry.created_at]
        try:
            with self._tx() as conn:
                known = conn.execute("SELECT 1 FROM hash_banks WHERE name = ?", (entry.bank,))
                if known.fetchone() is None:
                    raise NotFound(f"no hash bank {entry.bank!r}")
                conn.execute(
                    f"INSERT INTO bank_entries {rows.columns(BankEntry)} "
                    f"VALUES {rows.placeholders(BankEntry)}",
                    values,
                )
                self._bump_banks(conn)
        except sqlite3.IntegrityError as exc:
            raise Conflict(
                f"bank {entry.bank!r} already holds this {entry.signal_type} signal",
                bank=entry.bank,
            ) from exc
        return entry

    def get_bank_entry(self, entry_id: str) -> BankEntry:
        row = self._one("SELECT * FROM bank_entries WHERE id = ?", (entry_id,))
        if row is None:
            raise NotFound(f"no bank entry {entry_id!r}")
        return self._entry(row)

    def find_bank_entry(self, bank: str, signal_type: str, signal: str) -> BankEntry | None:
        row = self._one(
            "SELECT * FROM bank_entries WHERE bank = ? AND signal_type = ? AND signal = ?",
            (bank, signal_type, signal),
        )
        return self._entry(row) if row else None

    def list_bank_entries(
        self, bank: str | None = None, after: str | None = None, limit: int = 1000
    ) -> list[BankEntry]:
        if bank is None:
            sql, args = "SELECT * FROM bank_entries WHERE id > ?", (after or "",)
        else:
            sql, args = "SELECT * FROM bank_entries WHERE bank = ? AND id > ?", (bank, after or "")
        found = self._all_rows(sql + " ORDER BY id LIMIT ?", (*args, limit))
        return [self._entry(r) for r in found]

    def count_bank_entries(self, bank: str) -> int:
        return self._one("SELECT COUNT(*) FROM bank_entries WHERE bank = ?", (bank,))[0]

    def delete_bank_entry(self, entry_id: str) -> None:
        with self._tx() as conn:
            if conn.execute("DELETE FROM bank_entries WHERE id = ?", (entry_id,)).rowcount == 0:
                raise NotFound(f"no bank entry {entry_id!r}")
            self._bump_banks(conn)

    def hash_banks_revision(self) -> int:
        return self._one("SELECT revision FROM hash_bank_revision WHERE id = 1")[0]
