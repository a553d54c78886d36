"""Build the ``Subject`` detectors score: from a stored item, or from text and a file.

A stored item brings its caption, hashtags and the Understand features (on-screen text,
transcript, concepts, embeddings, hashes); failed or missing stages are simply absent, so
detectors score what there is. ``/v1/moderate`` and ``reelstack moderate`` build the same
shape from text and an optional file run through Understand without storing anything.
"""

from __future__ import annotations

from typing import Any

from reelstack.core.records import Item
from reelstack.safety.detectors.base import Subject
from reelstack.storage.interfaces import FeatureStore


def usable(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Stage values without the failed ones (``{"error": ...}``)."""
    return {name: v for name, v in values.items() if isinstance(v, dict) and "error" not in v}


def texts_of(
    caption: str, hashtags: list[str], features: dict[str, dict[str, Any]]
) -> dict[str, str]:
    texts = {
        "caption": caption,
        "hashtags": " ".join(f"#{tag.lstrip('#')}" for tag in hashtags),
        "ocr": (features.get("ocr") or {}).get("text") or "",
        "transcript": (features.get("asr") or {}).get("text") or "",
    }
    return {name: text for name, text in texts.items() if text.strip()}


def subject_of_item(store: FeatureStore, item: Item) -> Subject:
    features = usable({name: f.value for name, f in store.get_features(item.id).items()})
    return Subject(
        texts=texts_of(item.caption, item.hashtags, features),
        language=(features.get("text") or {}).get("language") or item.language,
        features=features,
        item_id=item.id,
    )


def subject_of_upload(
    text: str = "", features: dict[str, Any] | None = None, language: str | None = None
) -> Subject:
    """A post that is not stored: ``text`` as its caption, ``features`` from ``understand_file``."""
    found = usable(features or {})
    return Subject(
        texts=texts_of(text, [], found),
        language=language or (found.get("text") or {}).get("language"),
        features=found,
    )
