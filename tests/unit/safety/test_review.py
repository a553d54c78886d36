"""Review queues: jobs from verdicts, reports and samples, in priority order; one lease per job;
manual decisions that apply at once; skips; SLA clocks; racing reviewers."""

from __future__ import annotations

import threading

import pytest

from reelstack.core import clock
from reelstack.core.errors import Conflict, InvalidInput, NotFound
from reelstack.core.records import Creator
from reelstack.runtime.platform import Platform
from reelstack.safety.detectors.base import Score, Subject
from reelstack.safety.moderation import ModerationService
from reelstack.safety.review import ReviewService
from reelstack.safety.review.priority import expected_reach, uncertainty
from reelstack.safety.review.sampling import quality_sample
from reelstack.safety.visibility import Viewer, visibility
from reelstack.testing.factories import make_creator, make_event, make_item


class WordDetector:
    name = "test.word"
    version = "test.word/1"

    def __init__(self, scores: dict[str, tuple[str, float]]) -> None:
        self.scores = scores  # word -> (policy, score)

    def detect(self, subject: Subject) -> list[Score]:
        return [Score(policy, self.name, score, self.version, word)
                for word, (policy, score) in self.scores.items()
                if word in subject.text.lower()]  # fmt: skip


WORDS = {"idiot": ("harassment", 0.72), "moron": ("harassment", 0.8),
         "threat": ("harassment.threat", 0.45), "giveaway": ("spam.scam", 0.97)}  # fmt: skip


@pytest.fixture
def moderation(platform: Platform) -> ModerationService:
    return ModerationService(platform.store, platform.policies, lambda: [WordDetector(WORDS)],
                             stream=platform.stream)  # fmt: skip


@pytest.fixture
def review(platform: Platform) -> ReviewService:
    return ReviewService.for_platform(platform)


def _item(platform: Platform, caption: str, followers: int = 0, language: str = "en") -> str:
    creator = make_creator()
    creator = platform.store.upsert_creator(
        Creator(id=creator.id, handle=creator.handle, followers=followers)
    )
    item = make_item(creator, caption=caption, language=language, created_at=clock.now() - 7200)
    return platform.store.insert_item(item).id


def test_priority_parts_behave() -> None:
    assert expected_reach({}, 0, 0.0, 0.0) == 1.0
    quiet = expected_reach({"view": 10}, 0, 0.0, 10 * 3600.0)
    viral = expected_reach({"view": 10_000}, 0, 0.0, 3600.0)
    famous = expected_reach({}, 1_000_000, 0.0, 3600.0)
    assert 1.0 < quiet < viral and famous > 1.0
    assert uncertainty(0.7, [0.9, 0.7, 0.5]) == 1.0
    assert uncertainty(0.85, [0.9, 0.7, 0.5]) > uncertainty(0.99, [0.7]) > uncertainty(1.0, [0.3])
    assert uncertainty(None, [0.5]) == 0.5


def test_review_verdicts_fill_queues_in_priority_order(
    platform: Platform, moderation: ModerationService, review: ReviewService
) -> None:
    near = _item(platform, "what an idiot")  # 0.72, 0.02 from the review threshold
    far = _item(platform, "what a moron")  # 0.8: 0.1 from the nearest threshold
    viral = _item(platform, "what an idiot, again", followers=200_000)
    thai = _item(platform, "idiot ไอ้โง่", language="th")
    platform.store.append_events([make_event(f"u{n}", viral) for n in range(50)])
    for item_id in (near, far, viral, thai):
        assert moderation.moderate_item(item_id).action == "review"
    queue = {(q["queue"], q["language"]): q for q in review.queues()}
    assert queue[("harassment", "en")]["depth"] == 3 and queue[("harassment", "th")]["depth"] == 1
    order = [review.next("ana", "harassment", "en") for _ in range(4)]
    assert [j.item_id if j else None for j in order] == [viral, near, far, None]
    job = order[0]
    assert (job.source, job.policy_id, job.severity, job.language) == (
        "moderation", "harassment", 2, "en")  # fmt: skip
    assert job.due_at == pytest.approx(job.created_at + 24 * 3600)
    assert job.details["auto"]["action"] == "review"
    assert job.details["reason"]["detector"] == "test.word"
    parts = job.details["priority"]
    assert parts["priority"] == pytest.approx(parts["severity"] * parts["reach"]
                                              * parts["uncertainty"], rel=1e-3)  # fmt: skip
    assert review.next("ana", "harassment", "th").item_id == thai
    moderation.moderate_item(near)  # decided again: folds into its leased job, no second job
    assert len(platform.store.list_review_jobs(item_id=near)) == 1


