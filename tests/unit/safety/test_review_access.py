"""Queue access of reviewer keys: scopes parsed and checked, leasing served from the allowed
languages only, and appeals outside a reviewer's queues refused."""

from __future__ import annotations

import pytest

from reelstack.core.errors import Forbidden, InvalidInput
from reelstack.core.records import Feature
from reelstack.runtime.platform import Platform
from reelstack.safety.appeals import AppealService
from reelstack.safety.review import ReviewService
from reelstack.safety.review.access import QueueAccess, known_queues
from reelstack.testing.factories import make_creator, make_item


def test_scopes_parse_and_answer() -> None:
    access = QueueAccess.parse(" hate:en , violence,,HATE:th")
    assert access.scopes == ("hate:en", "violence", "hate:th")
    assert access.languages("violence") is None and access.languages("spam") == frozenset()
    assert access.allows("hate", "th") and not access.allows("hate", "vi")
    assert not access.allows("hate", None) and access.allows("violence", None)
    assert access.lease_filter("hate", None) == ["en", "th"]
    assert access.lease_filter("violence", "vi") == "vi"
    with pytest.raises(Forbidden, match="queue 'spam' is outside"):
        access.lease_filter("spam", None)
    assert not QueueAccess.parse("").limited and QueueAccess().allows("spam", None)
    for bad in ("hate:", "hate en", ":en", "spam.scam"):
        with pytest.raises(InvalidInput):
            QueueAccess.parse(bad)


def test_known_queues_are_families_and_special_queues(platform: Platform) -> None:
    known = known_queues(platform.policies)
    assert {"hate", "violence", "spam", "reports", "quality", "appeals", "ads"} <= set(known)
    assert "spam.scam" not in known
    with pytest.raises(InvalidInput, match="unknown review queue violense"):
        QueueAccess.parse("violense,hate").check_known(known)


def _post(platform: Platform, caption: str, language: str) -> str:
    creator = platform.store.upsert_creator(make_creator())
    item = platform.store.insert_item(make_item(creator, caption=caption, language=language))
    value = {"language": language}
    feature = Feature(
        item_id=item.id, stage="text", model_name="t", model_version="t/1", value=value
    )
    platform.store.put_feature(feature)
    return item.id


def test_a_reviewer_of_some_languages_is_served_those(platform: Platform) -> None:
    review = ReviewService.for_platform(platform)
    posts = {lang: _post(platform, f"a post in {lang}", lang) for lang in ("en", "th", "vi")}
    for lang, item_id in posts.items():
        review.report(item_id, f"reporter-{lang}", "hate")
    access = QueueAccess.parse("hate:th,hate:vi")
    served = {review.next("ana", "hate", access=access).language for _ in range(2)}
    assert served == {"th", "vi"} and review.next("ana", "hate", access=access) is None
    assert review.next("bob", "hate").language == "en"


def test_appeals_outside_a_reviewers_queues_are_refused(platform: Platform) -> None:
    review = ReviewService.for_platform(platform)
    item_id = _post(platform, "a knife tutorial", "en")
    review.report(item_id, "u1", "dangerous")
    job = review.next("ana", "dangerous")
    _, decision = review.decide(job.id, "ana", "remove", "dangerous.weapons", "")
    handle = platform.store.get_creator(platform.store.get_item(item_id).creator_id).handle
    appeals = AppealService(review)
    appeal = appeals.file(decision.id, handle, "a cooking knife")
    only_hate = QueueAccess.parse("hate")
    with pytest.raises(Forbidden, match="queue 'appeals' is outside"):
        review.next("bob", "appeals", access=only_hate)
    review.next("bob", "appeals")
    with pytest.raises(Forbidden, match="outside your review queues"):
        appeals.decide(appeal.id, "bob", "overturn", "", only_hate)
    appeals.decide(appeal.id, "bob", "overturn", "", QueueAccess.parse("appeals"))
    assert platform.store.list_decisions(item_id)[-1].action == "allow"
