"""Fonts and sample media are found, and their absence degrades instead of failing."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from PIL import Image

from reelstack.demo import assets, captions, vocab
from reelstack.demo.captions import text_stamp


@pytest.fixture
def no_fonts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(assets, "FONT_DIRS", (str(tmp_path),))
    for cached in (assets._font_index, assets.find_fonts, assets.load_font):
        cached.cache_clear()
    yield
    for cached in (assets._font_index, assets.find_fonts, assets.load_font):
        cached.cache_clear()


def test_every_topic_has_sample_media() -> None:
    found = assets.available_topics()
    assert set(found) == set(assets.TOPICS)
    assert all(path.is_file() for paths in found.values() for path in paths)


def test_missing_fonts_fall_back_to_pillow_default(no_fonts, caplog) -> None:
    assert not assets.covers("th") and not assets.covers("en")
    assert "no thai font" in caplog.text
    patch, alpha, _ = text_stamp("Hello วันนี้ 你好", (288, 512), random.Random(1), 24)
    assert isinstance(patch, Image.Image) and alpha.getbbox() is not None


def test_text_in_every_language_draws_something() -> None:
    for lang in vocab.LANGUAGES:
        text = captions.overlay_text(random.Random(2), "pets", lang)
        _patch, alpha, (x, y) = text_stamp(text, (288, 512), random.Random(3), 24)
        assert alpha.getbbox() is not None and x >= 0 and y >= 0


def test_runs_split_scripts_so_each_gets_its_font() -> None:
    from reelstack.demo.captions import _runs

    assert _runs("วันที่ 3 แมว") == [("thai", "วันที่ "), ("latin", "3 "), ("thai", "แมว")]
    assert [s for s, _ in _runs("第3天 cat")] == ["cjk", "latin", "cjk", "latin"]


def test_titles_seed_english_captions(tmp_path: Path) -> None:
    (tmp_path / "titles.csv").write_text(
        "1, my lazy cat sleeps all day\n2, short\n3, the rocket launch at dawn # space\n"
    )
    titles = captions.load_titles(tmp_path)
    assert titles["pets"] == [("1", "my lazy cat sleeps all day")]
    assert titles["space"] == [("3", "the rocket launch at dawn")]
    sources = {captions.topic_caption(random.Random(i), "pets", "en", titles).source
               for i in range(20)}  # fmt: skip
    assert sources == {"template", "microlens:1"}
    assert captions.load_titles(tmp_path / "missing") == {}
    assert captions.topic_caption(random.Random(1), "pets", "th", titles).source == "template"


def test_captions_carry_their_hashtags() -> None:
    rng = random.Random(4)
    for lang in vocab.LANGUAGES:
        for topic in vocab.SUBJECT:
            caption = captions.topic_caption(rng, topic, lang, {})
            assert 1 <= len(caption.hashtags) <= 4
            assert all(f"#{tag}" in caption.text for tag in caption.hashtags)
