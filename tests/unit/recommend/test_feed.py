"""The feed on a real store, real usearch and the real state: adaptation, integrity, rules."""

from __future__ import annotations

from collections import Counter

import pytest

from reelstack.core import clock
from reelstack.core.errors import InvalidInput, NotFound
from reelstack.core.ids import new_id
from reelstack.core.records import User
from reelstack.recommend import synthetic
from reelstack.recommend.service import RecommendService
from reelstack.recommend.settings import RecommendSettings
from reelstack.recommend.synthetic import World, topics_of
from reelstack.runtime.platform import Platform
from reelstack.safety.decisions import DecisionLog


def _likes(world: World, user: str, items: list[int], prefix: str = "l") -> list[dict]:
    now = clock.now()
    return [
        {
            "event_id": f"{prefix}-{user}-{n}",
            "type": "like",
            "user": user,
            "item": world.item_ids[n],
            "ts": now - 5 + i * 0.01,
        }
        for i, n in enumerate(items)
    ]


def _ids(response: dict) -> list[str]:
    return [item["id"] for item in response["items"]]


def test_anonymous_and_brand_new_users_get_a_full_feed(service: RecommendService) -> None:
    for user in (None, "someone_new"):
        response = service.feed(user, k=10, explain=True)
        assert len(response["items"]) == 10
        assert response["user"]["new"] and response["ranker"]["kind"] == "heuristic"
        assert response["recall"]["popular"] > 0 and response["recall"]["fresh"] > 0
        assert len(set(_ids(response))) == 10


def test_a_new_users_feed_adapts_within_one_request_after_a_few_likes(
    service: RecommendService, world: World
) -> None:
    before = Counter(topics_of(world, _ids(service.feed("newbie", k=10))))
    liked = world.by_topic[2][:3]
    assert service.ingest(_likes(world, "newbie", liked)).stored == 3
    response = service.feed("newbie", k=10, explain=True)
    after = Counter(topics_of(world, _ids(response)))
    assert after[2] >= 6 > before[2]
    assert not set(_ids(response)) & {world.item_ids[n] for n in liked}  # seen: filtered
    sources = Counter(s for item in response["items"] for s in item["why"]["sources"])
    assert sources["content"] >= 5
    why = response["items"][0]["why"]
    assert set(why["heads"]) == {"watch", "like", "share", "skip"}
    assert why["value"] == pytest.approx(sum(why["parts"].values()), abs=1e-3)


def test_removed_items_never_appear_even_without_a_stream_message(
    service: RecommendService, world: World, platform: Platform
) -> None:
    service.ingest(_likes(world, "fan", world.by_topic[1][:3]))
    shown = _ids(service.feed("fan", k=10))
    log = DecisionLog(platform.store)
    for item_id in shown[:3]:
        log.record(item_id, "remove", actor="reviewer:test")
    for user in ("fan", None):
        again = _ids(service.feed(user, k=30))
        assert not set(again) & set(shown[:3])
    platform.stream.publish(
        "items.moderated", {"item_id": shown[3], "action": "disable", "decision_id": "dec_x"}
    )
    assert shown[3] not in _ids(service.feed("fan", k=30))
    assert shown[3] not in _ids(service.related(shown[4], k=30))


def test_age_restricted_posts_are_hidden_from_minors_and_demoted_ones_sink(
    service: RecommendService, world: World, platform: Platform
) -> None:
    year = clock.iso(clock.now())[:4]
    minor = platform.store.upsert_user(
        User(id=new_id("usr"), handle="kid", birth_year=int(year) - 12)
    )
    adult = platform.store.upsert_user(
        User(id=new_id("usr"), handle="grown", birth_year=int(year) - 40)
    )
    for user in ("kid", "grown"):
        service.ingest(_likes(world, user, world.by_topic[0][:3]))
    top = _ids(service.feed("grown", k=10))
    log = DecisionLog(platform.store)
    log.record(top[0], "age_restrict", actor="reviewer:test")
    log.record(top[1], "demote", actor="reviewer:test")
    assert top[0] in _ids(service.feed(adult.id, k=10))
    assert top[0] not in _ids(service.feed(minor.id, k=40))
    assert top[0] not in _ids(service.feed(None, k=40))
    ranked = _ids(service.feed("grown", k=40))
    assert top[1] not in ranked[:2]


