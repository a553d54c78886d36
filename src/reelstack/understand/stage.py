"""The stage interface: one callable class per understanding step, batched, versioned.

A stage declares its ``name``, the stages it ``requires``, the post kinds it ``applies_to``,
the registry models it uses and a ``code_version``. Its version — code version plus each
model's ``package==version/model-id`` — is stored with every feature it makes, so a model
upgrade recomputes exactly that stage and the ones downstream of it. The same class runs in
the local worker and, later, as a Ray Data actor (``process`` takes a batch).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from reelstack.config import UnderstandSettings

if TYPE_CHECKING:
    from PIL import Image

    from reelstack.models.registry import ModelRegistry
    from reelstack.storage.blobs import FileBlobStore


@dataclass(slots=True)
class Post:
    """What stages see of one post (an ingested item, or a lone file for ``understand FILE``)."""

    item_id: str | None
    kind: str  # "video", "image" or "text"
    media_path: Path | None
    caption: str = ""
    hashtags: list[str] = field(default_factory=list)
    language: str | None = None
    duration_s: float | None = None
    has_audio: bool = False


@dataclass
class StageInput:
    """One post plus the values of the stages it requires, and where images live."""

    post: Post
    upstream: dict[str, dict[str, Any]]
    blobs: FileBlobStore
    _frames: list[tuple[float, Image.Image]] | None = None

    def keyframes(self) -> list[tuple[float, Image.Image]]:
        """(timestamp seconds, RGB image) of each keyframe, loaded once from the blob store."""
        if self._frames is None:
            from PIL import Image

            frames = []
            for frame in self.upstream["keyframes"]["frames"]:
                with Image.open(self.blobs.path(frame["sha256"])) as img:
                    frames.append((frame["ts"], img.convert("RGB")))
            self._frames = frames
        return self._frames


class StageError(Exception):
    """A stage's failure for one post; the message is stored as that (item, stage)'s error."""


class Stage(ABC):
    """Subclass, set the class attributes, implement ``process``.

    ``process`` receives a batch and returns one value (JSON-ready dict) per input, or a
    ``StageError``/exception instance for inputs that failed; raising fails the whole batch,
    after which the pipeline retries the inputs one at a time.
    """

    name: ClassVar[str]
    requires: ClassVar[tuple[str, ...]] = ()
    # Required stages whose failure does not block this one (it then runs without them).
    optional: ClassVar[tuple[str, ...]] = ()
    applies_to: ClassVar[frozenset[str]] = frozenset({"video", "image", "text"})
    models: ClassVar[tuple[str, ...]] = ()
    code_version: ClassVar[str] = "1"

    def __init__(self, registry: ModelRegistry, settings: UnderstandSettings) -> None:
        self.registry = registry
        self.settings = settings

    @cached_property
    def version(self) -> str:
        """``<name>/<code_version>`` plus the versions of the models it uses."""
        parts = [f"{self.name}/{self.code_version}"]
        parts += [self.registry.version(model) for model in self.models]
        return " ".join(parts)

    @property
    def model_name(self) -> str:
        return "+".join(self.models) or self.name

    def applies(self, post: Post) -> bool:
        return post.kind in self.applies_to

    @abstractmethod
    def process(self, batch: list[StageInput]) -> list[dict[str, Any] | BaseException]: ...


class PerItemStage(Stage):
    """A stage with no cross-item batching (decoding, hashing, Whisper): one post at a time.

    ``process_one`` raises ``StageError`` for a post it cannot handle; that post gets the
    error and the rest of the batch goes on.
    """

    def process(self, batch: list[StageInput]) -> list[dict[str, Any] | BaseException]:
        results: list[dict[str, Any] | BaseException] = []
        for inp in batch:
            try:
                results.append(self.process_one(inp))
            except StageError as exc:
                results.append(exc)
        return results

    @abstractmethod
    def process_one(self, inp: StageInput) -> dict[str, Any]: ...
