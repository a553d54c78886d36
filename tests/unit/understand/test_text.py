"""The text stage on real models: language per field, tokens, tags, links and entities."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reelstack.config import UnderstandSettings
from reelstack.models import ModelRegistry
from reelstack.storage.blobs import FileBlobStore
from reelstack.testing.understand import stage_input
from reelstack.understand.segment import Segmenter
from reelstack.understand.stage import StageInput
from reelstack.understand.text import TextStage


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> ModelRegistry:
    registry = ModelRegistry(cache_dir=tmp_path_factory.mktemp("models"), num_threads=1)
    for name in TextStage.models:
        for req in registry.spec(name).requires:
            pytest.importorskip(req.module, reason=f"{name} needs {req.package} ({req.pin})")
    for module in ("jieba", "pythainlp"):
        pytest.importorskip(module, reason=f"{module} is in the 'understand' extra")
    return registry


@pytest.fixture
def stage(registry: ModelRegistry, tmp_path: Path) -> TextStage:
    return TextStage(registry, UnderstandSettings(), segmenter=Segmenter(cache_dir=tmp_path))


@pytest.fixture
def blobs(tmp_path: Path) -> FileBlobStore:
    return FileBlobStore(tmp_path / "blobs")


def _run(stage: TextStage, *inputs: StageInput) -> list[dict[str, Any]]:
    values = stage.process(list(inputs))
    assert all(isinstance(v, dict) for v in values), values
    json.dumps(values)  # features are stored as JSON
    return values  # type: ignore[return-value]


def test_declares_optional_upstreams_and_models(stage: TextStage) -> None:
    assert stage.requires == ("ocr", "asr") and stage.optional == ("ocr", "asr")
    assert stage.applies_to == frozenset({"video", "image", "text"})
    assert "py3langid==" in stage.version and "en_core_web_sm" in stage.version


def test_text_only_post(stage: TextStage, blobs: FileBlobStore) -> None:
    caption = (
        "Taylor Swift performed in Singapore last night! #ErasTour @taylorswift13 "
        "resale tickets at bit.ly/eras-sg"
    )
    (value,) = _run(stage, stage_input(blobs, kind="text", caption=caption))
    assert value["language"] == "en"
    assert list(value["fields"]) == ["caption"]  # no OCR, no transcript: no empty fields
    caption_field = value["fields"]["caption"]
    assert caption_field["text"] == caption and caption_field["language"] == "en"
    assert caption_field["tokens"][:4] == ["taylor", "swift", "performed", "in"]
    assert "#erastour" in caption_field["tokens"] and "@taylorswift13" in caption_field["tokens"]
    assert value["hashtags"] == ["ErasTour"]
    assert value["mentions"] == ["taylorswift13"]
    assert value["urls"] == ["bit.ly/eras-sg"]
    found = {(e["text"], e["label"]) for e in value["entities"]}
    assert {("Taylor Swift", "PERSON"), ("Singapore", "GPE")} <= found
    assert {e["field"] for e in value["entities"]} == {"caption"}


def test_merges_ocr_and_asr(stage: TextStage, blobs: FileBlobStore) -> None:
    inp = stage_input(
        blobs,
        kind="video",
        caption="今天和我的猫一起拍了#萌宠日常 视频",
        hashtags=["萌宠日常", "猫咪"],
        language="zh",
        upstream={
            "ocr": {"text": "萌宠日常 第3期 #猫咪 #新品"},
            "asr": {
                "text": "Hello everyone, welcome back to my channel in London",
                "language": "en",
            },
        },
    )
    (value,) = _run(stage, inp)
    fields = value["fields"]
    assert list(fields) == ["caption", "ocr", "transcript"]
    assert value["language"] == "zh"  # the caption decides
    assert fields["ocr"]["language"] == "zh"
    assert fields["ocr"]["tokens"] == ["萌宠日常", "第", "3", "期", "#猫咪", "#新品"]
    assert fields["transcript"]["language"] == "en"
    assert value["hashtags"] == ["萌宠日常", "猫咪", "新品"]  # declared, then found, once each
    # Entities come from the English field only, labelled with it.
    assert {(e["text"], e["label"], e["field"]) for e in value["entities"]} == {
        ("London", "GPE", "transcript")
    }


def test_language_without_caption_follows_the_longest_field(
    stage: TextStage, blobs: FileBlobStore
) -> None:
    inp = stage_input(
        blobs,
        kind="video",
        upstream={
            "ocr": {"text": "SALE 50%"},
            "asr": {"text": "วันนี้เราจะมาทำต้มยำกุ้งกันนะคะ อร่อยมากเลย", "language": "th"},
        },
    )
    (value,) = _run(stage, inp)
    assert list(value["fields"]) == ["ocr", "transcript"]
    assert value["fields"]["ocr"]["language"] != "th"  # the Thai hint does not fit Latin text
    assert value["language"] == "th"


def test_short_caption_takes_the_declared_language(stage: TextStage, blobs: FileBlobStore) -> None:
    declared = stage_input(blobs, kind="image", caption="cantik sangat 😍", language="ms")
    undeclared = stage_input(blobs, kind="image", caption="cantik sangat 😍")
    emoji = stage_input(blobs, kind="image", caption="😍😍😍", language="th")
    first, second, third = _run(stage, declared, undeclared, emoji)
    assert first["fields"]["caption"]["language"] == "ms"
    assert second["fields"]["caption"]["language"] in {"ms", "id"}  # either reading is fair
    assert third["fields"]["caption"]["language"] == "und"
    assert third["language"] == "th"  # nothing to detect: the post's own declaration


def test_missing_or_failed_upstreams_count_as_empty(stage: TextStage, blobs: FileBlobStore) -> None:
    caption = "Xin chào các bạn, hôm nay mình đi du lịch Đà Nẵng #dulich"
    bare = stage_input(blobs, kind="video", caption=caption)
    empty = stage_input(blobs, kind="video", caption=caption, upstream={"ocr": {"text": ""}})
    first, second = _run(stage, bare, empty)
    assert first == second
    assert first["language"] == "vi"
    assert "đà_nẵng" in first["fields"]["caption"]["tokens"]
    assert first["entities"] == []  # no English field, no NER


def test_hashtags_are_learned_for_later_posts(stage: TextStage, blobs: FileBlobStore) -> None:
    later = stage_input(blobs, kind="text", caption="分享我的萌宠日常生活", language="zh")
    before = _run(stage, later)[0]["fields"]["caption"]["tokens"]
    assert "萌宠日常" not in before
    _run(stage, stage_input(blobs, kind="text", caption="#萌宠日常", language="zh"))
    after = _run(stage, later)[0]["fields"]["caption"]["tokens"]
    assert "萌宠日常" in after
