"""Run understanding stages over items: batched, resumable, idempotent, error-isolating.

For each chunk of ``batch_size`` items, stages run in dependency order; a stage runs for an
item only when its stored feature is missing, failed, made by another version, or an upstream
stage was recomputed in this run. Each (item, stage) result — value or error — is stored at
once, so a crash loses at most the stage in flight, and a re-run picks up from there.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from reelstack.core import clock
from reelstack.core.errors import ReelStackError
from reelstack.core.records import Feature
from reelstack.storage.blobs import FileBlobStore
from reelstack.storage.interfaces import Store
from reelstack.understand.stage import Post, Stage, StageInput

log = logging.getLogger(__name__)
UNAVAILABLE = "unavailable"


@dataclass
class RunReport:
    """What a run did: per-stage counts and seconds, and every (item, stage) error."""

    items: int = 0
    computed: Counter[str] = field(default_factory=Counter)
    reused: Counter[str] = field(default_factory=Counter)
    seconds: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[str, str, str]] = field(default_factory=list)

    def merge(self, other: RunReport) -> None:
        self.items += other.items
        self.computed.update(other.computed)
        self.reused.update(other.reused)
        self.seconds.update(other.seconds)
        self.errors += other.errors


@dataclass
class _Work:
    """One item's state during a run."""

    key: str
    inp: StageInput
    stored: dict[str, Feature]
    recomputed: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)


def order_stages(stages: Iterable[Stage]) -> list[Stage]:
    """Dependency order; unknown requirements are allowed (optional upstreams)."""
    pending = {s.name: s for s in stages}
    ordered: list[Stage] = []
    while pending:
        ready = [s for s in pending.values() if not set(s.requires) & set(pending)]
        if not ready:
            raise ValueError(f"stages depend on each other in a cycle: {sorted(pending)}")
        for stage in ready:
            ordered.append(pending.pop(stage.name))
    return ordered


def downstream_of(stages: Sequence[Stage], names: set[str]) -> set[str]:
    """``names`` plus every stage that (transitively) requires one of them."""
    found = set(names)
    for stage in order_stages(stages):
        if set(stage.requires) & found:
            found.add(stage.name)
    return found


class Pipeline:
    def __init__(
        self,
        stages: Iterable[Stage],
        blobs: FileBlobStore,
        store: Store | None = None,
        batch_size: int = 8,
        now: Callable[[], float] = clock.now,
    ) -> None:
        self.stages = order_stages(stages)
        self.blobs = blobs
        self.store = store
        self.batch_size = batch_size
        self.now = now

    # -- public entry points ---------------------------------------------------------------

    def run_posts(
        self, posts: Sequence[tuple[str, Post]], force: set[str] | None = None
    ) -> tuple[RunReport, dict[str, dict[str, Any]]]:
        """Run every stage for (key, post) pairs; returns the report and each key's values.

        ``force`` names stages to recompute (with everything downstream) even when stored.
        """
        forced = downstream_of(self.stages, force) if force else set()
        report = RunReport()
        values: dict[str, dict[str, Any]] = {}
        for start in range(0, len(posts), self.batch_size):
            chunk = [self._work(key, post) for key, post in posts[start : start + self.batch_size]]
            self._run_chunk(chunk, forced, report)
            report.items += len(chunk)
            for work in chunk:
                values[work.key] = dict(work.inp.upstream) | self._errors(work)
        return report, values

    # -- internals -------------------------------------------------------------------------

    def _work(self, key: str, post: Post) -> _Work:
        stored = self.store.get_features(post.item_id) if self.store and post.item_id else {}
        upstream = {s: f.value for s, f in stored.items() if "error" not in f.value}
        return _Work(key, StageInput(post=post, upstream=upstream, blobs=self.blobs), stored)

    @staticmethod
    def _errors(work: _Work) -> dict[str, dict[str, str]]:
        return {s: work.stored[s].value for s in work.failed}

    def _run_chunk(self, chunk: list[_Work], forced: set[str], report: RunReport) -> None:
        for stage in self.stages:
            try:
                version = stage.version
            except ReelStackError as exc:  # the stage's model package is missing
                for work in chunk:
                    if stage.applies(work.inp.post):
                        self._record(work, stage, UNAVAILABLE, {"error": exc.message}, report)
                continue
            todo = [w for w in chunk if self._needs(stage, version, w, forced, report)]
            if todo:
                started = time.perf_counter()
                results = self._process(stage, [w.inp for w in todo])
                report.seconds[stage.name] += time.perf_counter() - started
                for work, result in zip(todo, results, strict=True):
                    self._record(work, stage, version, result, report)

    def _needs(
        self, stage: Stage, version: str, work: _Work, forced: set[str], report: RunReport
    ) -> bool:
        if not stage.applies(work.inp.post):
            return False
        broken = [r for r in stage.requires if r in work.failed and r not in stage.optional]
        if broken:
            error = {"error": f"upstream stage {broken[0]!r} failed"}
            self._record(work, stage, version, error, report)
            return False
        stored = work.stored.get(stage.name)
        if (
            stage.name in forced
            or stored is None
            or stored.model_version != version
            or "error" in stored.value
            or set(stage.requires) & work.recomputed
        ):
            return True
        report.reused[stage.name] += 1
        return False

    def _process(self, stage: Stage, batch: list[StageInput]) -> list[Any]:
        """Run a batch; if it raises, retry one input at a time so one bad post fails alone."""
        try:
            results = stage.process(batch)
            if len(results) != len(batch):
                raise RuntimeError(f"stage returned {len(results)} results for {len(batch)}")
            return results
        except Exception:
            if len(batch) == 1:
                log.exception("stage %s failed", stage.name)
                return [_describe_failure()]
        return [self._process(stage, [inp])[0] for inp in batch]

    def _record(
        self, work: _Work, stage: Stage, version: str, result: Any, report: RunReport
    ) -> None:
        if isinstance(result, BaseException):
            result = {"error": f"{type(result).__name__}: {result}"}
        feature = Feature(
            item_id=work.inp.post.item_id or work.key,
            stage=stage.name,
            model_name=stage.model_name,
            model_version=version,
            value=result,
            created_at=self.now(),
        )
        work.stored[stage.name] = feature
        if "error" in result:
            work.failed.add(stage.name)
            work.inp.upstream.pop(stage.name, None)
            report.errors.append((work.key, stage.name, result["error"]))
        else:
            work.recomputed.add(stage.name)
            work.inp.upstream[stage.name] = result
            report.computed[stage.name] += 1
        if self.store is not None and work.inp.post.item_id:
            self.store.put_feature(feature)


def _describe_failure() -> dict[str, str]:
    import sys

    exc = sys.exc_info()[1]
    return {"error": f"{type(exc).__name__}: {exc}"}
