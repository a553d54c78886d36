"""Image and video concept detectors: ImageNet concepts and cross-modal prompts → policies.

Two views of the same keyframes, both computed by Understand:

- ``visual``: per-frame ImageNet probabilities. A few classes are direct evidence for a
  policy (assault rifle, revolver → weapons; syringe → drugs); a post's score is the
  highest frame probability of such a class times the class's weight (a pill bottle is
  weaker evidence than a syringe).
- ``crossmodal``: the post's vector in the text-embedding space. Each policy has zero-shot
  prompts, and a set of everyday prompts stands for "something else". E5 cosines are
  compressed (an unrelated pet video reaches 0.90 with "a gun"), so the evidence is the
  margin of the closest policy prompt over the closest everyday prompt, mapped linearly
  from ``margin_floor`` to ``margin_full`` onto 0–1 (on demo posts the margin stays
  ≤ 0.012; the label vectors of "assault rifle" and "syringe" give 0.10–0.11).

Both are capped below the remove bands: a concept alone is reason for review or an age
gate, not for taking a post down. There is no labelled image set offline to measure them
on, so their thresholds are conservative by design (see the safety README).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from reelstack.safety.detectors.base import Score, Subject
from reelstack.safety.detectors.embedding import margin_confidence
from reelstack.understand import vectors

if TYPE_CHECKING:
    from reelstack.models.registry import ModelRegistry

# ImageNet-1k class index -> (policy, weight)
CLASS_EVIDENCE: dict[int, tuple[str, float]] = {
    413: ("dangerous.weapons", 1.0),  # assault rifle
    763: ("dangerous.weapons", 1.0),  # revolver
    764: ("dangerous.weapons", 0.9),  # rifle
    597: ("dangerous.weapons", 0.6),  # holster
    465: ("dangerous.weapons", 0.4),  # bulletproof vest
    845: ("dangerous.drugs", 0.8),  # syringe
    720: ("dangerous.drugs", 0.4),  # pill bottle
}
PROMPTS: dict[str, tuple[str, ...]] = {
    "dangerous.weapons": (
        "a gun",
        "a rifle",
        "a handgun pointed at the camera",
        "firearms for sale",
    ),
    "dangerous.drugs": ("drugs and a syringe", "pills and white powder", "smoking a joint"),
    "violence": ("a bloody injury", "people fighting violently"),
}
EVERYDAY = ("a dog", "a cat", "food on a plate", "a landscape", "a city street",
            "a person talking", "a car", "a bicycle", "the sky and planets",
            "a phone or computer", "a cartoon", "money and charts", "a beach", "a kitchen",
            "a bird", "a horse", "plants and flowers", "sports")  # fmt: skip
CAP = 0.85


class VisualConceptDetector:
    name = "image.concepts"
    code_version = "1"

    def __init__(self, registry: ModelRegistry, cap: float = CAP) -> None:
        self.registry = registry
        self.cap = cap

    @property
    def version(self) -> str:
        return (
            f"{self.name}/{self.code_version} {self.registry.version('image-efficientnet-lite0')}"
        )

    def detect(self, subject: Subject) -> list[Score]:
        visual = subject.features.get("visual")
        if not visual or "frame_probs" not in visual:
            return []
        probs = vectors.decode(visual["frame_probs"]).astype(np.float32).reshape(-1, 1000)
        best: dict[str, tuple[float, str]] = {}
        for index, (policy, weight) in CLASS_EVIDENCE.items():
            frame = int(np.argmax(probs[:, index]))
            score = min(self.cap, weight * float(probs[frame, index]))
            if score > best.get(policy, (0.0, ""))[0]:
                best[policy] = (score, f"imagenet class {index} in keyframe {frame}")
        return [Score(policy, self.name, round(s, 4), self.version, evidence)
                for policy, (s, evidence) in best.items() if s > 0.01]  # fmt: skip


class CrossModalPromptDetector:
    name = "image.prompts"
    code_version = "1"
    margin_floor, margin_full = 0.02, 0.10

    def __init__(
        self, registry: ModelRegistry, prompts: dict[str, tuple[str, ...]] = PROMPTS,
        cap: float = CAP,
    ) -> None:  # fmt: skip
        self.registry = registry
        self.prompts = prompts
        self.cap = cap
        self._matrix: tuple[np.ndarray, np.ndarray, list[tuple[str, str]]] | None = None
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        return f"{self.name}/{self.code_version} {self.registry.version('text-multilingual-e5')}"

    def _prompt_matrix(self) -> tuple[np.ndarray, np.ndarray, list[tuple[str, str]]]:
        with self._lock:
            if self._matrix is None:
                pairs = [(p, text) for p, texts in self.prompts.items() for text in texts]
                model = self.registry.load("text-multilingual-e5")
                rows = np.asarray(model.embed([t for _, t in pairs], kind="query"), np.float32)
                everyday = np.asarray(model.embed(list(EVERYDAY), kind="query"), np.float32)
                self._matrix = rows, everyday, pairs
            return self._matrix

    def detect(self, subject: Subject) -> list[Score]:
        crossmodal: dict[str, Any] | None = subject.features.get("crossmodal")
        if not crossmodal or not str(crossmodal.get("space", "")).startswith(
            "text-multilingual-e5"
        ):
            return []  # a CLIP backend's space is not comparable with these prompt vectors
        post = vectors.decode(crossmodal["vector"]).astype(np.float32)
        matrix, everyday, pairs = self._prompt_matrix()
        baseline = float((everyday @ post).max())
        best: dict[str, tuple[float, str]] = {}
        for sim, (policy, text) in zip(matrix @ post, pairs, strict=True):
            margin = float(sim) - baseline
            score = margin_confidence(margin, self.margin_floor, self.margin_full, self.cap)
            if score > best.get(policy, (0.0, ""))[0]:
                best[policy] = (score, f"prompt {text!r} (margin {margin:.3f})")
        return [Score(policy, self.name, round(s, 4), self.version, evidence)
                for policy, (s, evidence) in best.items() if s > 0]  # fmt: skip
