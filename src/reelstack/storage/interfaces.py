"""Narrow storage interfaces, one per role, combined into one ``Store``.

Services depend on the narrowest interface they need. Every backend passes the contract suite in
``reelstack.testing.storage_contract``. Writes are atomic: a crash leaves each call either fully
applied or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

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
    ReviewJob,
    User,
)


class ItemStore(Protocol):
    def insert_item(self, item: Item, media: Media | None = None) -> Item:
        """Insert ``item`` (and ``media`` unless its sha256 is known) in one transaction.

        Raises ``Conflict`` when an item with the same content hash or external id exists.
        """
        ...

    def get_item(self, item_id: str) -> Item: ...

    def find_item_by_hash(self, content_hash: str) -> Item | None: ...

    def list_items(self, limit: int = 100, after: str | None = None) -> list[Item]:
        """Items in creation order, ``after`` being the last id of the previous page."""
        ...

    def count_items(self) -> int: ...


class MediaStore(Protocol):
    def get_media(self, media_id: str) -> Media: ...

    def find_media_by_sha256(self, sha256: str) -> Media | None: ...


class CreatorStore(Protocol):
    def upsert_creator(self, creator: Creator) -> Creator:
        """Insert by handle, or return the stored creator with that handle."""
        ...

    def get_creator(self, creator_id: str) -> Creator: ...

    def find_creator_by_handle(self, handle: str) -> Creator | None: ...

    def list_creators(self, limit: int = 100, after: str | None = None) -> list[Creator]: ...


class UserStore(Protocol):
    def upsert_user(self, user: User) -> User: ...

    def get_user(self, user_id: str) -> User: ...

    def list_users(self, limit: int = 100, after: str | None = None) -> list[User]: ...


class EventStore(Protocol):
    def append_events(self, events: list[Event]) -> int:
        """Append in one transaction, skipping known event ids; returns how many were new."""
        ...

    def read_events(self, after_seq: int = 0, limit: int = 1000) -> list[tuple[int, Event]]:
        """Events in arrival order with their sequence numbers (for consumers that resume)."""
        ...

    def count_events(self) -> int: ...

    def item_event_counts(self, item_id: str) -> dict[str, int]:
        """How many events of each type the item has had (its reach, for rules)."""
        ...


class FeatureStore(Protocol):
    def put_feature(self, feature: Feature) -> None:
        """Store or replace the feature of (item, stage)."""
        ...

    def get_features(self, item_id: str) -> dict[str, Feature]: ...


class DecisionStore(Protocol):
    def add_decision(self, decision: Decision, audit: AuditRecord | None = None) -> None:
        """Store the decision and its audit record in one transaction (both or neither)."""
        ...

    def list_decisions(self, item_id: str) -> list[Decision]:
        """Oldest first; the last one is in force."""
        ...

    def get_decision(self, decision_id: str) -> Decision:
        """Raises ``NotFound`` for an unknown id."""
        ...

    def list_creator_decisions(self, creator_id: str) -> list[Decision]:
        """Decisions on all of a creator's items, oldest first (prior strikes, for rules)."""
        ...


class AuditStore(Protocol):
    def append_audit(self, record: AuditRecord) -> None: ...

    def list_audit(self, subject_type: str, subject_id: str) -> list[AuditRecord]: ...

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
        """Records matching every given filter, oldest first, with their sequence numbers
        (pass the last one as ``after_seq`` for the next page). ``policy_id`` matches the
        policy or any sub-policy of it (``spam`` matches ``spam.scam``)."""
        ...


