"""Segmentation, language id and hashtag/mention/URL extraction on real multilingual text.

Every test runs with non-loopback networking blocked (tests/conftest.py), which proves that
jieba, pythainlp and pyvi work from what their wheels ship.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reelstack.models import ModelRegistry
from reelstack.understand.segment import (
    Segmenter,
    detect_language,
    extract_hashtags,
    extract_mentions,
    extract_urls,
    fold_accents,
    normalize_language,
    url_domain,
)


@pytest.fixture(scope="module")
def segmenter(tmp_path_factory: pytest.TempPathFactory) -> Segmenter:
    for module in ("jieba", "pythainlp", "pyvi"):
        pytest.importorskip(module, reason=f"{module} is in the 'understand' extra")
    return Segmenter(cache_dir=tmp_path_factory.mktemp("segmenter"))


@pytest.fixture(scope="module")
def identifier(tmp_path_factory: pytest.TempPathFactory) -> Any:
    pytest.importorskip("py3langid", reason="pip install py3langid==0.4.0")
    return ModelRegistry(cache_dir=tmp_path_factory.mktemp("models")).load("langid")


# -- segmentation ------------------------------------------------------------------------------


def test_chinese_hashtag_stays_whole_and_is_learned(tmp_path: Path) -> None:
    pytest.importorskip("jieba")
    import jieba

    seg = Segmenter(cache_dir=tmp_path)
    tokens = seg.segment("今天和我的猫一起拍了#萌宠日常 视频，太可爱了", "zh")
    assert " ".join(tokens) == "今天 和 我 的 猫 一起 拍 了 #萌宠日常 视频 太 可爱 了"
    # Without the hashtag sign jieba does not know the word ...
    assert "萌宠日常" not in seg.segment("萌宠日常分享", "zh")
    assert seg.learn(["#萌宠日常", "萌宠日常"]) == 1
    # ... until it has seen the tag; and only this segmenter learned it, not the global jieba.
    assert seg.segment("今天的萌宠日常分享", "zh") == ["今天", "的", "萌宠日常", "分享"]
    assert "萌宠日常" not in jieba.dt.FREQ
    assert "萌宠日常" not in Segmenter(cache_dir=tmp_path).segment("萌宠日常分享", "zh")
    assert list(tmp_path.glob("jieba*.cache")), "jieba's prefix cache goes to cache_dir"


def test_thai_newmm_keeps_marks_and_learns_tags(segmenter: Segmenter) -> None:
    tokens = segmenter.segment("วันนี้อากาศดีมาก ไปเที่ยวทะเลกัน #ทะเลสวย", "th")
    assert tokens == ["วันนี้", "อากาศ", "ดีมาก", "ไปเที่ยว", "ทะเล", "กัน", "#ทะเลสวย"]
    # NFKC would split SARA AM (ำ) in two and the dictionary would no longer match "น้ำ".
    assert segmenter.segment("ดื่มน้ำเยอะๆ นะ", "th") == ["ดื่ม", "น้ำ", "เยอะ", "ๆ", "นะ"]
    sentence = "ไปกินข้าวมันไก่ประตูน้ำ"
    assert "ข้าวมันไก่ประตูน้ำ" not in segmenter.segment(sentence, "th")
    segmenter.learn(["#ข้าวมันไก่ประตูน้ำ"])
    assert segmenter.segment(sentence, "th") == ["ไป", "กิน", "ข้าวมันไก่ประตูน้ำ"]


def test_vietnamese_compounds_keep_underscores(segmenter: Segmenter) -> None:
    text = "Hôm nay chúng tôi đi du lịch Hà Nội, đẹp quá!"
    tokens = ["hôm_nay", "chúng_tôi", "đi", "du_lịch", "hà_nội", "đẹp", "quá"]
    assert segmenter.segment(text, "vi") == tokens
    folded = ["hom_nay", "chung_toi", "di", "du_lich", "ha_noi", "dep", "qua"]
    assert segmenter.segment(text, "vi", fold=True) == folded


def test_english_regex_tokens_and_accent_folding(segmenter: Segmenter) -> None:
    text = "Café CRÈME at the Musée d'Orsay — don't miss it!! Straße"
    assert segmenter.segment(text, "en") == [
        "café", "crème", "at", "the", "musée", "d'orsay", "don't", "miss", "it", "strasse",
    ]  # fmt: skip
    assert segmenter.segment("Café crème", "en", fold=True) == ["cafe", "creme"]
    assert fold_accents("Crème brûlée à Đà Nẵng, Łódź") == "Creme brulee a Da Nang, Lodz"
    # Thai vowels and Devanagari signs are combining marks too, but not accents.
    assert fold_accents("น้ำ नमस्ते") == "น้ำ नमस्ते"


def test_indonesian_and_mixed_scripts(segmenter: Segmenter) -> None:
    text = "Hari ini saya beli buah-buahan segar di pasar, murah banget! #kuliner"
    assert segmenter.segment(text, "id") == [
        "hari", "ini", "saya", "beli", "buah", "buahan", "segar", "di", "pasar", "murah",
        "banget", "#kuliner",
    ]  # fmt: skip
    # An English caption with Chinese and Thai words: each script goes to its own segmenter.
    mixed = segmenter.segment("Cute cat 猫咪 so fluffy น่ารักมาก", "en")
    assert mixed == ["cute", "cat", "猫咪", "so", "fluffy", "น่ารัก", "มาก"]


def test_urls_are_dropped_and_mentions_kept(segmenter: Segmenter) -> None:
    text = "Deals at bit.ly/x9 and https://shop.example.com/a?b=1 by @Somchai.K ＃Sale ＡＢＣ"
    assert " ".join(segmenter.segment(text, "en")) == "deals at and by @somchai.k #sale abc"


def test_japanese_falls_back_to_characters(segmenter: Segmenter) -> None:
    assert segmenter.segment("東京タワーに行きました", "ja") == [
        "東", "京", "タワー", "に", "行", "き", "ま", "し", "た",
    ]  # fmt: skip


def test_missing_package_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from reelstack.core.errors import ModelUnavailable

    fresh = Segmenter()
    monkeypatch.setitem(sys.modules, "pyvi", None)  # import pyvi now raises ImportError
    with pytest.raises(ModelUnavailable, match="pyvi"):
        fresh.segment("Xin chào", "vi")


# -- language id ---------------------------------------------------------------------------


CAPTIONS = {
    "en": "My cat learned to open the fridge today and I honestly cannot believe it",
    "zh": "今天和我的猫一起拍了视频，她学会了自己打开冰箱，真是太聪明了",
    "th": "วันนี้แมวของฉันเรียนรู้ที่จะเปิดตู้เย็นได้เองแล้ว ฉลาดมากเลย",
    "vi": "Hôm nay con mèo của tôi đã học được cách tự mở tủ lạnh, thông minh quá",
    "id": "Kucing saya hari ini belajar membuka kulkas sendiri, pintar sekali dia",
    "ms": "Kerajaan Malaysia mengumumkan cuti umum tambahan bagi seluruh negeri esok",
}


@pytest.mark.parametrize("language", sorted(CAPTIONS))
def test_language_of_captions(identifier: Any, language: str) -> None:
    found, confidence = detect_language(identifier, CAPTIONS[language])
    # Malay and Indonesian share most of their vocabulary and langid.py confuses them on
    # one sentence; either is accepted for Malay (Indonesian sentences come out right).
    expected = {"ms", "id"} if language == "ms" else {language}
    assert found in expected
    assert 0.5 < confidence <= 1.0


def test_short_text_leans_on_the_hint(identifier: Any) -> None:
    assert detect_language(identifier, "so cute")[0] != "en"  # too short for langid alone
    assert detect_language(identifier, "so cute", hint="en-US")[0] == "en"
    assert detect_language(identifier, "好吃", hint="zh-Hans")[0] == "zh"
    # The hint must fit the script: a Thai post's Latin on-screen text is not Thai.
    assert detect_language(identifier, "SALE 50% OFF", hint="th")[0] != "th"
    assert detect_language(identifier, "อร่อยมาก", hint="en") == ("th", pytest.approx(1.0))
    # On a longer text the hint only breaks near-ties (here Indonesian vs Malay).
    text = "Saya sangat suka makan nasi goreng di warung dekat rumah"
    assert detect_language(identifier, text, hint="ms")[0] == "ms"
    assert detect_language(identifier, CAPTIONS["en"], hint="ms")[0] == "en"


def test_tags_and_links_do_not_vote(identifier: Any) -> None:
    text = "Trop mignon ce chat, il dort toute la journée #cute #funny #cat #viral #fyp bit.ly/c"
    language, confidence = detect_language(identifier, text)
    assert language == "fr" and confidence > dict(identifier.rank(text))["fr"]
    assert detect_language(identifier, "#makanan #enak")[0] in {"id", "ms"}  # tags are all it has


def test_language_id_edge_cases(identifier: Any) -> None:
    assert detect_language(identifier, "") == ("und", 0.0)
    assert detect_language(identifier, "😂😂 123 !!") == ("und", 0.0)
    labels = len(identifier.nb_classes)
    detect_language(identifier, "so cute", languages={"en", "fr"})
    assert len(identifier.nb_classes) == labels, "restricting must not mutate the identifier"
    lang, _ = detect_language(identifier, "Le chat dort sur le canapé", languages={"en", "fr"})
    assert lang == "fr"
    assert normalize_language("pt_BR") == "pt" and normalize_language("fil") == "tl"
    assert normalize_language(None) is None


# -- hashtags, mentions, URLs ----------------------------------------------------------------


def test_hashtags_in_every_script() -> None:
    text = "ไปกิน#อาหารไทย #ข้าวมันไก่ 拍了#萌宠日常# ＃可爱 #café_time #Café_Time #नमस्ते #2024"
    tags = "อาหารไทย ข้าวมันไก่ 萌宠日常 可爱 café_time नमस्ते"
    assert extract_hashtags(text) == tags.split(" ")
    assert extract_hashtags("C# and a#b and &#39; and example.com/#top") == []
    assert extract_hashtags("end of sentence #done.") == ["done"]


def test_mentions() -> None:
    text = "thanks @somchai.k and @Anna_B. 你好@小明 mail me@example.com, read medium.com/@writer"
    assert extract_mentions(text) == ["somchai.k", "Anna_B", "小明"]


def test_urls_with_and_without_scheme() -> None:
    text = (
        "Win big: bit.ly/x9Zq, t.me/deals and https://shop.example.com/a(b)?q=1). "
        "Also www.Foo.com! shopee.co.id lazada.com.my/abc example.org. 看看bit.ly/y看看"
    )
    assert extract_urls(text) == [
        "bit.ly/x9Zq", "t.me/deals", "https://shop.example.com/a(b)?q=1", "www.Foo.com",
        "shopee.co.id", "lazada.com.my/abc", "example.org", "bit.ly/y",
    ]  # fmt: skip
    not_links = "e.g. this, ok.so cool, pi is 3.14, run file.py, Mr.Smith, love.it, bit.lyx"
    assert extract_urls(not_links) == []
    assert [url_domain(u) for u in ("bit.ly/x", "https://www.Example.com/a")] == [
        "bit.ly",
        "example.com",
    ]
