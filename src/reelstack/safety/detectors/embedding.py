"""The post's multilingual text vector, shared by the zero-shot and few-shot detectors.

A stored post has it from Understand's ``embed`` stage (E5 passage vector); a post that is
only being checked (``/v1/moderate``) is embedded here, its text cut to a bounded length.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from reelstack.safety.detectors.base import Subject
from reelstack.understand import vectors

if TYPE_CHECKING:
    from reelstack.models.registry import ModelRegistry

MODEL = "text-multilingual-e5"
MAX_CHARS = 2000  # E5 reads 512 tokens; more text only costs time


def passage_vector(registry: ModelRegistry, subject: Subject) -> np.ndarray | None:
    """Unit vector of the post's text, or None when it has no text."""
    stored = (subject.features.get("embed") or {}).get("vector")
    if stored:
        return vectors.decode(stored).astype(np.float32)
    text = " ".join(subject.text.split())[:MAX_CHARS]
    if not text:
        return None
    return embed(registry, [text], "passage")[0]


def embed(registry: ModelRegistry, texts: list[str], kind: str) -> np.ndarray:
    rows = np.asarray(registry.load(MODEL).embed(texts, kind=kind), dtype=np.float32)
    return rows / np.clip(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12, None)


def margin_confidence(margin: float, floor: float, full: float, cap: float) -> float:
    """E5 cosines are compressed, so evidence is a margin over "something else": ``floor``
    maps to 0, ``full`` to 1 (linear between), never above ``cap``."""
    return min(cap, float(np.clip((margin - floor) / (full - floor), 0, 1)))
