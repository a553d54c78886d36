"""Ingest and read items over HTTP: per-item results, limits and problem+json errors."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from reelstack.api.app import create_app
from reelstack.config import ApiSettings, Settings
from reelstack.runtime.platform import Platform
from reelstack.testing.http import auth

PROBLEM = "application/problem+json"


def _upload(client: TestClient, key: str, media_dir: Path, names: list[str], **data: str):
    files = [
        ("files", (n, (media_dir / n).read_bytes(), "application/octet-stream")) for n in names
    ]
    return client.post("/v1/items", files=files, data=data, headers=auth(key))


def test_multipart_batch_with_bad_files_keeps_the_good_ones(
    client: TestClient, keys: dict[str, str], media_dir: Path
) -> None:
    names = ["clip.mp4", "notes.mp4", "empty.mp4", "truncated.mp4", "photo.jpg", "bomb.png"]
    metadata = [{"caption": f"post {i} #batch", "language": "en"} for i in range(len(names))]
    response = _upload(
        client, keys["client"], media_dir, names, creator="ana", metadata=json.dumps(metadata)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    statuses = {r["source"]: (r["status"], r["reason"]) for r in body["results"]}
    assert statuses["clip.mp4"] == ("ingested", None)
    assert statuses["photo.jpg"] == ("ingested", None)
    assert statuses["notes.mp4"] == ("error", statuses["notes.mp4"][1])
    assert "text" in statuses["notes.mp4"][1]
    assert statuses["empty.mp4"][1] == "file is empty"
    assert "truncated" in statuses["truncated.mp4"][1]
    assert "too large" in statuses["bomb.png"][1]
    assert (body["ingested"], body["errors"]) == (2, 4)

    again = _upload(client, keys["client"], media_dir, ["clip.mp4"], creator="bob").json()
    assert again["results"][0]["status"] == "skipped"
    assert again["results"][0]["reason"] == "duplicate"

    items = client.get("/v1/items?limit=500", headers=auth(keys["client"])).json()["items"]
    assert len(items) == 2
    video = next(i for i in items if i["kind"] == "video")
    assert video["creator"]["handle"] == "ana"
    assert video["hashtags"] == ["batch"]
    media = client.get(video["media"]["url"], headers=auth(keys["client"]))
    assert media.status_code == 200
    assert media.content == (media_dir / "clip.mp4").read_bytes()
    assert media.headers["content-type"] == "video/mp4"


def test_json_posts_and_their_errors(client: TestClient, keys: dict[str, str]) -> None:
    posts = [
        {"creator": "ana", "caption": "小猫咪太可爱了 #猫"},
        {"creator": "ana", "caption": "x", "unknown": 1},
        {"creator": "ana", "media": "/etc/passwd"},
        {"creator": "ana", "hashtags": "not-a-list", "caption": "y"},
    ]
    body = client.post("/v1/items", json={"items": posts}, headers=auth(keys["client"])).json()
    assert [r["status"] for r in body["results"]] == ["ingested", "error", "error", "error"]
    assert "unknown field" in body["results"][1]["reason"]
    assert "not accepted over HTTP" in body["results"][2]["reason"]
    assert "hashtags" in body["results"][3]["reason"]
    item = client.get(f"/v1/items/{body['results'][0]['item_id']}", headers=auth(keys["client"]))
    assert item.json()["hashtags"] == ["猫"]


def test_malformed_requests_are_problems(client: TestClient, keys: dict[str, str]) -> None:
    headers = {**auth(keys["client"]), "content-type": "application/json"}
    broken = client.post("/v1/items", content=b'{"items": [', headers=headers)
    assert broken.status_code == 422
    assert broken.headers["content-type"] == PROBLEM
    assert "malformed JSON" in broken.json()["detail"]
    plain = client.post(
        "/v1/items", content=b"hi", headers={**auth(keys["client"]), "content-type": "text/plain"}
    )
    assert plain.status_code == 422 and "multipart/form-data" in plain.json()["detail"]
    missing = client.get("/v1/items/itm_nope", headers=auth(keys["client"]))
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("/not-found")
    bad_limit = client.get("/v1/items?limit=0", headers=auth(keys["client"]))
    assert bad_limit.status_code == 422 and bad_limit.json()["errors"][0]["field"] == "query.limit"


def test_upload_above_size_limit_is_rejected(tmp_path: Path, media_dir: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d", api=ApiSettings(max_upload_mb=1, open_access=True))
    with TestClient(create_app(settings)) as client:
        big = b"\x00" * (2 * 1024 * 1024)
        response = client.post(
            "/v1/items", files=[("files", ("big.mp4", big))], data={"creator": "a"}
        )
        assert response.status_code == 413
        assert response.headers["content-type"] == PROBLEM
        assert "1 MB upload limit" in response.json()["detail"]
        small = client.post(
            "/v1/items",
            files=[("files", ("ok.mp4", (media_dir / "clip.mp4").read_bytes()))],
            data={"creator": "a"},
        )
        assert small.json()["ingested"] == 1


def test_per_file_limit_applies_inside_a_batch(tmp_path: Path, media_dir: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d", api=ApiSettings(open_access=True))
    settings.ingest.max_file_mb = 1
    with TestClient(create_app(settings)) as client:
        files = [
            ("files", ("big.bin", b"\x00" * (1024 * 1024 + 1))),
            ("files", ("clip.mp4", (media_dir / "clip.mp4").read_bytes())),
        ]
        body = client.post("/v1/items", files=files, data={"creator": "a"}).json()
        assert [r["status"] for r in body["results"]] == ["error", "ingested"]
        assert "1 MB limit" in body["results"][0]["reason"]


def test_item_pages_follow_the_cursor(client: TestClient, keys: dict[str, str]) -> None:
    posts = [{"creator": "ana", "caption": f"post {n}"} for n in range(5)]
    client.post("/v1/items", json={"items": posts}, headers=auth(keys["client"]))
    first = client.get("/v1/items?limit=3", headers=auth(keys["client"])).json()
    second = client.get(
        f"/v1/items?limit=3&cursor={first['next_cursor']}", headers=auth(keys["client"])
    ).json()
    captions = [i["caption"] for i in first["items"] + second["items"]]
    assert captions == [f"post {n}" for n in range(5)]
    assert second["next_cursor"] is None


def test_creators_listing(client: TestClient, keys: dict[str, str], platform: Platform) -> None:
    client.post(
        "/v1/items",
        json={"items": [{"creator": "zed", "caption": "a"}]},
        headers=auth(keys["client"]),
    )
    creators = client.get("/v1/creators", headers=auth(keys["client"])).json()["creators"]
    assert [c["handle"] for c in creators] == ["zed"]
    one = client.get(f"/v1/creators/{creators[0]['id']}", headers=auth(keys["client"]))
    assert one.json()["handle"] == "zed"


def test_media_supports_range_requests(
    client: TestClient, keys: dict[str, str], media_dir: Path
) -> None:
    body = _upload(client, keys["client"], media_dir, ["other.mp4"], creator="ana").json()
    url = f"/v1/items/{body['results'][0]['item_id']}/media"
    part = client.get(url, headers={**auth(keys["client"]), "Range": "bytes=0-99"})
    assert part.status_code == 206
    assert part.content == (media_dir / "other.mp4").read_bytes()[:100]
