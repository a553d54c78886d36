"""The understanding service: the default stages, items → posts, runs with progress, files.

Stage modules are imported when the pipeline is first built, so importing this module (and
starting the API) stays cheap.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from tqdm import tqdm

from reelstack.config import IngestSettings, UnderstandSettings
from reelstack.core.records import Item
from reelstack.ingest.probe import probe_media
from reelstack.models.registry import ModelRegistry
from reelstack.storage.blobs import FileBlobStore
from reelstack.storage.interfaces import Store
from reelstack.storage.paging import iter_items
from reelstack.storage.streams import EventStream
from reelstack.understand import UNDERSTOOD_TOPIC
from reelstack.understand.pipeline import Pipeline, RunReport, downstream_of
from reelstack.understand.stage import Post, Stage

STAGE_MODULES = (
    ("keyframes", "reelstack.understand.keyframes:KeyframesStage"),
    ("visual", "reelstack.understand.visual:VisualStage"),
    ("crossmodal", "reelstack.understand.crossmodal:CrossModalStage"),
    ("ocr", "reelstack.understand.ocr:OcrStage"),
    ("asr", "reelstack.understand.asr:AsrStage"),
    ("text", "reelstack.understand.text:TextStage"),
    ("embed", "reelstack.understand.embed:EmbedStage"),
    ("hashes", "reelstack.understand.hashes:HashesStage"),
)
STAGE_NAMES = tuple(name for name, _ in STAGE_MODULES)


def default_stages(
    registry: ModelRegistry, settings: UnderstandSettings, only: Sequence[str] | None = None
) -> list[Stage]:
    """Instances of the built-in stages (``only``: these names and what they require)."""
    import importlib

    stages = []
    for _name, target in STAGE_MODULES:
        module, _, cls = target.partition(":")
        stages.append(getattr(importlib.import_module(module), cls)(registry, settings))
    if only:
        wanted = _with_requirements(stages, set(only))
        stages = [s for s in stages if s.name in wanted]
    return stages


def _with_requirements(stages: list[Stage], names: set[str]) -> set[str]:
    by_name = {s.name: s for s in stages}
    unknown = names - set(by_name)
    if unknown:
        raise ValueError(f"unknown stage(s) {sorted(unknown)}; stages: {', '.join(by_name)}")
    found: set[str] = set()
    pending = list(names)
    while pending:
        name = pending.pop()
        if name in found or name not in by_name:
            continue
        found.add(name)
        pending += [r for r in by_name[name].requires if r not in by_name[name].optional]
    return found


class UnderstandService:
    def __init__(
        self,
        store: Store,
        blobs: FileBlobStore,
        registry: ModelRegistry,
        settings: UnderstandSettings,
        stream: EventStream | None = None,
    ) -> None:
        self.store = store
        self.blobs = blobs
        self.registry = registry
        self.settings = settings
        self.stream = stream  # told about every processed chunk (moderation listens)

    @cached_property
    def pipeline(self) -> Pipeline:
        stages = default_stages(self.registry, self.settings)
        return Pipeline(stages, self.blobs, self.store, batch_size=self.settings.batch_size)

    def post_for(self, item: Item) -> Post:
        media = self.store.get_media(item.media_id) if item.media_id else None
        return Post(
            item_id=item.id,
            kind=item.kind,
            media_path=self.blobs.path(media.sha256) if media else None,
            caption=item.caption,
            hashtags=list(item.hashtags),
            language=item.language,
            duration_s=media.duration_s if media else None,
            has_audio=media.has_audio if media else False,
        )

    def run(
        self, item_ids: Sequence[str], force: set[str] | None = None, progress: bool = False
    ) -> RunReport:
        """Process items in batches with an items/s progress bar; returns what was done."""
        report = RunReport()
        bar = tqdm(total=len(item_ids), unit="item", desc="understand", disable=not progress)
        size = self.settings.batch_size
        for start in range(0, len(item_ids), size):
            chunk = [self.store.get_item(i) for i in item_ids[start : start + size]]
            part, _ = self.pipeline.run_posts([(i.id, self.post_for(i)) for i in chunk], force)
            report.merge(part)
            bar.update(len(chunk))
            if self.stream is not None:
                self.stream.publish(UNDERSTOOD_TOPIC, {"item_ids": [i.id for i in chunk]})
        bar.close()
        return report

    def pending(self) -> list[str]:
        """Items with a stage missing, failed or made by another version (cheap-ish scan)."""
        versions = {}
        for stage in self.pipeline.stages:
            try:
                versions[stage.name] = stage.version
            except Exception:  # unavailable model: nothing to catch up on until it is installed
                continue
        pending = []
        for item in iter_items(self.store):
            stored = self.store.get_features(item.id)
            post = self.post_for(item)
            for stage in self.pipeline.stages:
                if stage.name in versions and stage.applies(post):
                    feature = stored.get(stage.name)
                    if feature is None or feature.model_version != versions[stage.name]:
                        pending.append(item.id)
                        break
        return pending

    def duplicate_groups(self) -> list[list[str]]:
        """Near-duplicate groups (exact or vPDQ video matches) across every hashed item."""
        from reelstack.understand.hashes import near_duplicate_groups

        hashes = {}
        for item in iter_items(self.store):
            feature = self.store.get_features(item.id).get("hashes")
            if feature is not None and "error" not in feature.value:
                hashes[item.id] = feature.value
        return near_duplicate_groups(hashes)

    def understand_file(
        self,
        path: Path,
        caption: str = "",
        language: str | None = None,
        only: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """All features of one media file, without a store (``reelstack understand FILE``)."""
        probe = probe_media(Path(path), IngestSettings())
        post = Post(
            item_id=None,
            kind=probe.kind,
            media_path=Path(path),
            caption=caption,
            language=language,
            duration_s=probe.duration_s,
            has_audio=probe.has_audio,
        )
        stages = default_stages(self.registry, self.settings, only)
        with tempfile.TemporaryDirectory(prefix="reelstack-understand-") as tmp:
            pipeline = Pipeline(stages, FileBlobStore(Path(tmp)), None, batch_size=1)
            report, values = pipeline.run_posts([(str(path), post)])
        versions = {}
        for stage in stages:
            try:
                versions[stage.name] = stage.version
            except Exception as exc:  # reported as the stage's error in the values
                versions[stage.name] = f"unavailable: {exc}"
        return {
            "file": str(path),
            "kind": probe.kind,
            "duration_s": probe.duration_s,
            "features": values[str(path)],
            "versions": versions,
            "seconds": {k: round(v, 3) for k, v in report.seconds.items()},
        }


__all__ = [
    "STAGE_NAMES",
    "UNDERSTOOD_TOPIC",
    "UnderstandService",
    "default_stages",
    "downstream_of",
]
