"""text.spam and text.abuse with their real shipped models: scams, insults, obfuscation, limits."""

from __future__ import annotations

import json
import sys
import threading
from collections import defaultdict
from pathlib import Path

import pytest

from reelstack.core.errors import ModelUnavailable
from reelstack.safety.detectors.abuse import AbuseDetector, WordList, load_wordlists
from reelstack.safety.detectors.base import Subject
from reelstack.safety.detectors.spam import SpamDetector, load_model

CASES = Path(__file__).resolve().parents[3] / "bench" / "data" / "abuse_cases.jsonl"
MIN_CASE_ACCURACY = 0.9  # over every hand-written case
MIN_LANGUAGE_ACCURACY = 0.75  # in each language
MIN_OBFUSCATED_RECALL = 0.9  # abusive cases written with leetspeak, zero-width, homoglyphs...


@pytest.fixture(scope="module")
def spam() -> SpamDetector:
    return SpamDetector()


@pytest.fixture(scope="module")
def abuse() -> AbuseDetector:
    return AbuseDetector()


def _score(detector, text: str, language: str | None = None) -> float:
    scores = detector.detect(Subject(texts={"caption": text}, language=language))
    return max((s.score for s in scores), default=0.0)


# -- text.spam ---------------------------------------------------------------------------


def test_crypto_giveaway_scam_is_removed_and_normal_caption_is_not(spam: SpamDetector) -> None:
    scam = Subject(
        texts={
            "caption": "Elon Musk is giving away 5,000 BTC to celebrate! Send 0.1 BTC to the "
            "wallet in my bio and get 0.2 BTC back instantly 🚀 only 2 hours left",
            "ocr": "",
        },
        language="en",
    )
    [score] = spam.detect(scam)
    assert (score.policy_id, score.detector) == ("spam", "text.spam")
    assert score.score >= 0.9  # the spam policy's remove band
    assert score.evidence is not None and score.evidence.startswith("caption: Elon Musk")
    assert score.model_version == spam.version
    assert _score(spam, "Sunday pancakes with my little sister, recipe below 🥞") < 0.3
    assert _score(spam, "Sunset hike at the lake with the dog #weekend") < 0.3


@pytest.mark.parametrize(
    "text",
    [
        "Congratulations! You won an iPhone 17, claim it at apple-reward.top/x7 before midnight",
        "Your PayPal account is suspended, verify your identity now: paypal-secure.xyz/login",
        "Trabaja desde casa y gana $300 al día solo dando like, escríbeme al +34911222333",
        "Fr33 b1tc0in airdrop, connect your wallet at claim-bonus.click",
    ],
)
def test_other_scams_reach_at_least_review(spam: SpamDetector, text: str) -> None:
    assert _score(spam, text) >= 0.5


def test_spam_version_names_code_file_and_hash(spam: SpamDetector) -> None:
    name, model = spam.version.split(" ")
    assert name.startswith("text.spam/spam-")
    assert model.startswith("spam-v1.skops:") and len(model.split(":")[1]) == 12


# -- text.abuse ----------------------------------------------------------------------------


def test_hand_written_cases_in_ten_languages(abuse: AbuseDetector) -> None:
    rows = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines()]
    by_lang: dict[str, list[bool]] = defaultdict(list)
    obfuscated: list[bool] = []
    for row in rows:
        correct = (_score(abuse, row["text"], row["lang"]) >= 0.5) == row["abusive"]
        by_lang[row["lang"]].append(correct)
        if row["abusive"] and row["note"]:
            obfuscated.append(correct)
    assert len(by_lang) >= 5 and all(len(v) >= 8 for v in by_lang.values())
    assert sum(r["abusive"] for r in rows) * 2 == len(rows)
    overall = sum(sum(v) for v in by_lang.values()) / len(rows)
    assert overall >= MIN_CASE_ACCURACY, overall
    for lang, results in by_lang.items():
        assert sum(results) / len(results) >= MIN_LANGUAGE_ACCURACY, lang
    assert len(obfuscated) >= 15
    assert sum(obfuscated) / len(obfuscated) >= MIN_OBFUSCATED_RECALL


@pytest.mark.parametrize(
    ("text", "language", "term"),
    [
        ("eres un 1d10t@", "es", "idiota"),  # leetspeak
        ("du bist ein arsch\u200bloch", "de", "arschloch"),  # zero-width
        ("t'es un соnnаrd", "fr", "connard"),  # Cyrillic о and а
        ("você é um o t á r i o", "pt", "otário"),  # spaced out
        ("dasar g0bl0k lu", "id", "goblok"),
        ("mày là đồ ngu", "vi", "đồ ngu"),
        ("你这个傻\u200b逼", "zh", "傻逼"),
        ("มึงมันไอ้ควาย", "th", "ไอ้ควาย"),
        ("kau ni pukim4k", "ms", "pukimak"),
    ],
)
def test_obfuscated_insults_are_found_with_the_term_as_evidence(
    abuse: AbuseDetector, text: str, language: str, term: str
) -> None:
    [score] = abuse.detect(Subject(texts={"caption": text}, language=language))
    assert score.policy_id == "harassment.insult"
    assert score.score >= 0.7
    assert score.evidence == term


