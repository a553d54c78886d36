"""Visual stage: EfficientNet-Lite0 features and ImageNet concepts per keyframe and per post.

All keyframes of all posts in a batch go through the network together (batching is where
throughput comes from on 2 CPU cores), in chunks that bound memory. Per post it stores the
mean feature (similar-video recall, safety heads), the per-frame features and probabilities
(cross-modal ConSE and frame-level detectors read them instead of re-running the network) and
the top concepts of the mean probabilities as readable tags.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from reelstack.understand import vectors
from reelstack.understand.concept_labels import readable_names
from reelstack.understand.stage import Stage, StageError, StageInput

if TYPE_CHECKING:
    from PIL import Image

    from reelstack.config import UnderstandSettings
    from reelstack.models.registry import ModelRegistry

Fit = Literal["squash", "crop"]
FRAME_CHUNK = 32  # frames per forward pass: 32 x 3 x 224 x 224 float32 is 19 MB of input


def fit_square(image: Image.Image, fit: Fit) -> Image.Image:
    """``crop`` keeps the central square (vertical video is 9:16); ``squash`` leaves it as is."""
    if fit == "squash" or image.width == image.height:
        return image
    side = min(image.width, image.height)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    return image.crop((left, top, left + side, top + side))


class VisualStage(Stage):
    """Keyframes → ``{"concepts", "pooled", "per_frame", "probs", "frame_probs"}``.

    ``fit`` says how a non-square frame becomes the network's 224 x 224 input; the default was
    chosen on the tuning half of ``bench/crossmodal_eval.py``. Models load on first use: a
    missing package then shows as the pipeline's per-item "unavailable" error (raised by
    ``version``), not as a failure to build the stage list.
    """

    name = "visual"
    requires = ("keyframes",)
    applies_to = frozenset({"video", "image"})
    models = ("image-efficientnet-lite0", "imagenet-classes")
    code_version = "1"

    def __init__(
        self, registry: ModelRegistry, settings: UnderstandSettings, *, fit: Fit = "squash"
    ) -> None:
        super().__init__(registry, settings)
        self.fit = fit

    @cached_property
    def version(self) -> str:
        version = super().version
        return version if self.fit == "squash" else f"{version} fit={self.fit}"

    @cached_property
    def _model(self) -> tuple[Any, list[str]]:
        """Loaded on first use, so building the stage never fails for a missing package."""
        net = self.registry.load("image-efficientnet-lite0")
        if self.settings.threads:
            import torch

            torch.set_num_threads(self.settings.threads)
        return net, readable_names(self.registry.load("imagenet-classes"))

    def process(self, batch: list[StageInput]) -> list[dict[str, Any] | BaseException]:
        results: list[dict[str, Any] | BaseException] = []
        frames: list[list[Image.Image]] = []
        for inp in batch:
            try:
                images = [image for _, image in inp.keyframes()]
            except Exception as exc:  # a missing or unreadable keyframe fails this post only
                results.append(StageError(f"cannot read keyframes: {type(exc).__name__}: {exc}"))
                frames.append([])
                continue
            if not images:
                results.append(StageError("no keyframes to describe"))
            else:
                results.append({})
            frames.append(images)
        flat = [fit_square(image, self.fit) for images in frames for image in images]
        features, probs = self._forward(flat)
        start = 0
        for i, images in enumerate(frames):
            n = len(images)
            if n and not isinstance(results[i], BaseException):
                results[i] = self._value(features[start : start + n], probs[start : start + n])
            start += n
        return results

    def _forward(self, images: list[Image.Image]) -> tuple[np.ndarray, np.ndarray]:
        if not images:
            return np.zeros((0, 1280), np.float32), np.zeros((0, 1000), np.float32)
        net = self._model[0]
        parts = [net(images[i : i + FRAME_CHUNK]) for i in range(0, len(images), FRAME_CHUNK)]
        return np.concatenate([f for f, _ in parts]), np.concatenate([p for _, p in parts])

    def _value(self, features: np.ndarray, probs: np.ndarray) -> dict[str, Any]:
        pooled_probs = probs.mean(axis=0)
        top = np.argsort(-pooled_probs, kind="stable")[: self.settings.concept_top_k]
        concepts = [
            {"id": int(i), "name": self._model[1][i], "score": round(float(pooled_probs[i]), 4)}
            for i in top
        ]
        return {
            "concepts": concepts,
            "pooled": vectors.encode(features.mean(axis=0), "f4"),
            "per_frame": vectors.encode(features, "f2"),
            "probs": vectors.encode(pooled_probs, "f2"),
            "frame_probs": vectors.encode(probs, "f2"),
        }
