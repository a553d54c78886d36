"""Few-shot policy heads: labelled examples → a logistic regression over text embeddings.

Admins and reviewers add examples to a policy (``POST /v1/policies/{id}/examples``); once a
policy has ``min_examples`` of each class, a head is trained on their E5 passage vectors and
stored as a new version (coefficients as JSON, with cross-validated metrics and the embedding
model version), so the detector never needs pickle and any head can be read back. Examples
are appended to ``<data>/safety/examples/<policy>.jsonl``; vectors come from the shared
embedding cache, so retraining only embeds new examples.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from reelstack.core import clock
from reelstack.core.errors import InvalidInput
from reelstack.safety.detectors.embedding import MODEL
from reelstack.safety.versioned import VersionedFiles
from reelstack.understand.embed import CACHE_FILE, embed_texts
from reelstack.understand.embed_cache import EmbeddingCache

if TYPE_CHECKING:
    from reelstack.models.registry import ModelRegistry

MAX_TEXT_CHARS = 5000
MAX_EXAMPLES_PER_CALL = 1000


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: bool  # True: violates the policy

    @classmethod
    def parse(cls, raw: Any, index: int) -> Example:
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
            raise InvalidInput(f"example {index}: needs a 'text' string and a 'label' boolean")
        text = " ".join(raw["text"].split())
        if not text:
            raise InvalidInput(f"example {index}: text is empty")
        if len(text) > MAX_TEXT_CHARS:
            raise InvalidInput(f"example {index}: text is longer than {MAX_TEXT_CHARS} characters")
        if not isinstance(raw.get("label"), bool):
            raise InvalidInput(f"example {index}: 'label' must be true (violating) or false")
        return cls(text, raw["label"])


class PolicyHeads:
    """Examples and trained heads of every policy under one folder."""

    def __init__(self, folder: Path, registry: ModelRegistry, min_examples: int = 5) -> None:
        self.folder = Path(folder)
        self.registry = registry
        self.min_examples = min_examples
        self._lock = threading.Lock()
        self._loaded: tuple[float, dict[str, dict[str, Any]]] | None = None

    # -- examples ------------------------------------------------------------------------

    def _examples_file(self, policy_id: str) -> Path:
        return self.folder / "examples" / f"{policy_id}.jsonl"

    def add_examples(self, policy_id: str, examples: list[Example], actor: str) -> None:
        if not examples:
            raise InvalidInput("no examples given")
        if len(examples) > MAX_EXAMPLES_PER_CALL:
            raise InvalidInput(f"at most {MAX_EXAMPLES_PER_CALL} examples per call")
        path = self._examples_file(policy_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        now = clock.now()
        lines = [json.dumps({"text": e.text, "label": e.label, "by": actor, "ts": now},
                            ensure_ascii=False) for e in examples]  # fmt: skip
        with self._lock, path.open("a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
            out.flush()
            os.fsync(out.fileno())

    def rows(self, policy_id: str) -> list[dict[str, Any]]:
        """The latest stored row (``text``, ``label``, ``by``, ``ts``) of each example text."""
        path = self._examples_file(policy_id)
        if not path.is_file():
            return []
        latest: dict[str, dict[str, Any]] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                latest[row["text"]] = row
        return list(latest.values())

    def examples(self, policy_id: str) -> list[Example]:
        """The policy's examples; a later label for the same text replaces an earlier one."""
        return [Example(row["text"], row["label"]) for row in self.rows(policy_id)]

    def counts(self, policy_id: str) -> dict[str, int]:
        examples = self.examples(policy_id)
        positive = sum(e.label for e in examples)
        return {"positive": positive, "negative": len(examples) - positive}

    # -- heads ---------------------------------------------------------------------------

    def _versions(self, policy_id: str) -> VersionedFiles:
        return VersionedFiles(self.folder / "heads" / policy_id, f"{policy_id} head", ".json")

    def train(self, policy_id: str) -> dict[str, Any] | None:
        """Train and store a new head version; None while a class has too few examples."""
        examples = self.examples(policy_id)
        counts = self.counts(policy_id)
        if min(counts.values()) < self.min_examples:
            return None
        x = self._vectors([e.text for e in examples])
        y = np.array([e.label for e in examples], dtype=int)
        head = {"policy_id": policy_id, "model": self.registry.version(MODEL),
                "examples": counts, "metrics": _cross_validate(x, y), "trained_at": clock.now(),
                **_fit(x, y)}  # fmt: skip
        head["version"] = self._versions(policy_id).write_next(json.dumps(head))
        self._touch()
        return head

    def publish(self, policy_id: str, head: dict[str, Any]) -> int:
        """Store ``head`` (coef, intercept, model, examples, ...) as the policy's next version."""
        version = self._versions(policy_id).write_next(json.dumps(head))
        self._touch()
        return version

    def vectors(self, texts: list[str]) -> np.ndarray:
        """Unit E5 passage vectors of ``texts`` (through the shared embedding cache)."""
        return self._vectors(texts)

    def _vectors(self, texts: list[str]) -> np.ndarray:
        cache = EmbeddingCache(self.registry.cache_dir / CACHE_FILE)
        try:
            rows = embed_texts(self.registry.load(MODEL), self.registry.version(MODEL), texts,
                               kind="passage", cache=cache)  # fmt: skip
        finally:
            cache.close()
        return rows / np.clip(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12, None)

    def head(self, policy_id: str) -> dict[str, Any] | None:
        return self.heads().get(policy_id)

    def heads(self) -> dict[str, dict[str, Any]]:
        """The latest head of each policy, re-read when any process trained a new one."""
        marker = self.folder / "heads" / "CHANGED"
        stamp = marker.stat().st_mtime if marker.exists() else 0.0
        with self._lock:
            if self._loaded is None or self._loaded[0] != stamp:
                self._loaded = (stamp, self._read_heads())
            return self._loaded[1]

    def _read_heads(self) -> dict[str, dict[str, Any]]:
        found = {}
        root = self.folder / "heads"
        for folder in sorted(root.iterdir()) if root.is_dir() else []:
            if folder.is_dir():
                files = VersionedFiles(folder, folder.name, ".json")
                latest = files.latest()
                if latest is not None:
                    found[folder.name] = {**json.loads(files.read(latest)), "version": latest}
        return found

    def _touch(self) -> None:
        marker = self.folder / "heads" / "CHANGED"
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(str(clock.now()))
        os.utime(marker)


def _fit(x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=1000).fit(x, y)
    return {"coef": [round(float(c), 6) for c in model.coef_[0]],
            "intercept": float(model.intercept_[0])}  # fmt: skip


def _cross_validate(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Out-of-fold precision/recall/F1/AUC at 0.5: how the head does on examples it did not see."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    folds = StratifiedKFold(n_splits=min(5, int(np.bincount(y).min())), shuffle=True,
                            random_state=0)  # fmt: skip
    model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=1000)
    prob = cross_val_predict(model, x, y, cv=folds, method="predict_proba")[:, 1]
    pred = prob >= 0.5
    return {
        "precision": round(float(precision_score(y, pred, zero_division=0)), 4),
        "recall": round(float(recall_score(y, pred)), 4),
        "f1": round(float(f1_score(y, pred)), 4),
        "roc_auc": round(float(roc_auc_score(y, prob)), 4),
        "folds": folds.get_n_splits(),
    }