class ReviewJobStore(Protocol):
    def add_review_job(self, job: ReviewJob) -> None: ...

    def open_review_job(self, job: ReviewJob) -> tuple[ReviewJob, bool]:
        """Insert ``job``, or fold it into the undecided job of the same item and queue
        (priority and severity the higher, due date the earlier, ``details`` updated key by
        key), in one transaction; returns the stored job and whether it is new."""
        ...

    def get_review_job(self, job_id: str) -> ReviewJob: ...

    def lease_next_job(
        self,
        queue: str,
        owner: str,
        lease_seconds: float,
        now: float,
        language: str | Sequence[str] | None = None,
    ) -> ReviewJob | None:
        """Lease the highest-priority open (or lease-expired) job to exactly one owner,
        skipping jobs that exclude the owner; ``language`` narrows to jobs in that language
        (or those languages). A job past ``due_at`` is served before every job within its SLA
        of the same or lower severity (``safety/review/priority.py``)."""
        ...

    def decide_review_job(
        self, job_id: str, owner: str, decision: dict[str, Any], now: float
    ) -> ReviewJob:
        """Close the job with ``decision``; ``Conflict`` unless ``owner`` holds an unexpired
        lease on it (a lease that ran out may already belong to someone else)."""
        ...

    def release_review_job(self, job_id: str, owner: str, now: float) -> ReviewJob:
        """Give a leased job back (a skip): open again, ``owner`` added to ``excluded`` and
        ``skips`` counted; ``Conflict`` unless ``owner`` holds an unexpired lease."""
        ...

    def list_review_jobs(
        self,
        *,
        queue: str | None = None,
        state: str | None = None,
        source: str | None = None,
        item_id: str | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[ReviewJob]:
        """Jobs matching every given filter in creation order, paged by ``after`` (an id)."""
        ...

    def review_queue_stats(self, now: float) -> list[dict[str, Any]]:
        """Per undecided (queue, language): ``waiting`` (open or lease expired), ``leased``,
        ``oldest_created_at`` and ``sla_breaches`` (``due_at`` passed), by queue."""
        ...


class KeyStore(Protocol):
    def add_api_key(self, key: ApiKey) -> None: ...

    def find_api_key(self, key_hash: str) -> ApiKey | None:
        """The active (not revoked) key with this hash."""
        ...

    def list_api_keys(self) -> list[ApiKey]: ...

    def revoke_api_key(self, key_id: str, now: float) -> None: ...


class MetaStore(Protocol):
    def get_meta(self, key: str) -> Any | None: ...

    def set_meta(self, key: str, value: Any) -> None: ...


class HashBankStore(Protocol):
    """Hash banks and their entries. Every change bumps ``hash_banks_revision`` in the same
    transaction, so an index built from the entries knows when it is stale."""

    def add_hash_bank(self, bank: HashBank) -> None:
        """Raises ``Conflict`` when a bank with that name exists."""
        ...

    def get_hash_bank(self, name: str) -> HashBank: ...

    def list_hash_banks(self) -> list[HashBank]:
        """Every bank, by name."""
        ...

    def set_hash_bank_enabled(self, name: str, enabled: bool) -> HashBank: ...

    def delete_hash_bank(self, name: str) -> int:
        """Delete the bank and its entries; returns how many entries went with it."""
        ...

    def add_bank_entry(self, entry: BankEntry) -> BankEntry:
        """Raises ``NotFound`` for an unknown bank and ``Conflict`` when the bank already
        holds the same (signal_type, signal)."""
        ...

    def get_bank_entry(self, entry_id: str) -> BankEntry: ...

    def find_bank_entry(self, bank: str, signal_type: str, signal: str) -> BankEntry | None: ...

    def list_bank_entries(
        self, bank: str | None = None, after: str | None = None, limit: int = 1000
    ) -> list[BankEntry]:
        """Entries of one bank (or of all banks) in creation order, paged by ``after``."""
        ...

    def count_bank_entries(self, bank: str) -> int: ...

    def delete_bank_entry(self, entry_id: str) -> None: ...

    def hash_banks_revision(self) -> int:
        """A number that grows with every change to any bank or entry."""
        ...


class Store(
    ItemStore,
    MediaStore,
    CreatorStore,
    UserStore,
    EventStore,
    FeatureStore,
    DecisionStore,
    AuditStore,
    ReviewJobStore,
    KeyStore,
    MetaStore,
    HashBankStore,
    Protocol,
):
    """Everything a ReelStack deployment stores, as one object."""

    url: str

    def check(self) -> None:
        """Raise ``StorageError`` when the backend cannot serve (used by health checks)."""
        ...

    def close(self) -> None: ...
