"""Appeals: a different reviewer decides; an overturn restores the post at once and is
audited; an upheld appeal is final; an appeal of an appeal is refused."""

from __future__ import annotations

import pytest

from reelstack.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from reelstack.core.records import Decision
from reelstack.runtime.platform import Platform
from reelstack.safety.appeals import AppealService
from reelstack.safety.decisions import DecisionLog, decision_in_force
from reelstack.safety.review import ReviewService
from reelstack.safety.visibility import Viewer, visibility
from reelstack.testing.factories import make_creator, make_item

ADULT = Viewer("u", 30)


@pytest.fixture
def review(platform: Platform) -> ReviewService:
    return ReviewService.for_platform(platform)


@pytest.fixture
def appeals(review: ReviewService) -> AppealService:
    return AppealService(review)


def _removed_by(platform: Platform, review: ReviewService, reviewer: str) -> Decision:
    """A post reported, then removed by ``reviewer``."""
    creator = platform.store.upsert_creator(make_creator("maker"))
    item = platform.store.insert_item(make_item(creator, caption="my cooking video"))
    review.report(item.id, "u1", "hate", "slur")
    job = review.next(reviewer, "hate")
    return review.decide(job.id, reviewer, "remove", "hate", "slur at 0:03")[1]


def test_overturn_goes_to_another_reviewer_and_restores_the_post(
    platform: Platform, review: ReviewService, appeals: AppealService
) -> None:
    removed = _removed_by(platform, review, "ana")
    assert not visibility(platform.store, removed.item_id, ADULT).visible
    job = appeals.file(removed.id, "maker", "it is a recipe, not a slur")
    assert (job.queue, job.source, job.excluded) == ("appeals", "appeal", ["ana"])
    assert job.details["original"]["reviewer"] == "ana"
    assert review.next("ana", "appeals") is None  # never the original reviewer
    assert review.next("bob", "appeals").id == job.id
    published: list[dict] = []
    platform.stream.subscribe("items.moderated", published.append)
    with pytest.raises(InvalidInput):
        review.decide(job.id, "bob", "allow", None, "")  # appeals take an outcome
    with pytest.raises(InvalidInput):
        appeals.decide(job.id, "bob", "maybe", "")
    done, decision = appeals.decide(job.id, "bob", "overturn", "mis-heard the audio")
    assert done.decision["outcome"] == "overturn"
    assert decision is not None and decision_in_force(platform.store, removed.item_id) == decision
    assert (decision.action, decision.source) == ("allow", "manual")
    assert visibility(platform.store, removed.item_id, ADULT).visible
    assert published == [{"item_id": removed.item_id, "action": "allow",
                          "decision_id": decision.id}]  # fmt: skip
    trail = [(r.action, r.actor) for r in platform.store.list_audit("item", removed.item_id)]
    assert trail[-3:] == [("appeal.filed", "creator:maker"), ("decision.allow", "reviewer:bob"),
                          ("appeal.overturned", "reviewer:bob")]  # fmt: skip
    assert appeals.status(job.id)["outcome"] == "overturn"
    [label] = platform.heads.rows("hate")  # ana's positive, replaced by the overturn
    assert (label["label"], label["by"]) == (False, "reviewer:bob")
    with pytest.raises(InvalidInput, match="outcome of an appeal"):  # an appeal of the appeal
        appeals.file(decision.id, "maker", "again")
    with pytest.raises(InvalidInput, match="cannot be appealed again"):
        appeals.file(job.id, "maker", "again")


def test_an_upheld_appeal_is_final(
    platform: Platform, review: ReviewService, appeals: AppealService
) -> None:
    removed = _removed_by(platform, review, "ana")
    job = appeals.file(removed.id, "maker")
    with pytest.raises(Conflict):  # one open appeal per decision
        appeals.file(removed.id, "maker")
    review.next("bob", "appeals")
    done, decision = appeals.decide(job.id, "bob", "uphold", "clear slur")
    assert (
        done.state == "decided"
        and decision is None
        and decision_in_force(platform.store, removed.item_id) == removed
    )
    assert platform.store.list_audit("item", removed.item_id)[-1].action == "appeal.upheld"
    with pytest.raises(InvalidInput, match="final"):
        appeals.file(removed.id, "maker", "please")


def test_appeals_that_cannot_be_filed(
    platform: Platform, review: ReviewService, appeals: AppealService
) -> None:
    removed = _removed_by(platform, review, "ana")
    with pytest.raises(Forbidden):
        appeals.file(removed.id, "someone-else")
    with pytest.raises(NotFound):
        appeals.file("dec_nope", "maker")
    allowed = DecisionLog(platform.store).record(removed.item_id, "allow", actor="auto")
    with pytest.raises(InvalidInput, match="restricts nothing"):
        appeals.file(allowed.id, "maker")
    with pytest.raises(Conflict, match="no longer in force"):
        appeals.file(removed.id, "maker")
    with pytest.raises(InvalidInput):
        appeals.file(removed.id, "maker", "x" * 5000)


def test_an_automated_decision_can_go_to_any_reviewer(
    platform: Platform, review: ReviewService, appeals: AppealService
) -> None:
    creator = platform.store.upsert_creator(make_creator("auto_maker"))
    item = platform.store.insert_item(make_item(creator))
    removed = DecisionLog(platform.store).record(item.id, "remove", actor="reelstack.moderation",
                                                 policy_id="spam.scam")  # fmt: skip
    job = appeals.file(removed.id, creator.id)  # by id works as well as by handle
    assert job.excluded == [] and job.policy_id == "spam.scam" and job.severity == 3
    assert review.next("ana", "appeals").id == job.id
