"""Hash banks over HTTP: admins curate, anyone looks up, every change is audited."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from reelstack.runtime.platform import Platform
from reelstack.safety.banks import HashBankDetector
from reelstack.safety.detectors.base import Subject
from reelstack.testing.http import auth

PDQ = "e3" * 32


@pytest.fixture(scope="module")
def demo_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo's banned clip and a re-upload of it: 6 % zoom, brighter, resized, re-encoded."""
    from reelstack.demo.clips import render
    from reelstack.demo.corpus import plan_corpus

    d = tmp_path_factory.mktemp("bank-api")
    banned = next(p.job for p in plan_corpus(d, 60, 10, 5, {}) if p.meta.get("banned_original"))
    jobs = {"banned": replace(banned, duration=6.0),
            "reupload": replace(banned, duration=6.0, zoom_extra=0.06, gain=1.08,
                                size=(306, 544), crf=32)}  # fmt: skip
    for name, job in jobs.items():
        render(replace(job, out=str(d / f"{name}.mp4")))
    return {name: d / f"{name}.mp4" for name in jobs}


def flip(hex_hash: str, bits: int) -> str:
    return f"{int(hex_hash, 16) ^ (((1 << bits) - 1) << (256 - bits)):064x}"


def create(client: TestClient, key: str, name: str = "piracy", **fields: str):
    return client.post("/v1/banks", json={"name": name, **fields}, headers=auth(key))


def test_create_list_get_and_roles(client: TestClient, keys: dict[str, str]) -> None:
    made = create(client, keys["admin"], description="Pirated films")
    assert made.status_code == 201
    assert made.json() | {"created_at": None} == {
        "name": "piracy", "description": "Pirated films", "policy_id": "ip", "enabled": True,
        "created_at": None, "entries": 0,
    }  # fmt: skip
    denied = create(client, keys["reviewer"], name="mine")
    assert denied.status_code == 403
    assert denied.headers["content-type"] == "application/problem+json"
    assert create(client, keys["admin"]).status_code == 409
    assert create(client, keys["admin"], name="Bad name").status_code == 422
    assert create(client, keys["admin"], name="x", policy_id="nope").status_code == 422
    listed = client.get("/v1/banks", headers=auth(keys["client"])).json()["banks"]
    assert [b["name"] for b in listed] == ["piracy"]
    assert client.get("/v1/banks/piracy", headers=auth(keys["client"])).json()["entries"] == 0
    missing = client.get("/v1/banks/nope", headers=auth(keys["client"]))
    assert missing.status_code == 404 and missing.json()["type"].endswith("/not-found")
    for path in ("/v1/banks/nope/signals", "/v1/banks/nope/items/itm_x"):
        body = {"signals": []} if path.endswith("signals") else None
        assert client.post(path, json=body, headers=auth(keys["admin"])).status_code == 404
    assert client.delete("/v1/banks/nope", headers=auth(keys["admin"])).status_code == 404


def test_add_signals_with_per_signal_errors_then_match(
    client: TestClient, keys: dict[str, str], platform: Platform
) -> None:
    create(client, keys["admin"])
    signals = [
        {"signal_type": "pdq", "signal": PDQ, "note": "poster"},
        {"signal_type": "pdq", "signal": "zz" + PDQ[2:]},
        {"signal_type": "pdq", "signal": PDQ[:-1]},
        {"signal_type": "md5", "signal": "9e107d9d372bb6826bd81d3542a419d6"},
        {"signal_type": "pdq", "signal": PDQ},
    ]
    added = client.post(
        "/v1/banks/piracy/signals", json={"signals": signals}, headers=auth(keys["admin"])
    ).json()
    assert (added["added"], added["duplicates"], added["errors"]) == (2, 1, 2)
    statuses = [r["status"] for r in added["results"]]
    assert statuses == ["added", "error", "error", "added", "duplicate"]
    assert "non-hex character 'z' at position 0" in added["results"][1]["error"]
    assert "64 hex digits (256 bits), got 63" in added["results"][2]["error"]
    denied = client.post(
        "/v1/banks/piracy/signals", json={"signals": signals}, headers=auth(keys["reviewer"])
    )
    assert denied.status_code == 403

    def match(**query: object) -> list[dict]:
        found = client.get("/v1/match", params=query, headers=auth(keys["client"]))
        assert found.status_code == 200, found.text
        return found.json()["matches"]

    near = match(signal_type="pdq", signal=flip(PDQ, 7))
    poster = added["results"][0]["entry_id"]
    assert near == [{"bank": "piracy", "entry_id": poster, "distance": 7, "signal_type": "pdq",
                     "note": "poster", "policy_id": "ip"}]  # fmt: skip
    assert match(signal_type="pdq", signal=flip(PDQ, 40)) == []
    assert match(signal_type="pdq", signal=flip(PDQ, 40), threshold=45)[0]["distance"] == 40
    assert match(signal_type="md5", signal="9E107D9D372BB6826BD81D3542A419D6")[0]["distance"] == 0
    bad = client.get("/v1/match", params={"signal_type": "pdq", "signal": "abc"},
                     headers=auth(keys["client"]))  # fmt: skip
    assert bad.status_code == 422 and "64 hex digits" in bad.json()["detail"]
    off = client.patch("/v1/banks/piracy", json={"enabled": False}, headers=auth(keys["admin"]))
    assert off.json()["enabled"] is False
    assert match(signal_type="pdq", signal=PDQ) == []
    gone = client.delete("/v1/banks/piracy", headers=auth(keys["admin"])).json()
    assert gone == {"name": "piracy", "deleted": True, "entries_removed": 2}
    trail = [r.action for r in platform.store.list_audit("hash_bank", "piracy")]
    assert trail == ["bank.create", "bank.add_signals", "bank.disable", "bank.delete"]
    assert {r.actor for r in platform.store.list_audit("hash_bank", "piracy")} == {"test-admin"}


