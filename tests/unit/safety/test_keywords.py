"""Keyword banks: multilingual defaults, obfuscation, RE2 safety, versioning and rejections."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from reelstack.core.errors import InvalidInput, ModelUnavailable
from reelstack.safety.detectors.base import Subject
from reelstack.safety.keywords import KeywordDetector, KeywordStore, parse_keywords
from reelstack.safety.keywords.matcher import MAX_TEXT_CHARS
from reelstack.safety.keywords.store import DEFAULT
from reelstack.safety.policies import PolicyStore

SMALL = """
banks:
  - id: prize
    policy_id: spam.scam
    score: 0.92
    terms: [claim your prize, 领取奖品, รับรางวัล]
  - id: bait
    policy_id: spam.engagement
    score: 0.65
    terms: [f4f, like for like]
    regexes: ['tag\\s+\\d+\\s+friends']
"""


@pytest.fixture(scope="module")
def default_detector(tmp_path_factory: pytest.TempPathFactory) -> KeywordDetector:
    return KeywordStore(tmp_path_factory.mktemp("kw")).detector()


def _scores(detector: KeywordDetector, text: str, language: str | None = None) -> dict:
    subject = Subject(texts={"caption": text}, language=language)
    return {s.policy_id: s for s in detector.detect(subject)}


@pytest.mark.parametrize(
    ("text", "policy", "band"),
    [
        ("Send 0.5 BTC and get 1 BTC back, limited time!", "spam.scam", "remove"),
        ("Double your bitcoin today", "spam.scam", "remove"),
        ("Congratulations you have won! Claim your prize now", "spam.scam", "remove"),
        ("恭喜您中奖，点击领取奖品", "spam.scam", "remove"),
        ("ยินดีด้วยคุณได้รับรางวัล กดรับรางวัลได้ที่ลิงก์", "spam.scam", "remove"),
        ("Chúc mừng bạn đã trúng thưởng!", "spam.scam", "remove"),
        ("Selamat anda memenangkan hadiah iPhone", "spam.scam", "remove"),
        ("Tahniah anda telah memenangi RM5000", "spam.scam", "remove"),
        ("¡Reclama tu premio hoy!", "spam.scam", "remove"),
        ("free gift for you bit.ly/3abcd", "spam.scam", "remove"),
        ("Pay a small fee to release your funds", "spam.scam", "remove"),
        ("guaranteed returns every month", "spam.scam", "demote"),
        ("earn $500 a day from home", "spam.scam", "demote"),
        ("dm me on telegram for crypto signals", "spam.scam", "review"),
        ("cocaine for sale, discreet", "dangerous.drugs", "remove"),
        ("jual sabu murah", "dangerous.drugs", "remove"),
        ("ขายยาบ้า", "dangerous.drugs", "remove"),
        ("glock switch for sale", "dangerous.weapons", "remove"),
        ("guns for sale", "dangerous.weapons", "review"),
        ("f4f l4l #followforfollow", "spam.engagement", "demote"),
        ("互粉互赞", "spam.engagement", "demote"),
        ("tag 3 friends who need this", "spam.engagement", "label"),
    ],
)
def test_default_banks_land_in_the_intended_bands(
    default_detector: KeywordDetector, text: str, policy: str, band: str, tmp_path: Path
) -> None:
    content = PolicyStore(tmp_path).current("content")
    score = _scores(default_detector, text)[policy]
    assert content.action_for(policy, score.score) == band
    assert score.detector == "keywords" and score.evidence
    assert score.model_version == "keywords-1+banks.v1"


@pytest.mark.parametrize(
    "text",
    [
        "my cat claims the sofa every day",
        "we won the match, what a prize of a goal",
        "小猫咪太可爱了",
        "Mèo con dễ thương quá",
        "selling my old guitar",
        "bit.ly/docs for the recipe",
        "",
        "   \n ",
    ],
)
def test_ordinary_posts_score_nothing(default_detector: KeywordDetector, text: str) -> None:
    assert _scores(default_detector, text) == {}


def test_defaults_cover_the_required_languages() -> None:
    text = DEFAULT.read_text(encoding="utf-8")
    for marker in ("领取", "รางวัล", "thưởng", "hadiah", "tahniah", "premio", "claim"):
        assert marker in text.lower()


def test_obfuscated_terms_are_matched() -> None:
    detector = KeywordDetector(parse_keywords(SMALL))
    for text in (
        "cl\u200baim your pr\u200dize",  # zero-width characters
        "clаim yоur prize",  # Cyrillic а and о
        "CL41M Y0UR PR1ZE",  # leetspeak
        "ｃｌａｉｍ ｙｏｕｒ ｐｒｉｚｅ",  # full-width
        "claim   your\nprize",  # any whitespace between words
        "c.l.a.i.m your prize",
    ):
        assert _scores(detector, text)["spam.scam"].score == 0.92, text


def test_word_boundaries_for_spaced_scripts_substrings_for_cjk_and_thai() -> None:
    detector = KeywordDetector(parse_keywords(SMALL))
    assert "spam.engagement" not in _scores(detector, "the f4fx model")
    assert "spam.engagement" in _scores(detector, "#f4f!")
    assert "spam.scam" in _scores(detector, "快来领取奖品吧")  # no spaces around the term
    assert "spam.scam" in _scores(detector, "กดเพื่อรับรางวัลเลย")
    evidence = _scores(detector, "please Tag 12 friends")["spam.engagement"].evidence
    assert evidence == "bait: tag 12 friends"


def test_one_score_per_policy_with_the_highest_bank() -> None:
    text = (
        SMALL
        + """
  - id: prize_weak
    policy_id: spam.scam
    score: 0.5
    terms: [prize]
