"""POST /v1/events over HTTP: per-event errors, idempotency, the batch limit, auth."""

from __future__ import annotations

from fastapi.testclient import TestClient

from reelstack.core import clock
from reelstack.recommend import synthetic
from reelstack.runtime.platform import Platform
from reelstack.testing.http import auth


def _world(platform: Platform) -> synthetic.World:
    return synthetic.build_world(platform.store, n_items=30, n_topics=3, dim=32, now=clock.now())


def test_events_are_stored_once_with_per_event_errors(
    client: TestClient, keys, platform: Platform
) -> None:
    world = _world(platform)
    now = clock.now()
    events = [
        {
            "event_id": "a1",
            "type": "impression",
            "user": "viewer",
            "item": world.item_ids[0],
            "ts": now - 3,
            "context": {"surface": "feed", "position": 0, "request_id": "r1"},
        },
        {
            "event_id": "a2",
            "type": "view",
            "user": "viewer",
            "item": world.item_ids[0],
            "ts": clock.iso(now - 2),
            "watch_ms": 5000,
            "duration_ms": 8000,
        },
        {"event_id": "a3", "type": "like", "user": "viewer", "item": "itm_unknown", "ts": now},
        {
            "event_id": "a4",
            "type": "like",
            "user": "viewer",
            "item": world.item_ids[1],
            "ts": now + 86400,
        },
    ]
    response = client.post("/v1/events", json={"events": events}, headers=auth(keys["client"]))
    assert response.status_code == 200
    body = response.json()
    assert (body["received"], body["stored"], body["duplicates"]) == (4, 2, 0)
    assert [(e["index"], e["event_id"], e["field"]) for e in body["errors"]] == [
        (2, "a3", "item"),
        (3, "a4", "ts"),
    ]
    again = client.post("/v1/events", json={"events": events[:2]}, headers=auth(keys["client"]))
    assert again.json()["stored"] == 0 and again.json()["duplicates"] == 2
    assert platform.store.count_events() == 2


def test_bad_batches_are_refused_clearly(client: TestClient, keys, platform: Platform) -> None:
    world = _world(platform)
    event = {"type": "like", "user": "viewer", "item": world.item_ids[0], "ts": clock.now()}
    batch = [{**event, "event_id": f"b{n}"} for n in range(10_000)]
    response = client.post("/v1/events", json={"events": batch}, headers=auth(keys["client"]))
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "at most 1,000" in response.json()["detail"]
    for body in ({}, {"events": "x"}, [1, 2]):
        bad = client.post("/v1/events", json=body, headers=auth(keys["client"]))
        assert bad.status_code == 422, body
    raw = client.post("/v1/events", content=b"{not json", headers=auth(keys["client"]))
    assert raw.status_code == 422
    assert client.post("/v1/events", json={"events": []}).status_code == 401
    assert platform.store.count_events() == 0
