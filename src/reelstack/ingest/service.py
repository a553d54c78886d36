"""Ingest posts: probe media, store blob and records once, publish ``items.ingested``.

Order of writes makes a crash harmless: the blob is fsynced and renamed into place first, then
media + item are inserted in one transaction. A crash in between leaves an unreferenced blob,
which a later ingest of the same bytes simply reuses.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from reelstack.config import IngestSettings
from reelstack.core import clock
from reelstack.core.errors import Conflict, ReelStackError
from reelstack.core.ids import new_id
from reelstack.core.records import Ad, Creator, Item, Media
from reelstack.ingest.manifest import PostSpec
from reelstack.ingest.probe import ProbeResult, probe_media
from reelstack.storage.blobs import FileBlobStore
from reelstack.storage.interfaces import Store
from reelstack.storage.streams import EventStream

Status = Literal["ingested", "skipped", "error"]
INGESTED_TOPIC = "items.ingested"


@dataclass(slots=True)
class IngestResult:
    """What happened to one input; ``reason`` says why it was skipped or failed."""

    source: str
    status: Status
    item_id: str | None = None
    reason: str | None = None

    def describe(self) -> str:
        if self.status == "ingested":
            return f"ingested {self.item_id}"
        return f"{self.status}: {self.reason}"


class IngestService:
    def __init__(
        self,
        store: Store,
        blobs: FileBlobStore,
        stream: EventStream,
        limits: IngestSettings,
        now: Callable[[], float] = clock.now,
    ) -> None:
        self.store = store
        self.blobs = blobs
        self.stream = stream
        self.limits = limits
        self.now = now

    def ingest(self, spec: PostSpec, media: BinaryIO | None, source: str) -> IngestResult:
        """Ingest one post; every expected failure becomes an ``error`` result, never a raise."""
        try:
            if media is None:
                return self._ingest_text(spec, source)
            return self._ingest_media(spec, media, source)
        except ReelStackError as exc:
            return IngestResult(source, "error", reason=exc.message)

    def ingest_file(self, spec: PostSpec, path: Path, source: str | None = None) -> IngestResult:
        source = source or str(path)
        try:
            with Path(path).open("rb") as handle:
                return self.ingest(spec, handle, source)
        except OSError as exc:
            return IngestResult(source, "error", reason=f"cannot read media file: {exc.strerror}")

    def ingest_many(
        self, work: Iterable[tuple[str, PostSpec | ReelStackError, Path | None]]
    ) -> Iterator[IngestResult]:
        """Results in input order for (source, post or parse error, media path) triples."""
        for source, spec, media_path in work:
            if isinstance(spec, ReelStackError):
                yield IngestResult(source, "error", reason=spec.message)
            elif media_path is None:
                yield self.ingest(spec, None, source)
            else:
                yield self.ingest_file(spec, media_path, source)

    # -- internals -------------------------------------------------------------------------

    def _ingest_text(self, spec: PostSpec, source: str) -> IngestResult:
        if not spec.caption:
            return IngestResult(source, "error", reason="a post needs media or a caption")
        payload = f"text\0{spec.creator}\0{spec.caption}".encode()
        content_hash = hashlib.sha256(payload).hexdigest()
        return self._store_item(spec, content_hash, None, source)

    def _ingest_media(self, spec: PostSpec, media: BinaryIO, source: str) -> IngestResult:
        sha, size = self.blobs.put_stream(media, max_bytes=self.limits.max_file_mb * 1024 * 1024)
        if size == 0:
            self._discard_blob(sha)
            return IngestResult(source, "error", reason="file is empty")
        existing = self.store.find_item_by_hash(sha)
        if existing is not None:
            return IngestResult(source, "skipped", existing.id, "duplicate")
        try:
            probe = probe_media(self.blobs.path(sha), self.limits)
        except ReelStackError:
            self._discard_blob(sha)
            raise
        media_record = self.store.find_media_by_sha256(sha) or self._media(sha, size, probe)
        return self._store_item(spec, sha, media_record, source)

    def _media(self, sha: str, size: int, probe: ProbeResult) -> Media:
        return Media(
            id=new_id("med"),
            sha256=sha,
            kind=probe.kind,
            format=probe.format,
            size_bytes=size,
            width=probe.width,
            height=probe.height,
            duration_s=probe.duration_s,
            fps=probe.fps,
            has_audio=probe.has_audio,
            probe=probe.details,
            created_at=self.now(),
        )

    def _store_item(
        self, spec: PostSpec, content_hash: str, media: Media | None, source: str
    ) -> IngestResult:
        creator = self.store.upsert_creator(
            Creator(
                id=new_id("cre"),
                handle=spec.creator,
                display_name=spec.creator_name or spec.creator,
                created_at=self.now(),
            )
        )
        now = self.now()
        item = Item(
            id=new_id("itm"),
            kind=media.kind if media else "text",
            content_hash=content_hash,
            creator_id=creator.id,
            caption=spec.caption,
            hashtags=spec.all_hashtags(),
            language=spec.language,
            media_id=media.id if media else None,
            external_id=spec.external_id,
            ad=Ad(**spec.ad.model_dump()) if spec.ad else None,
            created_at=spec.created_at if spec.created_at is not None else now,
            ingested_at=now,
            meta=spec.meta,
        )
        try:
            self.store.insert_item(item, media)
        except Conflict:
            return self._duplicate(spec, content_hash, source)
        self.stream.publish(INGESTED_TOPIC, {"item_id": item.id, "kind": item.kind})
        return IngestResult(source, "ingested", item.id)

    def _duplicate(self, spec: PostSpec, content_hash: str, source: str) -> IngestResult:
        same = self.store.find_item_by_hash(content_hash)
        if same is not None:
            return IngestResult(source, "skipped", same.id, "duplicate")
        return IngestResult(
            source, "skipped", reason=f"duplicate: external_id {spec.external_id!r} already stored"
        )

    def _discard_blob(self, sha: str) -> None:
        if self.store.find_media_by_sha256(sha) is None:
            self.blobs.path(sha).unlink(missing_ok=True)