def test_a_decision_is_manual_published_audited_and_kept(
    platform: Platform, moderation: ModerationService, review: ReviewService
) -> None:
    item_id = _item(platform, "what an idiot")
    moderation.moderate_item(item_id)
    published: list[dict] = []
    platform.stream.subscribe("items.moderated", published.append)
    job = review.next("ana", "harassment")
    job, decision = review.decide(job.id, "ana", "remove", "harassment.insult", "name-calling")
    assert job.state == "decided" and job.decision["reviewer"] == "ana"
    assert decision.source == "manual" and decision.policy_id == "harassment.insult"
    assert published == [{"item_id": item_id, "action": "remove", "decision_id": decision.id}]
    assert not visibility(platform.store, item_id, Viewer("u", 30)).visible
    audit = platform.store.list_audit("item", item_id)[-1]
    assert (audit.action, audit.actor) == ("decision.remove", "reviewer:ana")
    assert audit.details["automated_decision"] is False and audit.details["note"] == "name-calling"
    assert audit.details["reasons"][0]["job_id"] == job.id
    assert moderation.moderate_item(item_id) is None  # automation never overwrites it
    with pytest.raises(Conflict):  # decided once
        review.decide(job.id, "ana", "allow", None, "")


def test_bad_decisions_are_refused_and_leave_the_job_leased(
    platform: Platform, moderation: ModerationService, review: ReviewService
) -> None:
    item_id = _item(platform, "what an idiot")
    moderation.moderate_item(item_id)
    job = review.next("ana", "harassment")
    for action, policy in (("remove", "harassment.nope"), ("remove", None), ("review", "hate"),
                           ("obliterate", "hate")):  # fmt: skip
        with pytest.raises(InvalidInput):
            review.decide(job.id, "ana", action, policy, "")
    with pytest.raises(InvalidInput):
        review.decide(job.id, "ana", "remove", "hate", "x" * 5000)
    assert platform.store.get_review_job(job.id).state == "leased"
    assert platform.store.list_decisions(item_id)[-1].source == "automated"
    with pytest.raises(NotFound):
        review.decide("rvj_nope", "ana", "allow", None, "")


def test_a_decision_on_an_expired_lease_conflicts(
    platform: Platform, moderation: ModerationService, monkeypatch: pytest.MonkeyPatch
) -> None:
    item_id = _item(platform, "what an idiot")
    moderation.moderate_item(item_id)
    review = ReviewService(platform.store, platform.policies, platform.stream, lease_seconds=30)
    job = review.next("ana", "harassment")
    later = clock.now() + 31
    monkeypatch.setattr(clock, "now", lambda: later)
    with pytest.raises(Conflict, match="expired"):
        review.decide(job.id, "ana", "remove", "harassment", "too late")
    with pytest.raises(Conflict):
        review.skip(job.id, "ana")
    again = review.next("bob", "harassment")  # the lease expired: the job is back
    assert again.id == job.id and again.lease_owner == "bob"
    review.decide(job.id, "bob", "allow", None, "banter between friends")
    assert platform.store.list_decisions(item_id)[-1].action == "allow"


