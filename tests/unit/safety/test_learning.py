"""The learning loop: review decisions become labels; retraining on them (real E5 vectors)
improves a head's held-out F1, stores before/after metrics, and rolls back when precision
at the operating point falls; active learning picks uncertain, diverse posts."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from reelstack.cli.main import app
from reelstack.core.errors import InvalidInput
from reelstack.core.records import Decision, Feature, ReviewJob
from reelstack.runtime.platform import Platform
from reelstack.safety.decisions import DecisionLog
from reelstack.safety.few_shot import Example
from reelstack.safety.learning import Retrainer, held_out, labels_of
from reelstack.safety.review import ReviewService
from reelstack.safety.review.sampling import active_sample
from reelstack.testing.factories import make_creator, make_item
from reelstack.understand import vectors

SEED_SCAMS = [
    "Send 0.5 BTC and I will send back 1 BTC, limited giveaway",
    "Crypto giveaway! Send ETH to this wallet and get double back",
    "Elon is giving away bitcoin, send 0.1 BTC to join",
    "Double your crypto in one hour, send coins to my wallet",
    "Free bitcoin giveaway, transfer any amount and receive 2x",
]
SEED_FINE = [
    "My grandmother's dumpling recipe, step by step",
    "Sunrise hike to the top of the volcano",
    "Teaching my puppy to sit in one afternoon",
    "Three easy chords for your first guitar song",
    "A rainy afternoon in a Kyoto tea house",
]
SCAMS = [
    "Earn {} a day from home, no experience needed, DM me to start today",
    "You have been selected for a {} cash prize, pay the small release fee to claim it",
    "Your bank account is locked, verify your card details at my link to get back {}",
    "Instant loan of {} approved for everyone, no credit check, just pay the processing fee",
    "My mentor turned 200 dollars into {} in a week, message me for his secret signals",
    "Concert tickets for {} only, pay by gift card and I will send them tonight",
    "Work as a parcel reshipper and make {} weekly, send a copy of your passport to apply",
    "Congratulations, your phone number won {} in the lottery, send your bank PIN to receive it",
    "Guaranteed {} monthly return, invest today, withdrawals any time, DM for the link",
    "Government grant of {} waiting for you, pay the transfer tax by wire to unlock it",
]
FINE = [
    "Bitcoin fell {} today after the central bank kept rates unchanged, analysts say",
    "Our bakery opens Saturday, the first {} customers get a free croissant",
    "We're hiring a barista for {} an hour, apply in store with your CV",
    "How to spot phishing: your bank will never ask for your PIN, even for {}",
    "I paid off {} of student debt in three years by cooking at home, here is my budget",
    "Budget travel in Vietnam on {} a day: street food, buses and hostels",
    "Unboxing the new camera I saved {} for, first impressions and sample shots",
    "The history of money: why a {} note is just paper and trust",
    "Charity run this Sunday raised {} for the children's hospital, thank you all",
    "Stock market basics for beginners: index funds, fees and why {} matters",
]
AMOUNTS = ["$300", "5,000 euros", "two thousand dollars"]


def _labels() -> list[tuple[str, bool]]:
    rows = [(t.format(a), True) for t in SCAMS for a in AMOUNTS]
    rows += [(t.format(a), False) for t in FINE for a in AMOUNTS]
    return rows


def test_labels_of_decisions() -> None:
    job = ReviewJob(id="j", item_id="i", queue="spam", policy_id="spam",
                    details={"auto": {"policy_id": "harassment"}})  # fmt: skip
    removed = Decision(id="d", item_id="i", action="remove", policy_id="spam.scam")
    assert labels_of(job, removed) == [("harassment", False), ("spam.scam", True)]
    allowed = Decision(id="d", item_id="i", action="allow")
    assert labels_of(job, allowed) == [("spam", False), ("harassment", False)]
    appeal = ReviewJob(id="a", item_id="i", queue="appeals", source="appeal", policy_id="hate")
    assert labels_of(appeal, allowed) == [("hate", False)]
    assert labels_of(appeal, Decision(id="d", item_id="i", action="remove")) == [("hate", True)]


def _review_labels(platform: Platform, labels: list[tuple[str, bool]]) -> None:
    """Every text as a reported post, decided by a reviewer through the review service."""
    creator = platform.store.upsert_creator(make_creator())
    review = ReviewService.for_platform(platform)
    for text, violates in labels:
        item = platform.store.insert_item(make_item(creator, caption=text, hashtags=[]))
        review.report(item.id, "u1", "spam.scam", "looks like a scam")
        job = review.next("ana", "spam")
        review.decide(job.id, "ana", "remove" if violates else "allow",
                      "spam.scam" if violates else None, "")  # fmt: skip


def test_reviewer_labels_retrain_a_head_that_improves_and_rolls_back(
    platform: Platform, tmp_path
) -> None:
    heads = platform.heads
    heads.add_examples("spam.scam", [Example(t, True) for t in SEED_SCAMS]
                       + [Example(t, False) for t in SEED_FINE], "admin")  # fmt: skip
    first = heads.train("spam.scam")
    labels = _labels()
    _review_labels(platform, labels)
    rows = heads.rows("spam.scam")
    assert sum(r["by"] == "reviewer:ana" for r in rows) == len(labels) == 60
    retrainer = Retrainer(heads, platform.store)
    [run] = retrainer.retrain(platform.policies.current("content"))
    before, after = run["before"], run["after"]
    assert run["outcome"] == "promoted" and run["operating_point"] == 0.7
    assert run["held_out"]["positive"] >= 2 and run["held_out"]["negative"] >= 2
    assert run["held_out"]["positive"] + run["held_out"]["negative"] == sum(
        held_out(t) for t, _ in labels)  # fmt: skip
    assert after["f1"] > before["f1"] and after["precision"] >= before["precision"]
    head = heads.head("spam.scam")
    assert head["version"] == first["version"] + 1 == run["version"]
    assert head["retrain"]["before"] == before and head["retrain"]["after"] == after
    assert head["calibration"]["operating_point"] == 0.7
    assert retrainer.runs("spam.scam")[-1]["outcome"] == "promoted"
    [(_, audit)] = platform.store.find_audit(action_prefix="model.retrain")
    assert audit.subject_id == "spam.scam" and audit.details["after"] == after
    # Poisoned labels: every training label flipped. The candidate's precision collapses on
    # the held-out labels, so the promoted head is restored on top of it.
    flipped = [Example(t, not v) for t, v in labels if not held_out(t)]
    heads.add_examples("spam.scam", flipped, "reviewer:mallory")
    data = str(platform.settings.data_dir)
    args = ["safety", "retrain", "--data", data, "--policy", "spam.scam", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    [rolled] = json.loads(result.output)
    assert rolled["outcome"] == "rolled_back" and "precision" in rolled["why"]
    assert rolled["after"]["precision"] < rolled["before"]["precision"]
    restored = heads.head("spam.scam")
    assert restored["version"] == rolled["version"] == rolled["candidate_version"] + 1
    assert restored["coef"] == head["coef"] and restored["rollback"]["restores"] == head["version"]


def test_retrain_says_why_it_skips(platform: Platform) -> None:
    platform.heads.add_examples("hate", [Example("some text", True)], "reviewer:ana")
    [run] = Retrainer(platform.heads).retrain(platform.policies.current("content"))
    assert run["outcome"] == "skipped" and "training labels" in run["why"]
    assert platform.heads.head("hate") is None


def _scored(platform: Platform, caption: str, score: float, vector: np.ndarray) -> str:
    creator = platform.store.upsert_creator(make_creator())
    item = platform.store.insert_item(make_item(creator, caption=caption))
    value = {"vector": vectors.encode(vector)}
    platform.store.put_feature(Feature(item_id=item.id, stage="embed", model_name="e5",
                                       model_version="1", value=value))  # fmt: skip
    scores = [{"policy_id": "spam", "detector": "text.spam", "score": score,
               "model_version": "1"}]  # fmt: skip
    action = "review" if 0.5 <= score < 0.7 else ("allow" if score < 0.5 else "demote")
    policy = "spam" if score >= 0.5 else None
    DecisionLog(platform.store).record(item.id, action, actor="reelstack.moderation",
                                       policy_id=policy, scores=scores)  # fmt: skip
    return item.id


def test_active_learning_picks_uncertain_diverse_posts_and_a_random_share(
    platform: Platform,
) -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(size=8)
    twin = base + rng.normal(scale=0.01, size=8)  # a near-duplicate of ``base``
    ids = {
        "edge": _scored(platform, "almost spam", 0.69, base),
        "twin": _scored(platform, "almost spam again", 0.69, twin),
        "close": _scored(platform, "borderline", 0.55, rng.normal(size=8)),
        "sure": _scored(platform, "obvious spam", 0.99, rng.normal(size=8)),
        "clean": _scored(platform, "a recipe", 0.01, rng.normal(size=8)),
    }
    for n in range(15):
        _scored(platform, f"calm post {n}", 0.05, rng.normal(size=8))
    jobs = active_sample(platform.store, platform.policies, 4, random_share=0.25, seed=1)
    samplers = [j.sampler for j in jobs]
    assert samplers.count("random") == 1 and samplers.count("uncertainty") == 3
    picked = [j for j in jobs if j.sampler == "uncertainty"]
    assert picked[0].item_id in (ids["edge"], ids["twin"])  # the most uncertain first
    assert not {ids["edge"], ids["twin"]} <= {j.item_id for j in jobs}  # no near-duplicates
    assert ids["close"] in {j.item_id for j in picked}
    assert all((j.queue, j.source) == ("spam", "active") for j in picked)
    assert all(j.details["uncertainty"] > 0 for j in picked)
    assert [j.queue for j in jobs if j.sampler == "random"] == ["quality"]
    again = active_sample(platform.store, platform.policies, 4, random_share=0.25, seed=1)
    assert not {j.item_id for j in again} & {j.item_id for j in jobs}  # waiting posts skipped
    with pytest.raises(InvalidInput, match="random_share"):
        active_sample(platform.store, platform.policies, 4, random_share=2)
