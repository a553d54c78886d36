"""Popular in the user's region: the cold-start fallback that follows where a user is."""

from __future__ import annotations

import random

import numpy as np
import pytest

from reelstack.core import clock
from reelstack.core.ids import new_id
from reelstack.core.records import User
from reelstack.recommend import rank, recall
from reelstack.recommend.recall.popular import PopularInRegion
from reelstack.recommend.service import RecommendService
from reelstack.recommend.synthetic import World
from reelstack.runtime.platform import Platform

LOCAL = {"TH": [3, 17, 29, 41, 55, 68], "US": [8, 22, 36, 47, 90, 101]}


def _user(platform: Platform, handle: str, region: str | None) -> str:
    user = User(id=new_id("usr"), handle=handle, region=region, language="en")
    return platform.store.upsert_user(user).id


@pytest.fixture
def regional(service: RecommendService, platform: Platform, world: World) -> RecommendService:
    """Four users in each region watch (and like) their region's posts to the end."""
    now, events = clock.now(), []
    for region, posts in LOCAL.items():
        for u in range(4):
            handle = f"{region.lower()}_viewer{u}"
            _user(platform, handle, region)
            for n in posts:
                common = {"user": handle, "item": world.item_ids[n], "ts": now - 60}
                view = {"watch_ms": 20_000, "duration_ms": 20_000}
                events.append({"event_id": f"v-{handle}-{n}", "type": "view", **common, **view})
                events.append({"event_id": f"l-{handle}-{n}", "type": "like", **common})
    assert not service.ingest(events).errors
    return service


def _posts(world: World, region: str) -> set[str]:
    return {world.item_ids[n] for n in LOCAL[region]}


def test_events_count_toward_the_region_of_the_user_who_sent_them(
    regional: RecommendService, world: World
) -> None:
    state, catalog = regional.state, regional.catalog
    assert set(state.region_plays) == {"TH", "US"}
    th_post, us_post = (catalog.index[world.item_ids[LOCAL[r][0]]] for r in ("TH", "US"))
    assert state.region_plays["TH"][th_post] == 4 and state.region_plays["TH"][us_post] == 0
    assert state.region_engagement["US"][us_post] == pytest.approx(4 * (1.0 + 3.0))


@pytest.mark.parametrize("region", ["TH", "US"])
def test_the_regional_source_returns_what_that_region_watches(
    regional: RecommendService, world: World, region: str
) -> None:
    source = PopularInRegion(regional.state)
    view = rank.features.user_view(regional.state, None, None, region=region)
    context = recall.RecallContext(regional.state, view, random.Random(0))
    idx, scores = source.recall(context, 40)
    ids = {regional.catalog.ids[i] for i in idx.tolist()}
    assert ids == _posts(world, region)
    assert scores[0] == pytest.approx(1.0) and np.all(np.diff(scores) <= 0)


def test_a_new_user_gets_posts_popular_in_their_region(
    regional: RecommendService, platform: Platform, world: World
) -> None:
    _user(platform, "th_newcomer", "TH")
    response = regional.feed("th_newcomer", k=10, explain=True)
    assert response["user"]["new"] and response["recall"]["regional"] == len(LOCAL["TH"])
    local = {i["id"] for i in response["items"] if "regional" in i["why"]["sources"]}
    assert local and local <= _posts(world, "TH")


def test_anonymous_users_name_their_region_and_users_without_one_get_none(
    regional: RecommendService, platform: Platform, world: World
) -> None:
    anonymous = regional.feed(None, k=10, explain=True, region="US")
    assert anonymous["recall"]["regional"] == len(LOCAL["US"])
    assert {i["id"] for i in anonymous["items"] if "regional" in i["why"]["sources"]} <= _posts(
        world, "US"
    )
    _user(platform, "nowhere_newcomer", None)
    assert regional.feed("nowhere_newcomer", k=10, explain=True)["recall"]["regional"] == 0
    assert regional.feed(None, k=10, explain=True, region="FR")["recall"]["regional"] == 0
