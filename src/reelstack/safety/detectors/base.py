"""What every detector sees and returns: a ``Subject`` in, ``Score`` per policy out.

A detector scores one post against the policies it knows, as a calibrated confidence in 0–1
that the post violates that policy; the policy's bands turn the confidence into an action.
Each score names its detector and model version (and, where it can, the evidence: the
matched words, the frame, the bank entry), so a decision can say exactly why it was taken.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Score:
    policy_id: str
    detector: str  # e.g. "text.spam", "keywords", "hashbank"
    score: float  # calibrated confidence that the post violates ``policy_id``
    model_version: str
    evidence: str | None = None  # the offending span, frame timestamp or bank entry

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Subject:
    """One post as detectors see it: its text fields and its understanding features.

    ``texts`` maps a field (caption, hashtags, ocr, transcript) to raw text; ``features``
    maps an Understand stage name to its stored value (visual concepts, embeddings, hashes).
    ``context`` carries item and creator facts for rules (account age, prior strikes, reach).
    """

    texts: dict[str, str] = field(default_factory=dict)
    language: str | None = None
    features: dict[str, dict[str, Any]] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    item_id: str | None = None

    @property
    def text(self) -> str:
        """All text fields joined, the form most text detectors score."""
        return "\n".join(t for t in self.texts.values() if t)


class Detector(Protocol):
    """Scores posts against policies. Implementations must be safe to call from threads."""

    name: str

    @property
    def version(self) -> str:
        """Code and model version, recorded with every score."""
        ...

    def detect(self, subject: Subject) -> list[Score]:
        """Scores for the policies this detector covers (omit or 0.0 when nothing found)."""
        ...
