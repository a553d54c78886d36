"""Search over HTTP: results with analysis and facets, every bad input as problem+json,
suggestions, clicks, admin-only reindexing, and a ranker trained from clicks that search then
uses."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from reelstack.api.app import create_app
from reelstack.api.auth import create_key
from reelstack.config import LtrSettings, SearchSettings, Settings
from reelstack.core.records import Feature
from reelstack.runtime.platform import Platform
from reelstack.testing.factories import make_creator, make_item
from reelstack.testing.http import auth

POSTS = [
    ("noodle_chef", "en", "Spicy noodle soup in ten minutes", ["noodles"], "MADE AT HOME"),
    ("mimi", "zh", "小猫咪太可爱了", ["萌宠日常"], ""),
    ("linh", "vi", "Phở bò Hà Nội ngon nhất", ["phở"], ""),
]


def index_posts(platform: Platform, posts: list[tuple]) -> dict[str, str]:
    """Store and index ``(handle, language, caption, hashtags, ocr)`` posts; handle → item id."""
    out = {}
    for handle, language, caption, tags, ocr in posts:
        creator = platform.store.upsert_creator(make_creator(handle))
        item = make_item(creator, caption=caption, hashtags=tags, language=language)
        platform.store.insert_item(item)
        value = {"language": language, "fields": {}, "hashtags": tags, "entities": []}
        platform.store.put_feature(Feature(item_id=item.id, stage="text", model_name="t",
                                           model_version="t", value=value))  # fmt: skip
        if ocr:
            platform.store.put_feature(Feature(item_id=item.id, stage="ocr", model_name="t",
                                               model_version="t", value={"text": ocr}))  # fmt: skip
        out[handle] = item.id
    platform.search.indexer.index_items(list(out.values()))
    return out


@pytest.fixture
def ids(platform: Platform) -> dict[str, str]:
    return index_posts(platform, POSTS)


def _search(client: TestClient, key: str, **params: object):
    return client.get("/v1/search", params=params, headers=auth(key))


def test_search_returns_results_analysis_and_facets(client: TestClient, keys, ids) -> None:
    response = _search(client, keys["client"], q="noodle soup", k=5, explain="true")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) >= {"search_id", "results", "query_analysis", "facets"}
    top = body["results"][0]
    assert top["item_id"] == ids["noodle_chef"] and top["creator"] == "noodle_chef"
    assert top["highlights"][0]["snippet"].startswith("Spicy <em>noodle</em> <em>soup</em>")
    assert top["explain"]["retrievers"]["bm25"]["rank"] == 1
    assert body["query_analysis"]["language"] == "en"
    assert body["facets"]["hashtag"] == [{"value": "noodles", "count": 1}]
    ocr = _search(client, keys["client"], q="made at home").json()["results"]
    assert ocr[0]["highlights"] == [{"field": "ocr", "snippet": "<em>MADE</em> <em>AT</em> "
                                     "<em>HOME</em>"}]  # fmt: skip
    assert _search(client, keys["client"], q="可爱").json()["results"][0]["item_id"] == ids["mimi"]
    assert (
        _search(client, keys["client"], q="pho ha noi").json()["results"][0]["item_id"]
        == (ids["linh"])
    )


def _problem(response, status: int = 422) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


def test_bad_input(client: TestClient, keys, ids) -> None:
    key = keys["client"]
    assert "non-empty" in _problem(_search(client, key, q=""))["detail"]
    assert "non-empty" in _problem(_search(client, key, q="   "))["detail"]
    assert "q" in _problem(client.get("/v1/search", headers=auth(key)))["detail"]
    for k in (0, 10_000, -1):
        assert "k" in _problem(_search(client, key, q="soup", k=k))["detail"]
    unknown = _problem(_search(client, key, q="soup", filters="colour:red,size:2"))
    assert unknown["detail"].startswith("unknown filter(s): colour, size")
    assert unknown["unknown"] == ["colour", "size"]
    _problem(_search(client, key, q="x" * 20_000))  # beyond 16 kB: refused
    long = _search(client, key, q="noodle " * 1400)  # ~10 kB: answered, truncated
    assert long.status_code == 200 and long.json()["query_analysis"]["truncated"]
    for q in ['"', ":", "(", "*", 'noodle:"soup', "((*", "🙂🍜🔥", "?!...", "小猫 noodle phở"]:
        response = _search(client, key, q=q)
        assert response.status_code == 200, (q, response.text)
    assert _search(client, key, q="noodle", filters="language:zh").json()["results"] == []
    assert client.get("/v1/search", params={"q": "soup"}).status_code == 401


def test_suggest_and_clicks(client: TestClient, keys, ids) -> None:
    key = keys["client"]
    searched = _search(client, key, q="spicy noodle", user="u1").json()
    click = client.post("/v1/search/click", headers=auth(key), json={
        "search_id": searched["search_id"], "item_id": ids["noodle_chef"], "user": "u1",
        "position": 1})  # fmt: skip
    assert click.status_code == 200 and click.json()["event_id"]
    bad = client.post("/v1/search/click", headers=auth(key), json={"search_id": "s"})
    _problem(bad)
    _problem(client.post("/v1/search/click", headers=auth(key),
                         json={"search_id": "s", "item_id": "itm_nope"}), 404)  # fmt: skip
    out = client.get("/v1/suggest", params={"q": "spi"}, headers=auth(key)).json()
    assert out["completions"][0] == {"text": "spicy noodle", "source": "query",
                                     "score": out["completions"][0]["score"]}  # fmt: skip
    tags = client.get("/v1/suggest", params={"q": "#萌"}, headers=auth(key)).json()
    assert tags["completions"][0]["text"] == "#萌宠日常"
    empty = client.get("/v1/suggest", headers=auth(key)).json()
    assert empty["trending"][0]["query"] == "spicy noodle"


def test_reindex_is_for_admins(client: TestClient, keys, ids) -> None:
    assert client.post("/v1/search/reindex", headers=auth(keys["client"])).status_code == 403
    response = client.post("/v1/search/reindex", headers=auth(keys["admin"]))
    assert response.json() == {"indexed": 3}
    stats = client.get("/v1/search/stats", headers=auth(keys["client"])).json()
    assert stats["documents"] == 3


NOODLES = [  # the fused order puts "noodle_best" last for "noodle"; viewers click it anyway
    ("noodle_one", "en", "Noodle noodle noodle soup", ["noodle"], ""),
    ("noodle_two", "en", "Noodle soup noodle bowl", ["noodle"], ""),
    ("noodle_three", "en", "Noodle stir fry at home", ["cooking"], ""),
    ("noodle_best", "en", "Grandma's secret recipe, hand-pulled noodle, step by step", [], ""),
]


def test_a_ranker_trained_from_clicks_is_used_by_search(tmp_path: Path) -> None:
    ltr = LtrSettings(min_sessions=20)
    settings = Settings(data_dir=tmp_path / "data", search=SearchSettings(ltr=ltr))
    with Platform.open(settings) as platform, TestClient(create_app(platform=platform)) as client:
        ids = index_posts(platform, NOODLES)
        client_key = auth(create_key(platform.store, "c", "client")[1])
        admin_key = auth(create_key(platform.store, "a", "admin")[1])
        for n in range(30):
            params = {"q": "noodle", "user": f"u{n}"}
            page = client.get("/v1/search", params=params, headers=client_key).json()
            shown = [r["item_id"] for r in page["results"]]
            assert shown.index(ids["noodle_best"]) == 3  # the fused order, every time
            click = {"search_id": page["search_id"], "item_id": ids["noodle_best"], "position": 4}
            client.post("/v1/search/click", headers=client_key, json=click)
        assert client.post("/v1/search/train", headers=client_key).status_code == 403
        report = client.post("/v1/search/train", headers=admin_key).json()
        assert report["promoted"] and report["version"] == "v0001", report["reason"]
        assert report["sessions"]["click_sessions"] == 30
        params = {"q": "noodle", "explain": "true"}
        top = client.get("/v1/search", params=params, headers=client_key).json()["results"][0]
        assert top["item_id"] == ids["noodle_best"]
        second = top["explain"]["second_phase"]
        assert second["ranker"] == "lambdamart" and second["version"] == "v0001"
        assert second["fused_rank"] == 4
        features = top["explain"]["features"]
        assert features["fusion_rr"] == 0.25 and features["bm25_caption"] > 0
        stats = client.get("/v1/search/stats", headers=client_key).json()
        assert stats["second_phase"]["version"] == "v0001"
