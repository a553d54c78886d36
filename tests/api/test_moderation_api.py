"""Moderation over HTTP: verdicts without storing, the audit trail, statements, examples."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fastapi.testclient import TestClient

from reelstack.runtime.platform import Platform
from reelstack.safety.decisions import DecisionLog
from reelstack.testing.factories import make_creator, make_item
from reelstack.testing.http import auth

SCAMS = [
    "Send me 0.5 BTC and I will send back 1 BTC, limited giveaway",
    "Claim your free prize now, just pay the shipping fee at my link",
    "Double your crypto in one hour, DM me your wallet",
    "You won a free phone! Click the link in bio to claim it today",
    "Invest 100 dollars and get 5000 back guaranteed, message me",
]
NORMAL = [
    "My grandmother's dumpling recipe, step by step",
    "Sunrise hike to the top of the volcano",
    "Teaching my puppy to sit in one afternoon",
    "Three easy chords for your first guitar song",
    "A rainy afternoon in a Kyoto tea house",
]


def _moderate(client: TestClient, key: str, **json: object):
    return client.post("/v1/moderate", json=json, headers=auth(key))


def test_moderate_text_returns_action_reasons_and_scores(
    client: TestClient, keys, platform: Platform
) -> None:
    before = platform.store.count_items()
    response = _moderate(client, keys["client"], text="Lovely sunset over the lake tonight")
    assert response.status_code == 200
    body = response.json()
    assert body["action"] == "allow" and body["reasons"] == []
    assert {"scores", "policy_version", "errors", "shadow"} <= set(body)
    assert platform.store.count_items() == before  # nothing stored


def test_moderate_rejects_bad_bodies_with_problems(client: TestClient, keys) -> None:
    for body in ({}, {"text": ""}, {"text": "   "}, {"text": 42}):
        response = _moderate(client, keys["client"], **body)
        assert response.status_code == 422, body
        assert response.headers["content-type"].startswith("application/problem+json")
    raw = client.post("/v1/moderate", content=b"not json", headers=auth(keys["client"]))
    assert raw.status_code == 422
    assert client.post("/v1/moderate", json={"text": "x"}).status_code == 401


def test_moderate_handles_a_megabyte_of_obfuscated_text(client: TestClient, keys) -> None:
    text = ("fr\u200bee cr\u0443pto g1veaway " * 40_000)[:1_048_576]
    response = _moderate(client, keys["client"], text=text)
    assert response.status_code == 200
    assert response.json()["action"] in {"allow", "label", "review", "demote", "remove", "disable",
                                          "age_restrict"}  # fmt: skip
    too_long = _moderate(client, keys["client"], text="a" * 2_000_001)
    assert too_long.status_code == 422 and "longer than" in too_long.json()["detail"]


def test_moderate_a_media_upload(client: TestClient, keys, media_dir: Path) -> None:
    with (media_dir / "photo.jpg").open("rb") as f:
        upload = {"file": ("photo.jpg", f, "image/jpeg")}
        response = client.post("/v1/moderate", files=upload, data={"text": "my holiday"},
                               headers=auth(keys["client"]))  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["action"] == "allow"
    with (media_dir / "notes.mp4").open("rb") as f:
        bad = client.post("/v1/moderate", files={"file": ("notes.mp4", f, "video/mp4")},
                          headers=auth(keys["client"]))  # fmt: skip
    assert bad.status_code == 422


def test_audit_filters_pages_and_needs_a_reviewer(
    client: TestClient, keys, platform: Platform
) -> None:
    creator = platform.store.upsert_creator(make_creator())
    items = [platform.store.insert_item(make_item(creator, kind="text")).id for _ in range(3)]
    log = DecisionLog(platform.store)
    log.record(items[0], "remove", actor="m", policy_id="spam.scam", policy_version=1)
    log.record(items[1], "allow", actor="m", policy_version=1)
    log.record(items[2], "demote", actor="m", policy_id="harassment", policy_version=1)
    assert client.get("/v1/audit", headers=auth(keys["client"])).status_code == 403
    reviewer = auth(keys["reviewer"])
    spam = client.get("/v1/audit", params={"policy_id": "spam"}, headers=reviewer).json()
    assert [r["subject_id"] for r in spam["records"]] == [items[0]]
    first = client.get(
        "/v1/audit", params={"action": "decision.", "limit": 2}, headers=reviewer
    ).json()
    rest = client.get("/v1/audit", params={"after": first["next"]}, headers=reviewer).json()
    assert [r["subject_id"] for r in first["records"] + rest["records"]] == items
    export = client.get("/v1/audit/statements", params={"format": "csv"}, headers=reviewer)
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [(r["puid"], r["decision_visibility"]) for r in rows] == [
        (items[0], "DECISION_VISIBILITY_CONTENT_REMOVED"),
        (items[2], "DECISION_VISIBILITY_CONTENT_DEMOTED"),
    ]


def test_examples_train_a_few_shot_head_that_scores_new_text(client: TestClient, keys) -> None:
    reviewer = auth(keys["reviewer"])
    url = "/v1/policies/spam.scam/examples"
    few = client.post(url, json={"examples": [{"text": SCAMS[0], "label": True}]}, headers=reviewer)
    assert few.json()["head"] is None and "5 examples" in few.json()["note"]
    examples = [{"text": t, "label": True} for t in SCAMS] + [
        {"text": t, "label": False} for t in NORMAL
    ]
    trained = client.post(url, json={"examples": examples}, headers=reviewer).json()
    assert trained["examples"] == {"positive": 5, "negative": 5}
    head = trained["head"]
    assert head["version"] == 1 and 0 <= head["metrics"]["roc_auc"] <= 1
    verdict = _moderate(
        client, keys["client"], text="Free bitcoin giveaway, send 1 BTC get 2 back"
    ).json()
    few_shot = [s for s in verdict["scores"] if s["detector"] == "text.few_shot"]
    assert few_shot and few_shot[0]["policy_id"] == "spam.scam" and few_shot[0]["score"] > 0.5
    calm = _moderate(client, keys["client"], text="Baking sourdough bread at home").json()
    assert all(s["score"] < 0.5 for s in calm["scores"] if s["detector"] == "text.few_shot")


def test_bad_examples_and_unknown_policies_are_problems(client: TestClient, keys) -> None:
    reviewer = auth(keys["reviewer"])
    unknown = client.post("/v1/policies/nope/examples", json={"examples": []}, headers=reviewer)
    assert unknown.status_code == 404
    for bad in ({"examples": "x"}, {"examples": [{"text": "", "label": True}]},
                {"examples": [{"text": "ok", "label": "yes"}]}, {"examples": []}):  # fmt: skip
        response = client.post("/v1/policies/spam/examples", json=bad, headers=reviewer)
        assert response.status_code == 422, bad
    assert client.post("/v1/policies/spam/examples", json={"examples": []},
                       headers=auth(keys["client"])).status_code == 403  # fmt: skip


def test_item_view_shows_the_decision_in_force_with_reasons(
    client: TestClient, keys, platform: Platform
) -> None:
    creator = platform.store.upsert_creator(make_creator())
    scam = "Congratulations! You won a free iPhone, claim now at bit.ly/claim-prize-now"
    item = platform.store.insert_item(make_item(creator, kind="text", caption=scam))
    platform.moderation.moderate_item(item.id)
    view = client.get(f"/v1/items/{item.id}", headers=auth(keys["client"])).json()
    moderation = view["moderation"]
    assert moderation["action"] == "remove" and moderation["source"] == "automated"
    reason = moderation["reasons"][0]
    assert reason["policy_id"].startswith("spam") and reason["score"] >= reason["threshold"]
