"""DSA statements of reasons name their source: a decision taken because a user reported the
post is ``SOURCE_ARTICLE_16`` (a notice); automation and own-initiative review are
``SOURCE_VOLUNTARY``."""

from __future__ import annotations

from reelstack.runtime.platform import Platform
from reelstack.safety.audit import statements
from reelstack.safety.decisions import DecisionLog
from reelstack.safety.review import ReviewService
from reelstack.safety.review.jobs import build_job
from reelstack.safety.review.sampling import quality_sample
from reelstack.testing.factories import make_creator, make_item


def _posts(platform: Platform, *captions: str) -> list[str]:
    creator = platform.store.upsert_creator(make_creator())
    return [platform.store.insert_item(make_item(creator, caption=c)).id for c in captions]


def _remove_next(review: ReviewService, queue: str) -> str:
    job = review.next("ana", queue)
    return review.decide(job.id, "ana", "remove", "spam.scam", "scam")[0].item_id


def test_statement_source_follows_what_led_to_the_decision(platform: Platform) -> None:
    reported, flagged, flagged_and_reported, sampled, automated = _posts(
        platform, "reported", "flagged", "flagged and reported", "sampled", "automated"
    )
    review = ReviewService.for_platform(platform)
    review.report(reported, "u1", "spam.scam", "asks for my bank PIN")
    assert _remove_next(review, "spam") == reported
    content = platform.policies.current("content")
    for item_id in (flagged, flagged_and_reported):
        item = platform.store.get_item(item_id)
        job = build_job(
            platform.store,
            item,
            content,
            queue="spam",
            source="moderation",
            policy_id="spam.scam",
            score=0.6,
        )
        platform.store.open_review_job(job)
    review.report(flagged_and_reported, "u2", "spam.scam")  # folds into the flagged job
    assert {_remove_next(review, "spam") for _ in range(2)} == {flagged, flagged_and_reported}
    quality_sample(platform.store, platform.policies, 5, seed=3)  # every post
    while (job := review.next("ana", "quality")) is not None:
        action = "remove" if job.item_id == sampled else "allow"
        review.decide(job.id, "ana", action, "spam.scam" if action == "remove" else None, "")
    DecisionLog(platform.store).record(automated, "remove", actor="test", policy_id="spam.scam")
    sources = {s["puid"]: s["source_type"] for s in statements(platform.store, platform.store)}
    assert sources == {
        reported: "SOURCE_ARTICLE_16",
        flagged_and_reported: "SOURCE_ARTICLE_16",
        flagged: "SOURCE_VOLUNTARY",
        sampled: "SOURCE_VOLUNTARY",
        automated: "SOURCE_VOLUNTARY",
    }
