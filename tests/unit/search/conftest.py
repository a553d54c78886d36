"""A small multilingual corpus in a real store, with real E5 vectors, for search tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from reelstack.config import Settings
from reelstack.core.records import Feature
from reelstack.recommend.native import preload
from reelstack.runtime.platform import Platform
from reelstack.search.service import SearchService
from reelstack.testing.factories import make_creator, make_item, make_media
from reelstack.understand import vectors

preload()  # LightGBM's library before any test loads usearch (the ranker tests train models)

# (key, language, caption, hashtags, ocr, transcript, visual labels)
POSTS = [
    ("cooking", "en", "Grandma's dumpling recipe, step by step", ["cooking"],
     "", "fold the dough gently and steam for ten minutes", []),
    ("cat", "en", "Lazy Sunday afternoon", ["weekend"],
     "", "", ["tabby cat", "tiger cat", "Egyptian cat"]),
    ("guitar", "en", "Three easy chords for beginners", ["music"],
     "", "", []),
    ("ocr_only", "en", "Watch till the end", ["fyp"],
     "WATERFALL HIKE IN BALI", "", []),
    ("asr_only", "en", "My morning routine", ["daily"],
     "", "today we are learning how to make sourdough bread at home", []),
    ("zh", "zh", "小猫咪太可爱了，今天去公园散步", ["萌宠日常"],
     "", "", []),
    ("th", "th", "ต้มยำกุ้งรสเด็ด สูตรคุณยาย", ["อาหารไทย"],
     "", "", []),
    ("vi", "vi", "Phở bò Hà Nội ngon nhất phố cổ", ["ẩmthực"],
     "", "", []),
    ("id", "id", "Resep nasi goreng kampung yang enak", ["kuliner"],
     "", "", []),
    ("volcano", "en", "Sunrise hike to the top of the volcano", ["travel"],
     "", "", []),
]  # fmt: skip


@dataclass
class Corpus:
    platform: Platform
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def search(self) -> SearchService:
        return self.platform.search


def _feature(item_id: str, stage: str, value: dict[str, Any]) -> Feature:
    return Feature(item_id=item_id, stage=stage, model_name="test", model_version="test/1",
                   value=value, created_at=1.0)  # fmt: skip


def put_post(platform: Platform, post: tuple, *, handle: str | None = None) -> str:
    """Store one post with its text, ocr, asr, embed and (if labelled) crossmodal features."""
    key, language, caption, tags, ocr, transcript, labels = post
    store, models = platform.store, platform.models
    creator = store.upsert_creator(make_creator(handle or f"{key}_maker"))
    media = make_media()
    item = make_item(creator, media, caption=caption, hashtags=tags, language=language)
    store.insert_item(item, media)
    e5 = models.load("text-multilingual-e5")
    text = " ".join(t for t in (caption, ocr, transcript) if t)
    fields = {name: {"text": t, "language": language}
              for name, t in (("caption", caption), ("ocr", ocr), ("transcript", transcript))
              if t}  # fmt: skip
    store.put_feature(_feature(item.id, "text", {"language": language, "fields": fields,
                                                 "hashtags": tags, "entities": []}))  # fmt: skip
    if ocr:
        store.put_feature(_feature(item.id, "ocr", {"text": ocr}))
    if transcript:
        store.put_feature(_feature(item.id, "asr", {"text": transcript, "language": language}))
    dense = e5.embed([text], kind="passage")[0]
    store.put_feature(_feature(item.id, "embed", {"vector": vectors.encode(dense)}))
    if labels:  # ConSE: the probability-weighted mix of the labels' E5 vectors
        rows = e5.embed(labels, kind="query")
        mix = np.array([0.6, 0.25, 0.15][: len(labels)]) @ rows
        store.put_feature(
            _feature(
                item.id,
                "visual",
                {
                    "concepts": [
                        {"id": i, "name": name, "score": 0.5} for i, name in enumerate(labels)
                    ]
                },
            )
        )
        store.put_feature(_feature(item.id, "crossmodal", {
            "vector": vectors.encode(mix / np.linalg.norm(mix)),
            "space": "text-multilingual-e5/query", "backend": "conse"}))  # fmt: skip
    return item.id


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    """The posts above, indexed once per test module (tests must not change them)."""
    data = tmp_path_factory.mktemp("search")
    with Platform.open(Settings(data_dir=data)) as platform:
        built = Corpus(platform)
        for post in POSTS:
            built.ids[post[0]] = put_post(platform, post)
        platform.search.indexer.index_items(list(built.ids.values()))
        yield built


@pytest.fixture
def write_post() -> Any:
    """``write_post(platform, (key, language, caption, tags, ocr, transcript, labels))``."""
    return put_post
