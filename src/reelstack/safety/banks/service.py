"""``HashBankService``: banks and their entries, with an audit record for every change.

Admins create banks (each scores against one policy, ``ip`` by default), add hashes in bulk
with a result per signal, bank a media file or a stored item as one entry (a video keeps all
of its keyframes, so it is matched as a video), disable or delete banks. Lookups go through a
``BankIndex`` built on first use and rebuilt when the store's bank revision has moved — after
a change made here, by another process, or through another ``Platform``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reelstack.config import IngestSettings, UnderstandSettings
from reelstack.core import clock
from reelstack.core.errors import Conflict, InvalidInput, ReelStackError
from reelstack.core.ids import new_id
from reelstack.core.records import AuditRecord, BankEntry, HashBank
from reelstack.safety.banks.index import Backend, BankIndex, Match, VideoHit
from reelstack.safety.banks.matching import STRICT_DISTANCE
from reelstack.safety.banks.media import VARIANTS, MediaHasher
from reelstack.safety.banks.signals import ADDABLE_TYPES, check_bank_name, normalize_signal
from reelstack.storage.blobs import FileBlobStore
from reelstack.storage.interfaces import Store

if TYPE_CHECKING:
    from reelstack.models.registry import ModelRegistry
    from reelstack.safety.policies import PolicyStore

SUBJECT = "hash_bank"  # audit subject type; the subject id is the bank name
MAX_SIGNALS = 10_000  # per add_signals call
_PAGE = 1000


@dataclass(frozen=True, slots=True)
class Added:
    """What became of one signal, file or item given to a bank."""

    entry: BankEntry | None
    duplicate: bool = False
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.entry is None:
            return {"status": "error", "error": self.error}
        return {"status": "duplicate" if self.duplicate else "added", **entry_summary(self.entry)}


def entry_summary(entry: BankEntry) -> dict[str, Any]:
    """An entry without its hashes (a video's frames and variants run to thousands)."""
    return {
        "entry_id": entry.id,
        "bank": entry.bank,
        "signal_type": entry.signal_type,
        "signal": entry.signal,
        "frames": len(entry.frames),
        "note": entry.note,
        "source_item_id": entry.source_item_id,
        "created_at": entry.created_at,
    }


class HashBankService:
    def __init__(
        self,
        store: Store,
        blobs: FileBlobStore,
        registry: ModelRegistry,
        understand: UnderstandSettings,
        ingest: IngestSettings,
        *,
        policies: PolicyStore | None = None,
        backend: Backend = "auto",
    ) -> None:
        self.store = store
        self.blobs = blobs
        self.registry = registry
        self.understand_settings = understand
        self.ingest_settings = ingest
        self.policies = policies
        self.backend = backend
        self._lock = threading.Lock()
        self._index: BankIndex | None = None
        self._revision: int | None = None
        self._hasher: MediaHasher | None = None

    # -- banks -------------------------------------------------------------------------------

    def create_bank(
        self, name: str, *, actor: str, description: str = "", policy_id: str = "ip"
    ) -> HashBank:
        check_bank_name(name)
        if self.policies is not None:
            known = {p.id for p, _ in self.policies.current("content").walk()}
            if policy_id not in known:
                raise InvalidInput(
                    f"unknown policy {policy_id!r}: a bank scores against a content policy id "
                    f"({', '.join(sorted(known))})"
                )
        bank = HashBank(name=name, description=description, policy_id=policy_id,
                        enabled=True, created_at=clock.now())  # fmt: skip
        self.store.add_hash_bank(bank)
        self._audit(actor, "bank.create", bank, description=description)
        return bank

    def get_bank(self, name: str) -> HashBank:
        return self.store.get_hash_bank(name)

    def list_banks(self) -> list[HashBank]:
        return self.store.list_hash_banks()

    def count_entries(self, name: str) -> int:
        return self.store.count_bank_entries(name)

    def set_enabled(self, name: str, enabled: bool, *, actor: str) -> HashBank:
        bank = self.store.set_hash_bank_enabled(name, enabled)
        self._audit(actor, "bank.enable" if enabled else "bank.disable", bank)
        return bank

    def delete_bank(self, name: str, *, actor: str) -> int:
        """Delete the bank and its entries; returns how many entries were removed."""
        bank = self.store.get_hash_bank(name)
        removed = self.store.delete_hash_bank(name)
        self._audit(actor, "bank.delete", bank, entries=removed)
        return removed

    def entries(self, name: str, after: str | None = None, limit: int = 100) -> list[BankEntry]:
        self.store.get_hash_bank(name)
        return self.store.list_bank_entries(name, after=after, limit=limit)

    # -- adding ------------------------------------------------------------------------------

    def add_signals(
        self, name: str, signals: list[Mapping[str, Any]], *, actor: str
    ) -> list[Added]:
        """Bank hex hashes (``{"signal_type": "pdq"|"md5", "signal", "note"}`` each); every
        signal gets its own result, a bad one never stops the others."""
        bank = self.store.get_hash_bank(name)
        if len(signals) > MAX_SIGNALS:
            raise InvalidInput(f"at most {MAX_SIGNALS:,} signals per call, got {len(signals):,}")
        results = []
        for raw in signals:
            try:
                if not isinstance(raw, Mapping):
                    raise InvalidInput("each signal must be an object")
                kind = str(raw.get("signal_type", ""))
                value = normalize_signal(kind, raw.get("signal"), ADDABLE_TYPES)
                entry = BankEntry(
                    id=new_id("bke"),
                    bank=name,
                    signal_type=kind,  # type: ignore[arg-type]
                    signal=value,
                    note=_note(raw.get("note")),
                    created_at=clock.now(),
                )
                results.append(self._add(entry))
            except ReelStackError as exc:
                results.append(Added(None, error=exc.message))
        added = [r.entry.id for r in results if r.entry is not None and not r.duplicate]
        self._audit(actor, "bank.add_signals", bank, entry_ids=added, given=len(signals),
                    errors=sum(r.error is not None for r in results))  # fmt: skip
        return results

    def add_media(
        self, name: str, path: Path, *, actor: str, note: str = "", filename: str | None = None
    ) -> Added:
        """Bank a video (one ``video_pdq`` entry with every keyframe) or an image (one
        ``pdq`` entry), each keyframe with its zoom variants."""
        bank = self.store.get_hash_bank(name)
        hashed = self.hasher.hash_file(Path(path))
        meta = {"kind": hashed.kind, "keyframes": len(hashed.frames), "variants": VARIANTS,
                "file": filename or Path(path).name, "duration_s": hashed.duration_s}  # fmt: skip
        entry = self._entry(name, hashed.kind, hashed.md5, hashed.frames, _note(note), meta)
        result = self._add(entry)
        self._audit(actor, "bank.add_media", bank, **_details(result), file=meta["file"])
        return result

    def add_item(self, name: str, item_id: str, *, actor: str, note: str = "") -> Added:
        """Bank a stored item from its ``hashes`` feature (and its keyframe images, for the
        zoom variants, while they are in the blob store)."""
        bank = self.store.get_hash_bank(name)
        item = self.store.get_item(item_id)
        features = self.store.get_features(item_id)
        hashes = features.get("hashes")
        if hashes is None or "error" in hashes.value:
            why = hashes.value["error"] if hashes is not None else "not computed yet"
            raise InvalidInput(f"item {item_id} has no usable hashes ({why}); understand it first")
        keyframes = features.get("keyframes")
        frames = self.hasher.hash_item(
            hashes.value, keyframes.value if keyframes else None, self.blobs
        )
        variants = sum(bool(f["variants"]) for f in frames)
        meta = {"kind": item.kind, "keyframes": len(frames), "variants": VARIANTS,
                "frames_with_variants": variants}  # fmt: skip
        entry = self._entry(name, item.kind, hashes.value["md5"], frames, _note(note), meta)
        entry.source_item_id = item_id
        result = self._add(entry)
        self._audit(actor, "bank.add_item", bank, **_details(result), item_id=item_id)
        return result

    @property
    def hasher(self) -> MediaHasher:
        if self._hasher is None:
            self._hasher = MediaHasher(self.registry, self.understand_settings,
                                       self.ingest_settings)  # fmt: skip
        return self._hasher

    def _entry(
        self, bank: str, kind: str, md5: str, frames: list[dict[str, Any]], note: str, meta: dict
    ) -> BankEntry:
        if kind == "image":  # one frame: a pdq entry, found by hash lookups too
            signal_type, signal, meta = "pdq", frames[0]["hash"], {**meta, "md5": md5}
        else:
            signal_type, signal = "video_pdq", md5
        return BankEntry(id=new_id("bke"), bank=bank, signal_type=signal_type, signal=signal,
                         frames=frames, note=note, meta=meta, created_at=clock.now())  # fmt: skip

    def _add(self, entry: BankEntry) -> Added:
        """Store ``entry``; a signal the bank already holds returns the stored entry."""
        try:
            return Added(self.store.add_bank_entry(entry))
        except Conflict:
            found = self.store.find_bank_entry(entry.bank, entry.signal_type, entry.signal)
            if found is None:  # deleted in between: report the conflict as it was
                raise
            return Added(found, duplicate=True)

    # -- matching ----------------------------------------------------------------------------

    def index(self) -> BankIndex:
        """The index of every enabled bank, rebuilt when any bank or entry changed."""
        revision = self.store.hash_banks_revision()
        with self._lock:
            if self._index is None or revision != self._revision:
                entries: list[BankEntry] = []
                while page := self.store.list_bank_entries(
                    after=entries[-1].id if entries else None, limit=_PAGE
                ):
                    entries += page
                self._index = BankIndex(self.store.list_hash_banks(), entries, self.backend)
                self._revision = revision
            return self._index

    def match(self, signal_type: str, signal: str, threshold: int = STRICT_DISTANCE) -> list[Match]:
        return self.index().match(signal_type, signal, threshold)

    def match_video(self, hashes: Mapping[str, Any]) -> list[VideoHit]:
        return self.index().match_video(hashes)

    # -- audit -------------------------------------------------------------------------------

    def _audit(self, actor: str, action: str, bank: HashBank, **details: Any) -> None:
        self.store.append_audit(
            AuditRecord(
                id=new_id("aud"),
                actor=actor,
                action=action,
                subject_type=SUBJECT,
                subject_id=bank.name,
                details={"policy_id": bank.policy_id, **details},
                ts=clock.now(),
            )
        )


def _note(raw: Any) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise InvalidInput("'note' must be a string")
    if len(raw) > 2000:
        raise InvalidInput("'note' is longer than 2,000 characters")
    return raw


def _details(result: Added) -> dict[str, Any]:
    assert result.entry is not None
    return {"entry_id": result.entry.id, "signal_type": result.entry.signal_type,
            "duplicate": result.duplicate}  # fmt: skip


__all__ = ["Added", "HashBankService", "entry_summary"]