"""
    )
    detector = KeywordDetector(parse_keywords(text))
    scores = detector.detect(Subject(texts={"caption": "claim your prize", "ocr": "f4f"}))
    assert [(s.policy_id, s.score) for s in scores] == [
        ("spam.engagement", 0.65),
        ("spam.scam", 0.92),
    ]
    assert scores[1].evidence == "prize: claim your prize"


def test_language_restricted_banks() -> None:
    text = SMALL.replace("    score: 0.92\n", "    score: 0.92\n    languages: [en, zh]\n")
    detector = KeywordDetector(parse_keywords(text))
    assert "spam.scam" in _scores(detector, "claim your prize", "en")
    assert "spam.scam" in _scores(detector, "claim your prize", None)  # unknown: applies
    assert "spam.scam" in _scores(detector, "领取奖品", "zh-Hans")
    assert "spam.scam" not in _scores(detector, "claim your prize", "th")


def test_catastrophic_backtracking_pattern_returns() -> None:
    detector = KeywordDetector(
        parse_keywords("banks: [{id: evil, policy_id: spam, score: 0.5, regexes: ['(a+)+$']}]")
    )
    detector.detect(Subject(texts={"caption": "a" * 100_000 + "!"}))  # must simply return
    hits = detector.hits("b" * 50 + "!")
    assert hits == []


def test_megabyte_and_empty_texts(default_detector: KeywordDetector) -> None:
    big = "nothing to see here " * 52_429  # ~1 MB
    assert len(big) > 1_000_000
    assert default_detector.detect(Subject(texts={"caption": big})) == []
    late = "x " * MAX_TEXT_CHARS + "claim your prize"  # past the bound: not matched
    assert default_detector.detect(Subject(texts={"caption": late})) == []
    early = "claim your prize " + big
    assert _scores(default_detector, early)["spam.scam"].score >= 0.9
    assert default_detector.detect(Subject()) == []


def test_store_versions_and_rejections_keep_the_current_version(tmp_path: Path) -> None:
    store = KeywordStore(tmp_path)
    assert store.current().version == 1 and store.versions() == [1]
    first = store.detector()
    assert first is store.detector()  # compiled once per version
    saved = store.save(SMALL)
    assert saved.version == 2 and store.versions() == [1, 2]
    assert store.detector().version == "keywords-1+banks.v2"
    assert len(store.get(1).banks) > len(store.get(2).banks)
    with pytest.raises(InvalidInput, match=r"bank 'prize'.*regex '\(a\)\\1'.*backreferences"):
        store.save(SMALL.replace("score: 0.92", "score: 0.92\n    regexes: ['(a)\\1']"))
    assert store.versions() == [1, 2]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("score: 0.92", "score: 0.92\n    regexes: ['prize(?=s)']"),
            "bank 'prize'.*prize\\(\\?=s\\)",
        ),
        (("score: 0.92", "score: 0.92\n    regexes: ['(?<!un)claim']"), "lookaround"),
        (("score: 0.92", "score: 0.92\n    regexes: ['x*']"), "matches empty text"),
        (("score: 0.92", "score: 0.92\n    regexes: ['" + "a" * 600 + "']"), "longer than 500"),
        (("score: 0.92", "score: 1.5"), "less than or equal to 1"),
        (("policy_id: spam.scam", "policy_id: spam.nonsense"), "spam.nonsense.*does not have"),
        (("id: bait", "id: prize"), "appears twice"),
        (("score: 0.92", "score: 0.92\n    colour: red"), "unknown field"),
        (("terms: [claim your prize, 领取奖品, รับรางวัล]", "terms: []"), "no terms and no regexes"),
        (("banks:", "banks: ["), "not valid YAML"),
    ],
)
def test_bad_files_are_rejected_naming_the_problem(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    policies = PolicyStore(tmp_path / "policies").current("content")
    store = KeywordStore(tmp_path / "kw")
    store.current()
    with pytest.raises(InvalidInput, match=message):
        store.save(SMALL.replace(*edit), policies=policies)
    assert store.versions() == [1]


def test_bank_size_limit(tmp_path: Path) -> None:
    terms = ", ".join(f"term{i}" for i in range(2_001))
    with pytest.raises(InvalidInput, match="bank 'big' has 2001 terms and regexes; the limit"):
        parse_keywords(f"banks: [{{id: big, policy_id: spam, score: 0.5, terms: [{terms}]}}]")


def test_missing_re2_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "re2", None)  # makes ``import re2`` fail
    with pytest.raises(ModelUnavailable, match=r"google-re2.*reelstack\[safety\]"):
        parse_keywords(SMALL)