def test_no_creator_fills_a_page(platform: Platform) -> None:
    world = synthetic.build_world(
        platform.store, n_items=60, n_topics=2, n_creators=4, dim=32, now=clock.now(), seed=3
    )
    for cap in (1, 2):
        service = RecommendService(
            platform.store,
            platform.stream,
            platform.settings.data_dir,
            RecommendSettings(max_per_creator=cap),
        )
        try:
            service.ingest(_likes(world, f"u{cap}", world.by_topic[0][:2], prefix=f"c{cap}"))
            for user in (None, f"u{cap}"):
                page = service.feed(user, k=10)["items"]
                per_creator = Counter(item["creator_id"] for item in page)
                assert max(per_creator.values()) == cap
                assert len(page) == min(10, cap * len(set(world.creators)))
        finally:
            service.close()


def test_pages_do_not_repeat_and_the_cursor_is_bound_to_its_user(
    service: RecommendService, world: World
) -> None:
    service.ingest(_likes(world, "reader", world.by_topic[3][:2]))
    first = service.feed("reader", k=10)
    second = service.feed("reader", k=10, cursor=first["cursor"])
    assert second["page"] == 2 and not set(_ids(first)) & set(_ids(second))
    with pytest.raises(InvalidInput, match="another user"):
        service.feed("someone_else", k=10, cursor=first["cursor"])
    with pytest.raises(InvalidInput, match="not valid"):
        service.feed("reader", k=10, cursor=first["cursor"][:-3] + "AAA")
    with pytest.raises(InvalidInput, match="between 1 and"):
        service.feed("reader", k=0)
    with pytest.raises(InvalidInput, match="between 1 and"):
        service.feed("reader", k=1000)
    with pytest.raises(NotFound):
        service.feed("usr_0000000000000000000000000", k=10)


def test_a_brand_new_users_cursor_survives_its_first_events(
    service: RecommendService, world: World
) -> None:
    first = service.feed("fresh_face", k=5)
    service.ingest(_likes(world, "fresh_face", world.by_topic[1][:2]))
    second = service.feed("fresh_face", k=5, cursor=first["cursor"])
    assert not set(_ids(first)) & set(_ids(second))


def test_recent_skips_of_a_creator_push_its_posts_down(
    service: RecommendService, world: World
) -> None:
    service.ingest(_likes(world, "skipper", world.by_topic[0][:3]))
    page = service.feed("skipper", k=10)["items"]
    creator = page[0]["creator_id"]
    theirs = [n for n, c in enumerate(world.creators) if c == creator][:4]
    now = clock.now()
    skips = [
        {
            "event_id": f"s-{n}",
            "type": "skip",
            "user": "skipper",
            "item": world.item_ids[n],
            "ts": now - 1,
            "watch_ms": 300,
            "duration_ms": 20_000,
        }
        for n in theirs
    ]
    service.ingest(skips)
    response = service.feed("skipper", k=10, explain=True)
    positions = [n for n, item in enumerate(response["items"]) if item["creator_id"] == creator]
    assert not positions or positions[0] > 0
    fatigued = [
        i["why"]["adjustments"]["fatigue"] for i in response["items"] if i["creator_id"] == creator
    ]
    assert all(f < 1.0 for f in fatigued)


def test_related_posts_share_topic_or_creator(service: RecommendService, world: World) -> None:
    seed = world.by_topic[1][0]
    response = service.related(world.item_ids[seed], k=8, explain=True)
    items = response["items"]
    assert len(items) == 8 and world.item_ids[seed] not in _ids(response)
    same = [t == 1 for t in topics_of(world, _ids(response))]
    assert sum(same) >= 6
    assert all("content" in i["why"]["sources"] or "creator" in i["why"]["sources"] for i in items)
    with pytest.raises(NotFound):
        service.related("itm_missing", k=5)
