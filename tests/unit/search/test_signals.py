"""The ranking signals the platform injects from the feed's real-time state: unknown while the
feed does not run in the process, then engagement, creator quality and the viewer's affinity."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reelstack.config import Settings
from reelstack.core import clock
from reelstack.runtime.platform import Platform

from .conftest import POSTS


def _features(platform: Platform, user: str | None) -> dict[str, float]:
    response = platform.search.search("dumpling recipe", user=user, explain=True, log=False)
    return response["results"][0]["explain"]["features"]


def test_feed_state_reaches_the_ranking_features(tmp_path: Path, write_post: Any) -> None:
    with Platform.open(Settings(data_dir=tmp_path / "data")) as platform:
        ids = [write_post(platform, post) for post in POSTS[:3]]
        platform.search.indexer.index_items(ids)
        before = _features(platform, None)
        assert "bm25_caption" in before and "item_like_rate" not in before  # no feed running
        feed = platform.recommend
        now = clock.now()
        likes = [
            {"event_id": f"like-{n}", "type": "like", "user": "ana", "item": ids[0], "ts": now - n}
            for n in range(3)
        ]
        views = [
            {
                "event_id": "view",
                "type": "view",
                "user": "ana",
                "item": ids[0],
                "ts": now,
                "watch_ms": 9000,
                "duration_ms": 10000,
            }
        ]
        assert feed.ingest(likes + views).stored == 4
        user_id = feed.users.resolve("ana", create=False)
        mine = _features(platform, user_id)
        assert mine["affinity_creator"] > 0 and mine["affinity_tags"] > 0
        assert mine["item_plays"] > 0 and 0 < mine["item_like_rate"] <= 1
        assert 0 < mine["creator_quality"] <= 1
        anonymous = _features(platform, None)
        assert anonymous["affinity_creator"] == 0 and anonymous["item_plays"] > 0
