"""Real-time state: rebuilt from the log equals the live one, order does not matter, decay."""

from __future__ import annotations

import numpy as np
import pytest

from reelstack.core import clock
from reelstack.recommend import synthetic
from reelstack.recommend.rank import features
from reelstack.recommend.service import RecommendService
from reelstack.recommend.settings import RecommendSettings
from reelstack.recommend.state import RealtimeState, bump, value_at
from reelstack.recommend.synthetic import World
from reelstack.runtime.platform import Platform


def test_decayed_values_do_not_depend_on_arrival_order() -> None:
    hl = 3600.0
    forward: dict = {}
    backward: dict = {}
    for ts, delta in ((100.0, 1.0), (1900.0, 2.0), (5000.0, 0.5)):
        bump(forward, "k", delta, ts, hl)
    for ts, delta in ((5000.0, 0.5), (100.0, 1.0), (1900.0, 2.0)):
        bump(backward, "k", delta, ts, hl)
    assert value_at(forward["k"], 9000, hl) == pytest.approx(value_at(backward["k"], 9000, hl))
    assert value_at(forward["k"], 9000 + hl, hl) == pytest.approx(
        value_at(forward["k"], 9000, hl) / 2
    )


def test_state_rebuilt_from_the_log_matches_the_live_state(
    service: RecommendService, world: World, platform: Platform
) -> None:
    events = synthetic.history(world, users=12, sessions=2, now=clock.now())
    for start in range(0, len(events), 300):
        assert not service.ingest(events[start : start + 300]).errors
    restarted = RecommendService(
        platform.store, platform.stream, platform.settings.data_dir, RecommendSettings()
    )
    try:
        live, rebuilt = service.state, restarted.state
        assert rebuilt.applied == live.applied == len(events)
        for name in live.stats:
            size = len(service.catalog)
            assert np.array_equal(live.stats[name][:size], rebuilt.stats[name][:size]), name
        assert live.coengaged == rebuilt.coengaged
        for user_id, user in live.users.items():
            other = rebuilt.users[user_id]
            assert (user.engaged, user.likes, user.follows, set(user.seen)) == (
                other.engaged,
                other.likes,
                other.follows,
                set(other.seen),
            )
            view = features.user_view(live, user, None)
            again = features.user_view(rebuilt, other, None)
            idx = np.arange(20)
            assert np.allclose(features.build(live, view, idx), features.build(rebuilt, again, idx))
    finally:
        restarted.close()


def test_events_written_by_another_process_reach_the_state(
    service: RecommendService, world: World, platform: Platform
) -> None:
    from reelstack.core.records import Event

    event = Event(
        event_id="other-process",
        type="like",
        user_id="usr_elsewhere",
        item_id=world.item_ids[0],
        ts=clock.now(),
        received_at=clock.now(),
    )
    platform.store.append_events([event])  # no stream message, as from another process
    service._refreshed = 0.0  # the next request tails the log
    service.feed(None, k=3)
    assert service.state.stats["likes"][service.catalog.index[world.item_ids[0]]] == 1


def test_items_added_later_are_picked_up_with_their_vectors(
    service: RecommendService, platform: Platform
) -> None:
    more = synthetic.build_world(
        platform.store, n_items=5, n_topics=2, dim=64, now=clock.now(), seed=99
    )
    platform.stream.publish("items.understood", {"item_ids": more.item_ids[:2]})
    idx = service.catalog.index[more.item_ids[0]]
    assert service.catalog.has_vector[idx]
    service._refreshed = 0.0
    service.feed(None, k=3)
    assert all(i in service.catalog.index for i in more.item_ids)


def test_velocity_survives_a_long_log_without_overflow() -> None:
    from reelstack.core.records import Event
    from reelstack.recommend.catalog import Catalog

    class Store:  # only what the state asks of a store here
        def get_user(self, user_id):
            from reelstack.core.errors import NotFound

            raise NotFound(user_id)

    state = RealtimeState(Catalog("exact"), RecommendSettings(), Store())  # type: ignore[arg-type]
    state.catalog.ids.append("x")  # one item without a store behind it
    state.catalog.index["x"] = 0
    for day in range(400):
        state.apply(
            Event(
                event_id=str(day),
                type="view",
                user_id="anonymous",
                item_id="x",
                ts=1e9 + day * 86400,
                received_at=0,
            )
        )
    assert np.isfinite(state.velocity).all() and state.velocity[0] > 0
