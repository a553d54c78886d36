"""GET /v1/users/{user}/interests: what the feed has learned about a user, live."""

from __future__ import annotations

from fastapi.testclient import TestClient

from reelstack.core import clock
from reelstack.core.ids import new_id
from reelstack.core.records import Creator, Feature, Item
from reelstack.runtime.platform import Platform
from reelstack.testing.http import auth


def _post(platform: Platform, creator: Creator, caption: str, hashtags: list[str]) -> str:
    """A post whose visual stage saw a tabby cat (the feed keeps strong concepts as tags)."""
    now = clock.now()
    item = Item(id=new_id("itm"), kind="text", content_hash=new_id("sha"), creator_id=creator.id,
                caption=caption, hashtags=hashtags, language="en", created_at=now,
                ingested_at=now)  # fmt: skip
    platform.store.insert_item(item)
    concepts = [{"id": 281, "name": "tabby cat", "score": 0.9}] if "cat" in hashtags else []
    platform.store.put_feature(Feature(item_id=item.id, stage="visual", model_name="test",
                                       model_version="1", value={"concepts": concepts},
                                       created_at=now))  # fmt: skip
    return item.id


def _creator(platform: Platform, handle: str) -> Creator:
    return platform.store.upsert_creator(
        Creator(id=new_id("cre"), handle=handle, created_at=clock.now())
    )


def _interests(client: TestClient, key: str, user: str) -> dict:
    response = client.get(f"/v1/users/{user}/interests", headers=auth(key))
    assert response.status_code == 200, response.text
    return response.json()


def test_interests_follow_likes_and_not_interested(
    client: TestClient, keys: dict[str, str], platform: Platform
) -> None:
    cats, cars = _creator(platform, "catlady"), _creator(platform, "carguy")
    cat_posts = [_post(platform, cats, f"cat {n}", ["cat", "pets"]) for n in range(3)]
    car_post = _post(platform, cars, "fast car", ["car"])
    key = keys["client"]

    before = _interests(client, key, "newcomer")
    assert before["user_id"] is None and before["new"] is True
    assert before["hashtags"] == before["concepts"] == before["recent"] == []

    now = clock.now()
    events = [{"event_id": f"like-{n}", "type": "like", "user": "newcomer", "item": item_id,
               "ts": now} for n, item_id in enumerate(cat_posts)]  # fmt: skip
    events.append({"event_id": "meh", "type": "not_interested", "user": "newcomer",
                   "item": car_post, "ts": now})  # fmt: skip
    stored = client.post("/v1/events", json={"events": events}, headers=auth(key)).json()
    assert stored["stored"] == 4, stored

    after = _interests(client, key, "newcomer")
    assert after["user_id"].startswith("usr_") and after["new"] is False
    assert after["likes"] == 3 and after["events"] == 4 and after["hidden"] == 1
    assert {t["value"] for t in after["hashtags"]} == {"cat", "pets"}  # car went negative
    assert [c["value"] for c in after["concepts"]] == ["tabby cat"]
    assert [c["value"] for c in after["creators"]] == ["catlady"]
    assert after["languages"][0]["value"] == "en"
    assert after["recent"] == cat_posts[::-1]
    by_id = _interests(client, key, after["user_id"])
    assert by_id["hashtags"] == after["hashtags"]


def test_interests_reject_an_unknown_id_and_a_bad_handle(
    client: TestClient, keys: dict[str, str]
) -> None:
    missing = client.get("/v1/users/usr_nobody/interests", headers=auth(keys["client"]))
    assert missing.status_code == 404
    bad = client.get("/v1/users/no%20spaces/interests", headers=auth(keys["client"]))
    assert bad.status_code == 422 and "handle" in bad.json()["detail"]
    assert client.get("/v1/users/newcomer/interests").status_code == 401