def test_two_reviewers_racing_for_one_job_exactly_one_wins(
    platform: Platform, moderation: ModerationService
) -> None:
    item_id = _item(platform, "what an idiot")
    moderation.moderate_item(item_id)
    review = ReviewService.for_platform(platform)
    barrier = threading.Barrier(2)
    leased: dict[str, object] = {}

    def race(name: str) -> None:
        barrier.wait()
        leased[name] = review.next(name, "harassment")

    threads = [threading.Thread(target=race, args=(name,)) for name in ("ana", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [name for name, job in leased.items() if job is not None]
    assert len(winners) == 1
    loser = "bob" if winners == ["ana"] else "ana"
    job_id = leased[winners[0]].id
    with pytest.raises(Conflict):
        review.decide(job_id, loser, "remove", "harassment", "")
    results: list[object] = []

    def decide(name: str) -> None:
        barrier.wait()
        try:
            results.append(review.decide(job_id, name, "remove", "harassment", "")[1])
        except Conflict as exc:
            results.append(exc)

    threads = [threading.Thread(target=decide, args=(winners[0],)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(isinstance(r, Conflict) for r in results) == 1
    assert len([d for d in platform.store.list_decisions(item_id) if d.source == "manual"]) == 1


def test_skips_return_the_job_to_someone_else_and_are_audited(
    platform: Platform, moderation: ModerationService, review: ReviewService
) -> None:
    item_id = _item(platform, "what an idiot")
    moderation.moderate_item(item_id)
    job = review.next("ana", "harassment")
    skipped = review.skip(job.id, "ana", "slang I do not know")
    assert (skipped.state, skipped.skips, skipped.excluded) == ("open", 1, ["ana"])
    assert review.next("ana", "harassment") is None
    assert review.next("bob", "harassment").id == job.id
    [(_, record)] = platform.store.find_audit(action_prefix="review.skip")
    assert (record.actor, record.subject_id) == ("reviewer:ana", job.id)
    assert record.details["reason"] == "slang I do not know"


def test_reports_queue_fold_and_count_each_reporter_once(
    platform: Platform, moderation: ModerationService, review: ReviewService
) -> None:
    item_id = _item(platform, "a calm cooking video")
    assert moderation.moderate_item(item_id).action == "allow"
    first = review.report(item_id, "u1", "hate", "slur in the audio")
    job = first["job"]
    assert (job.queue, job.source, job.policy_id, job.severity) == ("hate", "report", "hate", 3)
    assert job.due_at == pytest.approx(job.created_at + 4 * 3600)
    again = review.report(item_id, "u1", "hate", "again!")
    assert again["duplicate"] and again["job"].id == job.id
    second = review.report(item_id, "u2", "hate")
    assert second["job"].id == job.id and second["job"].priority > job.priority
    assert second["job"].details["reports"] == 2
    loose = review.report(item_id, "u3", None, "just weird")
    assert loose["job"].queue == "reports"
    with pytest.raises(InvalidInput):
        review.report(item_id, "u4", "no.such.policy")
    with pytest.raises(InvalidInput):
        review.report(item_id, "", "hate")
    with pytest.raises(NotFound):
        review.report("itm_missing", "u4", "hate")
    leased = review.next("ana", "hate")
    assert [r["reporter"] for r in review.view(leased)["reports"]] == ["u1", "u2", "u3"]
    _, decision = review.decide(leased.id, "ana", "remove", "hate", "slur at 0:04")
    assert decision.reasons["automated_detection"] is False  # a user noticed it


def test_queue_stats_show_depth_oldest_age_and_sla_breaches(
    platform: Platform,
    moderation: ModerationService,
    review: ReviewService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for caption in ("what an idiot", "idiot twice", "a threat"):
        moderation.moderate_item(_item(platform, caption))
    review.lease_seconds = 3 * 3600
    review.next("ana", "harassment")
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start + 2 * 3600)  # threat (severity 4): 1 h SLA
    [stats] = review.queues()
    assert (stats["queue"], stats["depth"], stats["leased"], stats["sla_breaches"]) == (
        "harassment", 3, 1, 1)  # fmt: skip
    assert stats["waiting"] == 2 and stats["oldest_age_s"] >= 7200


def test_quality_sample_is_random_recorded_and_not_repeated(
    platform: Platform, moderation: ModerationService
) -> None:
    items = [_item(platform, f"post number {n}") for n in range(12)]
    jobs = quality_sample(platform.store, platform.policies, 5, seed=1)
    assert len({j.item_id for j in jobs}) == 5 and {j.item_id for j in jobs} <= set(items)
    assert {(j.queue, j.source, j.sampler) for j in jobs} == {("quality", "sample", "random")}
    more = quality_sample(platform.store, platform.policies, 20, seed=1)
    assert len(more) == 7 and not {j.item_id for j in more} & {j.item_id for j in jobs}
    with pytest.raises(InvalidInput):
        quality_sample(platform.store, platform.policies, 0)
