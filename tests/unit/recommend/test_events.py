"""The event API's rules on a real store: per-event errors, idempotency, users, time."""

from __future__ import annotations

import pytest

from reelstack.core import clock
from reelstack.core.errors import InvalidInput, PayloadTooLarge
from reelstack.recommend.service import RecommendService
from reelstack.recommend.state import value_at
from reelstack.recommend.synthetic import World
from reelstack.runtime.platform import Platform


def _event(world: World, n: int = 0, **fields: object) -> dict:
    base = {
        "event_id": f"e-{n}",
        "type": "like",
        "user": "ana",
        "item": world.item_ids[n],
        "ts": clock.now() - 60,
    }
    return {**base, **fields}


def test_each_invalid_event_gets_its_error_and_the_rest_is_stored(
    service: RecommendService, world: World, platform: Platform
) -> None:
    now = clock.now()
    batch = [
        _event(world, 0),
        _event(world, 1, event_id=None),
        _event(world, 2, type="teleport"),
        _event(world, 3, item="itm_nope"),
        _event(world, 4, ts=now + 3600),
        _event(world, 5, ts="1999-01-01T00:00:00Z"),
        _event(world, 6, type="view", watch_ms=-5, duration_ms=1000),
        _event(world, 7, ts="yesterday-ish"),
        "not an object",
        _event(world, 9, user="usr_0000000000000000000000000"),
        _event(world, 10, colour="blue"),
        _event(world, 11, type="like", watch_ms=100),
        _event(world, 12, ts=clock.iso(now - 10)),
    ]
    result = service.ingest(batch).to_dict()
    errors = {e["index"]: e for e in result["errors"]}
    assert sorted(errors) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert errors[1]["field"] == "event_id"
    assert errors[2]["field"] == "type"
    assert "unknown item" in errors[3]["error"]
    assert "future" in errors[4]["error"]
    assert "older than" in errors[5]["error"]
    assert errors[6]["field"] == "watch_ms"
    assert errors[7]["field"] == "ts"
    assert errors[9]["field"] == "user" and "no user" in errors[9]["error"]
    assert errors[10]["field"] == "colour"
    assert result["accepted"] == result["stored"] == 2  # epoch and ISO 8601 both accepted
    assert platform.store.count_events() == 2


def test_the_same_event_twice_changes_nothing(
    service: RecommendService, world: World, platform: Platform
) -> None:
    batch = [_event(world, 0), _event(world, 1), _event(world, 0)]
    first = service.ingest(batch).to_dict()
    assert (first["stored"], first["duplicates"]) == (2, 1)
    state_before = service.state.applied
    again = service.ingest(batch[:2]).to_dict()
    assert (again["stored"], again["duplicates"], again["errors"]) == (0, 2, [])
    assert platform.store.count_events() == 2
    assert service.state.applied == state_before
    likes = service.state.stats["likes"][service.catalog.index[world.item_ids[0]]]
    assert likes == 1


def test_out_of_order_events_are_applied_and_late_ones_count_less(
    service: RecommendService, world: World
) -> None:
    now = clock.now()
    service.ingest([_event(world, 0, event_id="late-a", ts=now - 10)])
    service.ingest([_event(world, 1, event_id="late-b", ts=now - 7 * 86400)])  # a week late
    user = service.state.users[service.users.find("ana")]
    assert user.engaged == 2 and user.last_ts == pytest.approx(now - 10)
    creators, hl = service.catalog.creator, service.state._user_hl
    recent = user.creators[int(creators[service.catalog.index[world.item_ids[0]]])]
    late = user.creators[int(creators[service.catalog.index[world.item_ids[1]]])]
    assert value_at(recent, now, hl) > value_at(late, now, hl) > 0


def test_watch_longer_than_the_post_is_one_full_watch_with_a_warning(
    service: RecommendService, world: World
) -> None:
    result = service.ingest([_event(world, 0, type="view", watch_ms=90_000, duration_ms=10_000)])
    assert result.stored == 1 and result.warnings[0]["field"] == "watch_ms"
    idx = service.catalog.index[world.item_ids[0]]
    assert service.state.stats["watch_sum"][idx] == pytest.approx(1.0)


def test_a_batch_over_the_limit_is_refused_whole(
    service: RecommendService, world: World, platform: Platform
) -> None:
    batch = [_event(world, n % 100, event_id=f"big-{n}") for n in range(10_000)]
    with pytest.raises(PayloadTooLarge, match="at most 1,000"):
        service.ingest(batch)
    assert platform.store.count_events() == 0
    with pytest.raises(InvalidInput):
        service.ingest({"events": "nope"})


def test_users_by_handle_are_created_on_first_sight_and_anonymous_counts_for_items(
    service: RecommendService, world: World, platform: Platform
) -> None:
    service.ingest(
        [_event(world, 0, user="brand_new"), _event(world, 1, event_id="anon", user=None)]
    )
    user_id = service.users.find("brand_new")
    assert user_id and platform.store.get_user(user_id).handle == "brand_new"
    by_id = service.ingest([_event(world, 2, event_id="by-id", user=user_id)])
    assert by_id.stored == 1
    assert service.state.users[user_id].engaged == 2
    assert service.state.stats["likes"][service.catalog.index[world.item_ids[1]]] == 1
    assert "anonymous" not in service.state.users
    bad = service.ingest([_event(world, 3, event_id="bad-handle", user="no spaces please")])
    assert bad.errors[0]["field"] == "user"
