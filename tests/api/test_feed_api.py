"""GET /v1/feed and /v1/items/{id}/related over HTTP, with events through the real API."""

from __future__ import annotations

from collections import Counter

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from reelstack.api.app import create_app
from reelstack.api.schemas.recommend import FeedResponse
from reelstack.cli.main import app
from reelstack.core import clock
from reelstack.recommend import synthetic
from reelstack.recommend.synthetic import topics_of
from reelstack.runtime.platform import Platform
from reelstack.safety.decisions import DecisionLog
from reelstack.testing.http import auth


@pytest.fixture
def world(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> synthetic.World:
    monkeypatch.setenv("REELSTACK_RECOMMEND__TRAIN__THREADS", "1")
    monkeypatch.setenv("REELSTACK_RECOMMEND__TRAIN__NUM_TREES", "40")
    return synthetic.build_world(
        platform.store, n_items=120, n_topics=4, n_creators=12, dim=64, now=clock.now()
    )


def _post(client: TestClient, key: str, events: list[dict]) -> dict:
    response = client.post("/v1/events", json={"events": events}, headers=auth(key))
    assert response.status_code == 200, response.text
    return response.json()


def _feed(client: TestClient, key: str, **params: object) -> dict:
    response = client.get("/v1/feed", params=params, headers=auth(key))
    assert response.status_code == 200, response.text
    body = response.json()  # served without re-validation: it must match the schema as is
    assert FeedResponse.model_validate(body).model_dump(mode="json") == body
    return body


def _ids(body: dict) -> list[str]:
    return [item["id"] for item in body["items"]]


def test_feed_adapts_to_likes_and_explains_itself(
    client: TestClient, keys, world: synthetic.World
) -> None:
    key = keys["client"]
    anonymous = _feed(client, key, k=10)
    assert len(anonymous["items"]) == 10 and anonymous["ranker"]["kind"] == "heuristic"
    assert anonymous["user"] == {"id": None, "new": True}
    now = clock.now()
    likes = [
        {
            "event_id": f"like-{n}",
            "type": "like",
            "user": "maya",
            "item": world.item_ids[n],
            "ts": now - 1,
        }
        for n in world.by_topic[0][:3]
    ]
    assert _post(client, key, likes)["stored"] == 3
    body = _feed(client, key, user="maya", k=10, explain="true")
    assert Counter(topics_of(world, _ids(body)))[0] >= 6
    assert body["user"]["id"].startswith("usr_") and not body["user"]["new"]
    why = body["items"][0]["why"]
    assert why["sources"] and set(why["heads"]) == {"watch", "like", "share", "skip"}
    assert set(body["recall"]) >= {"content", "trending", "fresh", "popular", "coengagement"}
    assert max(Counter(i["creator_id"] for i in body["items"]).values()) <= 2


def test_feed_bad_input_is_a_clear_problem(
    client: TestClient, keys, world: synthetic.World
) -> None:
    key = keys["client"]
    for params in ({"k": 0}, {"k": 1000}, {"cursor": "garbage"}):
        response = client.get("/v1/feed", params=params, headers=auth(key))
        assert response.status_code == 422, params
        assert response.headers["content-type"].startswith("application/problem+json")
    mine = _feed(client, key, user="owner", k=5)
    stolen = client.get(
        "/v1/feed", params={"user": "thief", "cursor": mine["cursor"]}, headers=auth(key)
    )
    assert stolen.status_code == 422 and "another user" in stolen.json()["detail"]
    follow_up = _feed(client, key, user="owner", k=5, cursor=mine["cursor"])
    assert not set(_ids(mine)) & set(_ids(follow_up))
    unknown = client.get(
        "/v1/feed", params={"user": "usr_00000000000000000000000000"}, headers=auth(key)
    )
    assert unknown.status_code == 404
    assert client.get("/v1/feed").status_code == 401


def test_removed_items_leave_the_feed_and_related_posts_make_sense(
    client: TestClient, keys, world: synthetic.World, platform: Platform
) -> None:
    key = keys["client"]
    top = _ids(_feed(client, key, k=10))
    DecisionLog(platform.store).record(top[0], "remove", actor="reviewer:test")
    assert top[0] not in _ids(_feed(client, key, k=50))
    seed = world.item_ids[world.by_topic[2][0]]
    related = client.get(f"/v1/items/{seed}/related", params={"k": 6}, headers=auth(key))
    assert related.status_code == 200
    assert Counter(topics_of(world, _ids(related.json())))[2] >= 5
    missing = client.get("/v1/items/itm_nope/related", headers=auth(key))
    assert missing.status_code == 404


def test_training_over_http_and_the_feed_command(
    client: TestClient, keys, world: synthetic.World, platform: Platform
) -> None:
    events = synthetic.history(world, users=60, sessions=3, now=clock.now())
    for start in range(0, len(events), 1000):
        assert not _post(client, keys["client"], events[start : start + 1000])["errors"]
    assert client.post("/v1/recommend/train", headers=auth(keys["client"])).status_code == 403
    trained = client.post("/v1/recommend/train", headers=auth(keys["admin"]))
    assert trained.status_code == 200 and trained.json()["version"] == "v0001"
    body = _feed(client, keys["client"], user="syn1_user00001", k=5)
    assert body["ranker"]["kind"] == "model" and body["ranker"]["version"] == "v0001"
    done = CliRunner().invoke(
        app,
        ["feed", "syn1_user00001", "-k", "4", "--json", "--data", str(platform.settings.data_dir)],
    )
    assert done.exit_code == 0, done.output
    assert '"kind": "model"' in done.output and '"why"' in done.output


def test_the_server_saves_the_feed_snapshot_when_it_stops(
    platform: Platform, keys, world: synthetic.World
) -> None:
    key = keys["client"]
    with TestClient(create_app(platform=platform)) as client:
        _feed(client, key, k=5)
        like = {"event_id": "l1", "type": "like", "user": "ana", "item": world.item_ids[0]}
        assert _post(client, key, [{**like, "ts": clock.now()}])["stored"] == 1
    snapshots = platform.recommend.snapshots
    assert snapshots.path.is_file() and snapshots.last is not None and snapshots.last.seq == 1
