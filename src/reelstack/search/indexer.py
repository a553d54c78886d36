"""Keeps the search index in step with the store: full rebuilds and near-real-time updates.

Sources of a document: the item (caption, hashtags, language, kind, date), its creator
(handle, display name), its media (duration) and its Understand features — ``text`` (per-field
language, entities), ``ocr`` text, ``asr`` transcript, ``visual`` concepts, the ``embed``
vector (dense) and the ``crossmodal`` vector (kept only when it lives in the query space the
searcher embeds queries into).

Near real time: `subscribe` hooks the stream topics ``items.understood`` (index the chunk
just processed — after moderation, which subscribes first) and ``items.moderated`` (a removed
or disabled item leaves the index at once; any other decision puts it back). Visibility is
still checked at query time for every result, so a decision stored without a message is
honoured too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from reelstack.core.errors import NotFound
from reelstack.safety.decisions import MODERATED_TOPIC
from reelstack.search.analysis.document import SearchDoc
from reelstack.storage.interfaces import Store
from reelstack.storage.paging import iter_items
from reelstack.storage.streams import EventStream
from reelstack.understand import UNDERSTOOD_TOPIC, vectors

if TYPE_CHECKING:
    from reelstack.search.service import SearchService

log = logging.getLogger(__name__)

HIDDEN_ACTIONS = frozenset({"remove", "disable"})
CROSSMODAL_SPACE = "text-multilingual-e5/query"


def _value(features: dict[str, Any], stage: str) -> dict[str, Any]:
    feature = features.get(stage)
    if feature is None or "error" in feature.value:
        return {}
    return feature.value


def _vector(value: dict[str, Any]) -> Any:
    raw = value.get("vector")
    return vectors.decode(raw) if vectors.is_vector(raw) else None


def doc_from_store(
    store: Store, item_id: str, crossmodal_space: str = CROSSMODAL_SPACE
) -> SearchDoc:
    """The `SearchDoc` of a stored item (raises NotFound for an unknown id)."""
    item = store.get_item(item_id)
    features = store.get_features(item_id)
    text = _value(features, "text")
    ocr, asr = _value(features, "ocr"), _value(features, "asr")
    texts = {"caption": item.caption or "", "ocr": ocr.get("text") or "",
             "transcript": asr.get("text") or ""}  # fmt: skip
    texts = {name: value.strip() for name, value in texts.items() if value and value.strip()}
    analysed = text.get("fields") or {}
    languages = {name: analysed.get(name, {}).get("language") for name in texts}
    if "transcript" in texts and not languages.get("transcript"):
        languages["transcript"] = asr.get("language")
    hashtags = list(dict.fromkeys([t.lstrip("#") for t in item.hashtags]
                                  + list(text.get("hashtags") or [])))  # fmt: skip
    try:
        creator = store.get_creator(item.creator_id)
        handle, name = creator.handle, creator.display_name
    except NotFound:
        handle, name = None, ""
    duration = None
    if item.media_id:
        try:
            duration = store.get_media(item.media_id).duration_s
        except NotFound:
            duration = None
    concepts = [c["name"] for c in _value(features, "visual").get("concepts") or []
                if float(c.get("score", 0)) >= 0.1]  # fmt: skip
    crossmodal = _value(features, "crossmodal")
    language = text.get("language")
    if not language or language == "und":
        language = item.language or language
    return SearchDoc(
        item_id=item.id,
        texts=texts,
        languages=languages,
        language=language,
        hashtags=hashtags,
        creator_id=item.creator_id,
        creator_handle=handle,
        creator_name=name,
        concepts=concepts,
        entities=[{"text": e["text"], "label": e["label"]} for e in text.get("entities") or []],
        kind=item.kind,
        duration_s=duration,
        created_at=item.created_at or item.ingested_at,
        dense=_vector(_value(features, "embed")),
        crossmodal=_vector(crossmodal) if crossmodal.get("space") == crossmodal_space else None,
    )


class Indexer:
    """Writes documents built from the store into a `SearchService`'s indexes."""

    def __init__(self, store: Store, service: SearchService, batch_size: int = 64) -> None:
        self.store = store
        self.service = service
        self.batch_size = batch_size

    def index_items(self, item_ids: Sequence[str]) -> int:
        """(Re)index stored items; unknown ids are skipped. Returns how many were indexed."""
        docs = []
        for item_id in dict.fromkeys(item_ids):
            try:
                docs.append(doc_from_store(self.store, item_id, self.service.crossmodal_space))
            except NotFound:
                continue
        for start in range(0, len(docs), self.batch_size):
            self.service.add_documents(docs[start : start + self.batch_size])
        return len(docs)

    def remove_items(self, item_ids: Iterable[str]) -> int:
        return self.service.remove_documents(list(item_ids))

    def reindex(self, progress: bool = False) -> int:
        """Rebuild everything from the store (a new generation); returns the document count."""
        self.service.clear()
        total = self.store.count_items()
        bar = tqdm(total=total, unit="item", desc="search reindex", disable=not progress)
        batch: list[str] = []
        count = 0
        for item in iter_items(self.store):
            batch.append(item.id)
            if len(batch) >= self.batch_size:
                count += self.index_items(batch)
                bar.update(len(batch))
                batch = []
        if batch:
            count += self.index_items(batch)
            bar.update(len(batch))
        bar.close()
        self.service.vectors.snapshot()
        return count

    def catch_up(self) -> int:
        """Index understood items the index does not hold yet (written by other processes
        while nobody listened); cheap when nothing is missing."""
        known = self.service.table.all_ids()
        missing = [i.id for i in iter_items(self.store) if i.id not in known]
        missing = [i for i in missing if "text" in self.store.get_features(i)]
        return self.index_items(missing) if missing else 0

    # -- stream handlers ---------------------------------------------------------------------

    def on_understood(self, message: dict[str, Any]) -> None:
        ids = [str(i) for i in message.get("item_ids") or []]
        if ids:
            self.index_items(ids)

    def on_moderated(self, message: dict[str, Any]) -> None:
        item_id = message.get("item_id")
        if not item_id:
            return
        if message.get("action") in HIDDEN_ACTIONS:
            self.remove_items([str(item_id)])
        elif "text" in self.store.get_features(str(item_id)):
            self.index_items([str(item_id)])


def subscribe(
    stream: EventStream, service: Callable[[], SearchService]
) -> list[Callable[[], None]]:
    """Keep the index of ``service()`` (built on the first message) in step with ``stream``.

    A failure (e.g. the search extra not installed) is logged once per message and never
    reaches the publisher; the returned functions unsubscribe.
    """

    def understood(message: dict[str, Any]) -> None:
        _guarded(lambda: service().indexer.on_understood(message))

    def moderated(message: dict[str, Any]) -> None:
        _guarded(lambda: service().indexer.on_moderated(message))

    return [stream.subscribe(UNDERSTOOD_TOPIC, understood),
            stream.subscribe(MODERATED_TOPIC, moderated)]  # fmt: skip


def _guarded(call: Callable[[], None]) -> None:
    try:
        call()
    except Exception as exc:  # search must never break understanding or moderation
        log.warning("search index update failed: %s: %s", type(exc).__name__, exc)
