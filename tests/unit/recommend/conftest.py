"""A small synthetic platform: posts on a few topics with real vectors, in a real store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reelstack.core import clock
from reelstack.recommend import synthetic
from reelstack.recommend.native import preload
from reelstack.recommend.service import RecommendService
from reelstack.recommend.settings import RecommendSettings, TrainSettings
from reelstack.runtime.platform import Platform

preload()  # LightGBM's library before any test loads usearch

FAST_TRAIN = TrainSettings(num_trees=40, threads=1, min_rows=50)


def fast_settings(**overrides: object) -> RecommendSettings:
    return RecommendSettings(train=FAST_TRAIN, **overrides)


@pytest.fixture
def world(platform: Platform) -> synthetic.World:
    """160 posts on 4 topics by 16 creators (each mostly on one topic)."""
    return synthetic.build_world(
        platform.store, n_items=160, n_topics=4, n_creators=16, dim=64, now=clock.now()
    )


@pytest.fixture
def service(platform: Platform, world: synthetic.World) -> Iterator[RecommendService]:
    svc = RecommendService(
        platform.store, platform.stream, platform.settings.data_dir, fast_settings()
    )
    platform.__dict__["recommend"] = svc  # the platform (and its API) use this one
    yield svc
    svc.close()