def test_banked_upload_catches_a_zoomed_reupload(
    client: TestClient, keys: dict[str, str], platform: Platform, demo_clips: dict[str, Path]
) -> None:
    create(client, keys["admin"])
    upload = client.post(
        "/v1/banks/piracy/media",
        files={"file": ("banned.mp4", demo_clips["banned"].read_bytes(), "video/mp4")},
        data={"note": "pirated film"},
        headers=auth(keys["admin"]),
    )
    assert upload.status_code == 200, upload.text
    entry = upload.json()
    assert entry["status"] == "added" and entry["signal_type"] == "video_pdq"
    assert entry["frames"] >= 3
    bad = client.post("/v1/banks/piracy/media", files={"file": ("x.mp4", b"not a video")},
                      headers=auth(keys["admin"]))  # fmt: skip
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    reupload = platform.banks.hasher.hash_file(demo_clips["reupload"], variants=False)
    frames = [{k: f[k] for k in ("ts", "hash", "quality")} for f in reupload.frames]
    hashes = {"md5": reupload.md5, "pdq": frames, "frames": len(frames)}
    scores = HashBankDetector(platform.banks).detect(Subject(features={"hashes": hashes}))
    assert len(scores) == 1 and scores[0].policy_id == "ip" and scores[0].score >= 0.9
    assert entry["entry_id"] in scores[0].evidence
    audit = platform.store.list_audit("hash_bank", "piracy")
    assert audit[-1].action == "bank.add_media" and audit[-1].details["file"] == "banned.mp4"


def test_bank_a_stored_item(
    client: TestClient, keys: dict[str, str], platform: Platform, demo_clips: dict[str, Path]
) -> None:
    from reelstack.understand.hashes import HashesStage
    from reelstack.understand.keyframes import KeyframesStage
    from reelstack.understand.pipeline import Pipeline

    create(client, keys["admin"])
    posted = client.post(
        "/v1/items",
        files=[("files", ("clip.mp4", demo_clips["banned"].read_bytes()))],
        data={"creator": "uploader"},
        headers=auth(keys["client"]),
    ).json()
    item_id = posted["results"][0]["item_id"]
    path = f"/v1/banks/piracy/items/{item_id}"
    early = client.post(path, headers=auth(keys["admin"]))
    assert early.status_code == 422 and "no usable hashes" in early.json()["detail"]
    settings = platform.settings.understand
    stages = [KeyframesStage(platform.models, settings), HashesStage(platform.models, settings)]
    post = platform.understand.post_for(platform.store.get_item(item_id))
    Pipeline(stages, platform.blobs, platform.store).run_posts([(item_id, post)])
    banked = client.post(path, json={"note": "reported"}, headers=auth(keys["admin"])).json()
    assert banked["status"] == "added" and banked["source_item_id"] == item_id
    assert client.post(path, headers=auth(keys["reviewer"])).status_code == 403
    again = client.post(path, headers=auth(keys["admin"])).json()
    assert again["status"] == "duplicate" and again["entry_id"] == banked["entry_id"]
    assert client.get("/v1/banks/piracy", headers=auth(keys["client"])).json()["entries"] == 1
