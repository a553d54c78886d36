"""Zero-shot text policies: a post against each policy's own words, via the multilingual embedder.

Each policy's ``name: description`` is embedded as an E5 query, and so is a set of everyday
video topics standing for "something else". E5 cosines are compressed (benign captions reach
0.80 with a policy description), so the evidence is the margin of the closest policy over the
closest everyday topic: on hand-written captions in six languages, benign ones stay ≤ 0.011
and spam/abuse spread over −0.02…0.05. Margins from ``margin_floor`` to ``margin_full`` map
onto 0–1, then capped at ``cap`` (settings: ``safety.zero_shot_cap``): a description alone
can send a post to review, never remove it. A policy edit changes the prompts at once.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from reelstack.safety.detectors.base import Score, Subject
from reelstack.safety.detectors.embedding import (
    MODEL,
    embed,
    margin_confidence,
    passage_vector,
)
from reelstack.safety.policies.schema import PolicySet

if TYPE_CHECKING:
    from reelstack.models.registry import ModelRegistry

EVERYDAY_TOPICS = tuple(
    f"a video about {topic}"
    for topic in ("cooking and recipes", "travel and places", "dance and music", "pets and animals",
                  "sports and fitness", "fashion and beauty", "comedy and everyday life",
                  "technology and gadgets", "education and tutorials", "gaming",
                  "nature and landscapes", "family and friends")
)  # fmt: skip


class ZeroShotTextDetector:
    name = "text.zero_shot"
    code_version = "1"
    margin_floor, margin_full = 0.02, 0.08

    def __init__(
        self, registry: ModelRegistry, policies: Callable[[], PolicySet], cap: float = 0.69
    ) -> None:
        self.registry = registry
        self.policies = policies  # the set in force, read on every call
        self.cap = cap
        self._prompts: dict[str, tuple[list[str], np.ndarray, np.ndarray]] = {}
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        return f"{self.name}/{self.code_version} {self.registry.version(MODEL)}"

    def _prompt_vectors(self, policy_set: PolicySet) -> tuple[list[str], np.ndarray, np.ndarray]:
        prompts = {p.id: f"{p.name}: {p.description}" for p, _ in policy_set.walk()}
        key = hashlib.sha256(repr(sorted(prompts.items())).encode()).hexdigest()
        with self._lock:
            if key not in self._prompts:
                policy_rows = embed(self.registry, list(prompts.values()), "query")
                everyday = embed(self.registry, list(EVERYDAY_TOPICS), "query")
                self._prompts = {key: (list(prompts), policy_rows, everyday)}
            return self._prompts[key]

    def detect(self, subject: Subject) -> list[Score]:
        post = passage_vector(self.registry, subject)
        if post is None:
            return []
        ids, policy_rows, everyday = self._prompt_vectors(self.policies())
        sims = policy_rows @ post
        margins = sims - float((everyday @ post).max())
        scores = []
        for index in np.argsort(-margins)[:3]:  # the closest few policies are evidence enough
            margin = float(margins[index])
            score = margin_confidence(margin, self.margin_floor, self.margin_full, self.cap)
            if score > 0:
                evidence = f"closest to the policy description (margin {margins[index]:.3f})"
                scores.append(Score(ids[index], self.name, round(score, 4), self.version, evidence))
        return scores