def test_english_uses_the_classifier(abuse: AbuseDetector) -> None:
    [score] = abuse.detect(
        Subject(texts={"caption": "shut up you fuuuucking l0ser"}, language="en")
    )
    assert score.score >= 0.9 and score.evidence == "classifier"
    assert _score(abuse, "this ramen is insanely good, you have to try it", "en") < 0.3


def test_ordinary_words_of_one_language_are_not_insults_in_another(abuse: AbuseDetector) -> None:
    assert _score(abuse, "voy con mi perro a la playa", None) < 0.5  # French "con"
    assert _score(abuse, "anjing aku lucu banget", "id") == 0.0  # Indonesian "dog"
    assert _score(abuse, "夏のバカンスに行きます", "ja") == 0.0  # バカ inside バカンス
    assert _score(abuse, "ส่งหีบห่อไปรษณีย์แล้ว", "th") == 0.0  # หี inside หีบ


def test_mixed_scripts(abuse: AbuseDetector, spam: SpamDetector) -> None:
    [score] = abuse.detect(Subject(texts={"caption": "lol you are a 傻逼 fr"}, language="en"))
    assert score.score >= 0.9
    assert _score(abuse, "Xin chào 大家好, hello from Hà Nội สวัสดี", None) < 0.5
    assert _score(spam, "免费送 BTC!! Send 0.5 BTC to my wallet, get 1 BTC back 🚀 bit.ly/x") >= 0.9
    assert _score(spam, "Phở ngon quá 好吃 so good, see you in Hà Nội") < 0.5


def test_abuse_version_names_packages_and_word_lists(abuse: AbuseDetector) -> None:
    version = abuse.version
    assert version.startswith("text.abuse/abuse-")
    assert "alt-profanity-check==1.9.1" in version and "scikit-learn==" in version
    _, digest = load_wordlists()
    assert f"wordlists:{digest[:12]}" in version


def test_word_lists_cover_the_required_languages() -> None:
    lists, _ = load_wordlists()
    assert {"en", "es", "fr", "de", "pt", "id", "ms", "vi", "th", "zh"} <= set(lists)
    for words in lists.values():
        assert len(words.sections.get("insult", [])) >= 10, words.lang
    with pytest.raises(ValueError, match="unknown section"):
        WordList.parse("xx", "[slurs]\nword\n")


# -- both ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n ", "\u200b\u200d"])
def test_empty_text_scores_nothing(spam: SpamDetector, abuse: AbuseDetector, text: str) -> None:
    for detector in (spam, abuse):
        scores = detector.detect(Subject(texts={"caption": text}))
        assert all(s.score <= 0.0 for s in scores)
        assert all(s.score <= 0.0 for s in detector.detect(Subject()))


def test_a_megabyte_of_text_completes_with_bounded_output(
    spam: SpamDetector, abuse: AbuseDetector
) -> None:
    big = ("free money now " * 10 + "nice weather today you idiot ") * 6000
    assert len(big) > 1_000_000
    subject = Subject(texts={"caption": big, "transcript": big})
    for detector in (spam, abuse):
        scores = detector.detect(subject)
        assert len(scores) == 1
        assert 0.0 <= scores[0].score <= 1.0
        assert len(scores[0].evidence or "") <= 100


def test_threads_share_one_load(abuse: AbuseDetector) -> None:
    fresh = SpamDetector()
    results: list[float] = []
    texts = ["Send 0.1 ETH, get 0.2 ETH back, link in bio", "my cat sleeping in the sun"]

    def work() -> None:
        results.extend(_score(fresh, t) for t in texts)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and len(set(results)) == 2


def test_missing_packages_name_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "profanity_check", None)
    with pytest.raises(ModelUnavailable, match="alt-profanity-check"):
        AbuseDetector().detect(Subject(texts={"caption": "hello"}))
    # without the classifier the word lists still work
    assert _score(AbuseDetector(use_classifier=False), "eres un idiota", "es") >= 0.9
    monkeypatch.setitem(sys.modules, "skops.io", None)
    with pytest.raises(ModelUnavailable, match="skops"):
        SpamDetector().detect(Subject(texts={"caption": "hello"}))


def test_a_model_file_asking_for_untrusted_code_is_refused(tmp_path: Path) -> None:
    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer

    path = tmp_path / "evil.skops"
    sio.dump(FunctionTransformer(func=json.loads), path)  # a function skops does not trust
    with pytest.raises(ModelUnavailable, match="cannot load"):
        load_model(path)
    with pytest.raises(ModelUnavailable, match="missing"):
        SpamDetector(tmp_path / "absent.skops").detect(Subject(texts={"caption": "hi"}))
