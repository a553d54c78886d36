"""``Platform``: every service of one ReelStack deployment, built from ``Settings``.

The API, the CLI and the Python API all go through one ``Platform``, so each path sees the same
store, blobs, stream and models. Built by a factory, never at import time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reelstack.config import Settings
from reelstack.ingest.service import IngestService
from reelstack.storage.blobs import FileBlobStore
from reelstack.storage.interfaces import Store
from reelstack.storage.registry import open_store
from reelstack.storage.streams import EventStream, open_stream

if TYPE_CHECKING:
    from reelstack.models.registry import ModelRegistry
    from reelstack.recommend.service import RecommendService
    from reelstack.runtime.scheduler import PeriodicJob
    from reelstack.safety.banks import HashBankService
    from reelstack.safety.detectors.base import Detector
    from reelstack.safety.few_shot import PolicyHeads
    from reelstack.safety.keywords import KeywordStore
    from reelstack.safety.moderation import ModerationService
    from reelstack.safety.policies import PolicyStore
    from reelstack.safety.rules import RuleStore
    from reelstack.search.service import SearchService
    from reelstack.understand.service import UnderstandService
    from reelstack.understand.worker import UnderstandWorker

DEMO_MARKER = "demo"  # meta key set on data dirs built by `reelstack demo`


@dataclass
class Platform:
    settings: Settings
    store: Store
    blobs: FileBlobStore
    stream: EventStream
    ingest: IngestService
    started_at: float = field(default_factory=time.time)
    _models: Any = None
    _understand: Any = None
    worker: UnderstandWorker | None = None
    jobs: list[PeriodicJob] = field(default_factory=list)
    _closed: bool = field(default=False, repr=False)

    @classmethod
    def open(cls, settings: Settings | None = None) -> Platform:
        settings = settings or Settings()
        Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
        store = open_store(settings.resolved_store_url)
        blobs = FileBlobStore(settings.blobs_dir)
        blobs.remove_orphan_temp_files()
        stream = open_stream(settings.stream_url)
        ingest = IngestService(store, blobs, stream, settings.ingest)
        platform = cls(settings=settings, store=store, blobs=blobs, stream=stream, ingest=ingest)
        from reelstack.recommend.native import preload as preload_lightgbm

        preload_lightgbm()  # before anything loads usearch (their native libraries clash)
        if settings.safety.auto_moderate:
            from reelstack.understand import UNDERSTOOD_TOPIC

            stream.subscribe(UNDERSTOOD_TOPIC, platform._moderate_understood)
        from reelstack.search.indexer import subscribe as index_for_search  # after moderation

        index_for_search(stream, lambda: platform.search)
        return platform

    @property
    def models(self) -> ModelRegistry:
        """The model registry, created on first use (loading stays lazy per model)."""
        if self._models is None:
            from reelstack.models.registry import ModelRegistry

            self._models = ModelRegistry(
                cache_dir=Path(self.settings.data_dir) / "models",
                num_threads=self.settings.understand.threads,
            )
        return self._models

    @property
    def understand(self) -> UnderstandService:
        """The understanding service (stages and their models load on first use)."""
        if self._understand is None:
            from reelstack.understand.service import UnderstandService

            self._understand = UnderstandService(
                self.store, self.blobs, self.models, self.settings.understand, self.stream
            )
        return self._understand

    def start_worker(self, poll_s: float = 30.0) -> UnderstandWorker:
        """Process new and pending items in the background (serve and demo do this)."""
        from reelstack.understand.worker import UnderstandWorker

        if self.worker is None:
            self.worker = UnderstandWorker(self.understand, self.stream, poll_s)
            self.worker.start()
        return self.worker

    @cached_property
    def policies(self) -> PolicyStore:
        """Versioned policy sets under ``<data>/policies``."""
        from reelstack.safety.policies import PolicyStore

        return PolicyStore(Path(self.settings.data_dir) / "policies")

    @cached_property
    def banks(self) -> HashBankService:
        """Hash banks in the store, with their lookup index (built on first match)."""
        from reelstack.safety.banks import HashBankService

        return HashBankService(self.store, self.blobs, self.models, self.settings.understand,
                               self.settings.ingest, policies=self.policies)  # fmt: skip

    @cached_property
    def keywords(self) -> KeywordStore:
        """Versioned keyword banks under ``<data>/safety/keywords`` (compiled once per version)."""
        from reelstack.safety.keywords import KeywordStore

        return KeywordStore(Path(self.settings.data_dir) / "safety" / "keywords")

    @cached_property
    def rules(self) -> RuleStore:
        """Versioned moderation rules under ``<data>/safety/rules``."""
        from reelstack.safety.rules import RuleStore

        return RuleStore(Path(self.settings.data_dir) / "safety" / "rules")

    @cached_property
    def heads(self) -> PolicyHeads:
        """Few-shot policy heads and their labelled examples under ``<data>/safety``."""
        from reelstack.safety.few_shot import PolicyHeads

        min_examples = self.settings.safety.few_shot_min_examples
        return PolicyHeads(Path(self.settings.data_dir) / "safety", self.models, min_examples)

    @cached_property
    def moderation(self) -> ModerationService:
        """Automated moderation over every detector; decisions go to the store."""
        from reelstack.safety.moderation import ModerationService

        return ModerationService(self.store, self.policies, self._detectors,
                                 rules=self.rules, stream=self.stream,
                                 understand=self.understand)  # fmt: skip

    @cached_property
    def search(self) -> SearchService:
        """Search over ``<data>/search`` (tantivy + vector indexes), caught up on first use."""
        from reelstack.runtime.search_signals import FeedSignals
        from reelstack.search.service import open_search

        signals = FeedSignals(lambda: self.__dict__.get("recommend"))  # once the feed runs
        return open_search(
            self.store,
            self.models,
            self.settings.data_dir,
            understand=self.settings.understand,
            settings=self.settings.search,
            signals=signals,
        )

    @cached_property
    def recommend(self) -> RecommendService:
        """Feeds and related posts: state rebuilt from the event log on first use, then kept
        current from the stream (``events.appended``, ``items.*``)."""
        from reelstack.recommend.service import RecommendService

        return RecommendService(self.store, self.stream, self.settings.data_dir)

    def _detectors(self) -> list[Detector]:
        """Every detector, in the order their scores are listed."""
        from reelstack.safety.banks import HashBankDetector
        from reelstack.safety.detectors.abuse import AbuseDetector
        from reelstack.safety.detectors.concepts import (
            CrossModalPromptDetector,
            VisualConceptDetector,
        )
        from reelstack.safety.detectors.few_shot import FewShotDetector
        from reelstack.safety.detectors.spam import SpamDetector
        from reelstack.safety.detectors.zero_shot import ZeroShotTextDetector
        from reelstack.safety.keywords.store import CurrentKeywords

        cap = self.settings.safety.zero_shot_cap
        return [
            SpamDetector(),
            AbuseDetector(),
            CurrentKeywords(self.keywords),
            HashBankDetector(self.banks),
            ZeroShotTextDetector(self.models, lambda: self.policies.current("content"), cap),
            FewShotDetector(self.heads),
            VisualConceptDetector(self.models),
            CrossModalPromptDetector(self.models),
        ]

    def _moderate_understood(self, message: dict[str, Any]) -> None:
        self.moderation.on_understood(message)

    @property
    def is_demo(self) -> bool:
        return bool(self.store.get_meta(DEMO_MARKER))

    def retrain_policy_heads(self) -> list[dict[str, Any]]:
        """Retrain every policy head that has reviewer labels (rolled back if worse)."""
        from reelstack.safety.learning import Retrainer

        return Retrainer(self.heads, self.store).retrain(self.policies.current("content"))

    def start_schedule(self) -> list[PeriodicJob]:
        """Background jobs of ``serve``: retrain policy heads every ``retrain_every_hours``."""
        from reelstack.runtime.scheduler import PeriodicJob

        hours = self.settings.safety.retrain_every_hours
        if hours > 0 and not self.jobs:
            self.jobs.append(
                PeriodicJob("retrain", hours * 3600, self.retrain_policy_heads).start()
            )
        return self.jobs

    def close(self) -> None:
        """Stop background work and close the store; safe to call twice (serve and lifespan)."""
        if self._closed:
            return
        self._closed = True
        for job in self.jobs:
            job.stop()
        self.jobs.clear()
        if self.worker is not None:
            self.worker.stop()
            self.worker = None
        if "recommend" in self.__dict__:
            self.recommend.close()  # saves its snapshot for a fast next start
        self.stream.close()
        self.store.close()

    def __enter__(self) -> Platform:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
