"""``text.spam``: spam and scams (fake giveaways, prizes, phishing, easy-money schemes) → ``spam``.

A small model shipped inside the package (``models/spam-v1.skops``, trained by
``reelstack.safety.training.spam``; figures in ``models/spam-v1.metrics.json``): hashed word
1–2-grams and character 2–5-grams with TF-IDF weights, a logistic regression, and sigmoid
calibration fitted on cross-validated predictions, so its probability is a confidence the
policy's bands can read (``spam``: remove ≥ 0.9, demote ≥ 0.7, review ≥ 0.5).

The file is read with ``skops.io`` — no pickle: only scikit-learn and numpy types plus the
two calibration classes named in ``TRUSTED_TYPES`` may be built from it; a file asking for
anything else is refused. Every text field (caption, OCR, transcript) is scored on its own
first ``MAX_FIELD_CHARS`` characters, de-obfuscated with ``normalize_text``; the post's score
is the highest, and the evidence names that field.
"""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path
from typing import Any

from reelstack.core.errors import ModelUnavailable
from reelstack.safety.detectors.base import Score, Subject
from reelstack.safety.detectors.normalize import normalize_text

CODE_VERSION = "spam-1"
POLICY = "spam"
MODELS_DIR = Path(__file__).resolve().parent / "models"
MODEL_FILE = "spam-v1.skops"
MAX_FIELD_CHARS = 5_000  # the model was trained on messages and captions; more only dilutes
MAX_EVIDENCE_CHARS = 80
# Types outside skops' default trust that the recipe's model is made of; nothing else loads.
TRUSTED_TYPES = (
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
)

_URL = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|\b[\w-]+\.(?:com|net|org|info|biz|xyz|top|click|live|win|icu|site|online|vip|co|io|ly"
    r"|gd|gy|me|cc|uk|us)\b(?:/\S*)?"
)
_LONG_NUMBER = re.compile(r"\d{5,}")


def prepare_text(text: str) -> str:
    """The model's view of a text (training and scoring alike): de-obfuscated, links and long
    numbers (phone numbers, short codes) marked as such, their spelling kept."""
    text = normalize_text(text, MAX_FIELD_CHARS)
    text = _URL.sub(lambda m: f" urltoken {m.group(0)} ", text)
    return _LONG_NUMBER.sub(" longnumber ", text)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_model(path: Path) -> Any:
    """The fitted pipeline in ``path``, built by skops from trusted types only."""
    try:
        import skops.io as sio
    except ImportError as exc:
        raise ModelUnavailable(
            "text.spam needs the Python package 'skops' "
            "(pip install 'reelstack[safety]' or pip install skops==0.16.0 scikit-learn==1.9.1)"
        ) from exc
    if not path.is_file():
        raise ModelUnavailable(f"text.spam model file {path} is missing")
    try:
        return sio.load(path, trusted=list(TRUSTED_TYPES))
    except Exception as exc:  # skops refuses untrusted types; a truncated zip fails too
        raise ModelUnavailable(f"text.spam cannot load {path.name}: {exc}") from exc


class SpamDetector:
    """Thread-safe; the model loads once, on first use."""

    name = "text.spam"

    def __init__(self, model_path: Path | None = None) -> None:
        self.model_path = model_path or MODELS_DIR / MODEL_FILE
        self._lock = threading.Lock()
        self._model: Any = None
        self._version: str | None = None

    @property
    def version(self) -> str:
        with self._lock:
            if self._version is None:
                if not self.model_path.is_file():
                    raise ModelUnavailable(f"text.spam model file {self.model_path} is missing")
                sha = file_sha256(self.model_path)[:12]
                self._version = f"{self.name}/{CODE_VERSION} {self.model_path.name}:{sha}"
            return self._version

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = load_model(self.model_path)
            return self._model

    def probabilities(self, texts: list[str]) -> list[float]:
        """Calibrated spam probability of each raw text."""
        return self._predict([prepare_text(t) for t in texts])

    def _predict(self, prepared: list[str]) -> list[float]:
        if not prepared:
            return []
        return [float(p) for p in self._loaded().predict_proba(prepared)[:, 1]]

    def detect(self, subject: Subject) -> list[Score]:
        fields = [(name, text, prepare_text(text)) for name, text in subject.texts.items() if text]
        fields = [field for field in fields if field[2].strip()]  # nothing left to read
        if not fields:
            return []
        scores = self._predict([prepared for _, _, prepared in fields])
        best = max(range(len(fields)), key=scores.__getitem__)
        name, text, _ = fields[best]
        snippet = " ".join(text[:400].split())
        if len(snippet) > MAX_EVIDENCE_CHARS:
            snippet = snippet[: MAX_EVIDENCE_CHARS - 1] + "…"
        score = Score(POLICY, self.name, round(scores[best], 4), self.version, f"{name}: {snippet}")
        return [score]
