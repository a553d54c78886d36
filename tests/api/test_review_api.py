"""Review over HTTP: reports, queues, leasing, decisions (applied in search at once), skips,
and every bad input: wrong role, racing reviewers, expired leases, unknown policies."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from reelstack.api.auth import create_key
from reelstack.core import clock
from reelstack.core.records import Feature
from reelstack.runtime.platform import Platform
from reelstack.testing.factories import make_creator, make_item
from reelstack.testing.http import auth


def put_post(platform: Platform, caption: str, language: str = "en") -> str:
    """A stored post with the text feature search indexes."""
    creator = platform.store.upsert_creator(make_creator())
    item = platform.store.insert_item(make_item(creator, caption=caption, language=language))
    value = {"language": language, "fields": {"caption": {"text": caption, "language": language}},
             "hashtags": [], "entities": []}  # fmt: skip
    platform.store.put_feature(Feature(item_id=item.id, stage="text", model_name="test",
                                       model_version="test/1", value=value))  # fmt: skip
    return item.id


@pytest.fixture
def reviewers(platform: Platform) -> dict[str, str]:
    return {name: create_key(platform.store, name, "reviewer")[1] for name in ("ana", "bob")}


def _report(client: TestClient, key: str, **body: object):
    return client.post("/v1/reports", json=body, headers=auth(key))


def test_report_lease_decide_and_search_drops_the_post_at_once(
    client: TestClient, keys, reviewers, platform: Platform
) -> None:
    item_id = put_post(platform, "Night market street food tour")
    platform.search.indexer.index_items([item_id])
    assert item_id in platform.search.table.all_ids()
    made = _report(client, keys["client"], item=item_id, reporter="u1", policy="spam.scam",
                   reason="fake giveaway in the comments")  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.json()["queue"] == "spam" and not made.json()["duplicate"]
    queues = client.get("/v1/review/queues", headers=auth(reviewers["ana"])).json()["queues"]
    assert [(q["queue"], q["language"], q["depth"]) for q in queues] == [("spam", "en", 1)]
    job = client.get("/v1/review/next", params={"queue": "spam"}, headers=auth(reviewers["ana"]))
    body = job.json()["job"]
    assert body["item"]["id"] == item_id and body["lease_owner"] == "ana"
    assert body["reports"][0]["reason"] == "fake giveaway in the comments"
    none_left = client.get("/v1/review/next", params={"queue": "spam"},
                           headers=auth(reviewers["bob"]))  # fmt: skip
    assert none_left.json() == {"job": None}
    url = f"/v1/review/jobs/{body['id']}/decision"
    decided = client.post(url, json={"action": "remove", "policy": "spam.scam",
                                     "reason": "phishing link"},
                          headers=auth(reviewers["ana"]))  # fmt: skip
    assert decided.status_code == 200, decided.text
    assert decided.json()["job"]["state"] == "decided"
    assert item_id not in platform.search.table.all_ids()  # items.moderated reached search
    shown = client.get(f"/v1/items/{item_id}", headers=auth(keys["client"])).json()
    assert (shown["moderation"]["action"], shown["moderation"]["source"]) == ("remove", "manual")
    audit = client.get("/v1/audit", params={"subject_id": item_id},
                       headers=auth(reviewers["ana"])).json()["records"]  # fmt: skip
    assert [r["action"] for r in audit] == ["report.filed", "decision.remove"]
    assert audit[-1]["actor"] == "reviewer:ana"
    again = client.post(url, json={"action": "allow"}, headers=auth(reviewers["ana"]))
    assert again.status_code == 409


def test_bad_input_is_a_clear_problem(
    client: TestClient, keys, reviewers, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    item_id = put_post(platform, "a quiet walk")
    client_key, ana, bob = keys["client"], auth(reviewers["ana"]), auth(reviewers["bob"])
    for body, status in (({"item": item_id, "reporter": "u1", "policy": "nope"}, 422),
                         ({"item": item_id, "policy": "hate"}, 422),
                         ({"item": item_id, "reporter": "u1", "extra": 1}, 422),
                         ({"item": "itm_missing", "reporter": "u1"}, 404)):  # fmt: skip
        response = _report(client, client_key, **body)
        assert response.status_code == status, body
        assert response.headers["content-type"].startswith("application/problem+json")
    assert client.post("/v1/reports", json={"item": item_id, "reporter": "u"}).status_code == 401
    assert client.get("/v1/review/queues", headers=auth(client_key)).status_code == 403
    assert client.get("/v1/review/next", headers=ana).status_code == 422  # no queue
    _report(client, client_key, item=item_id, reporter="u1", policy="hate")
    job = client.get("/v1/review/next", params={"queue": "hate"}, headers=ana).json()["job"]
    url = f"/v1/review/jobs/{job['id']}"
    unknown = client.post(f"{url}/decision", json={"action": "remove", "policy": "hate.nope"},
                          headers=ana)  # fmt: skip
    assert unknown.status_code == 422 and "hate.nope" in unknown.json()["detail"]
    bad_action = client.post(f"{url}/decision", json={"action": "nuke", "policy": "hate"},
                             headers=ana)  # fmt: skip
    assert bad_action.status_code == 422
    not_mine = client.post(f"{url}/decision", json={"action": "remove", "policy": "hate"},
                           headers=bob)  # fmt: skip
    assert not_mine.status_code == 409
    later = clock.now() + 3600
    monkeypatch.setattr(clock, "now", lambda: later)
    expired = client.post(f"{url}/decision", json={"action": "remove", "policy": "hate"},
                          headers=ana)  # fmt: skip
    assert expired.status_code == 409 and "expired" in expired.json()["detail"]
    assert client.post("/v1/review/jobs/rvj_nope/skip", headers=ana).status_code == 404
    assert platform.store.list_decisions(item_id) == []


def test_skip_sends_the_job_to_another_reviewer(
    client: TestClient, keys, reviewers, platform: Platform
) -> None:
    item_id = put_post(platform, "ambiguous slang")
    _report(client, keys["client"], item=item_id, reporter="u1")
    ana, bob = auth(reviewers["ana"]), auth(reviewers["bob"])
    job = client.get("/v1/review/next", params={"queue": "reports"}, headers=ana).json()["job"]
    skipped = client.post(f"/v1/review/jobs/{job['id']}/skip", json={"reason": "unsure"},
                          headers=ana)  # fmt: skip
    assert skipped.status_code == 200 and skipped.json()["job"]["skips"] == 1
    assert client.get("/v1/review/next", params={"queue": "reports"},
                      headers=ana).json()["job"] is None  # fmt: skip
    taken = client.get("/v1/review/next", params={"queue": "reports"}, headers=bob).json()
    assert taken["job"]["id"] == job["id"]
    allow = client.post(f"/v1/review/jobs/{job['id']}/decision",
                        json={"action": "allow", "reason": "fine"}, headers=bob)  # fmt: skip
    assert allow.status_code == 200 and allow.json()["action"] == "allow"
    viewed = client.get(f"/v1/review/jobs/{job['id']}", headers=ana).json()
    assert viewed["decision_in_force"]["source"] == "manual"


def test_admins_open_a_quality_sample(client: TestClient, keys, platform: Platform) -> None:
    for n in range(4):
        put_post(platform, f"post {n}")
    made = client.post("/v1/review/sample", json={"n": 3, "seed": 7},
                       headers=auth(keys["admin"]))  # fmt: skip
    assert made.status_code == 201
    assert [j["sampler"] for j in made.json()["jobs"]] == ["random"] * 3
    active = client.post("/v1/review/sample", json={"n": 1, "sampler": "active",
                                                    "random_share": 1.0},
                         headers=auth(keys["admin"]))  # fmt: skip
    assert [j["sampler"] for j in active.json()["jobs"]] == ["random"]
    assert client.post("/v1/review/sample", json={"n": 3},
                       headers=auth(keys["reviewer"])).status_code == 403  # fmt: skip
    assert client.post("/v1/review/sample", json={"n": 0},
                       headers=auth(keys["admin"])).status_code == 422  # fmt: skip


def test_appeal_overturn_restores_the_post_in_search(
    client: TestClient, keys, reviewers, platform: Platform
) -> None:
    item_id = put_post(platform, "Street food in the night market")
    handle = platform.store.get_creator(platform.store.get_item(item_id).creator_id).handle
    platform.search.indexer.index_items([item_id])
    ana, bob, app = auth(reviewers["ana"]), auth(reviewers["bob"]), auth(keys["client"])
    _report(client, keys["client"], item=item_id, reporter="u1", policy="dangerous")
    job = client.get("/v1/review/next", params={"queue": "dangerous"}, headers=ana).json()["job"]
    removed = client.post(f"/v1/review/jobs/{job['id']}/decision",
                          json={"action": "remove", "policy": "dangerous.weapons"},
                          headers=ana).json()  # fmt: skip
    assert item_id not in platform.search.table.all_ids()
    appeal = client.post("/v1/appeals", json={"decision": removed["decision_id"],
                                              "creator": handle, "reason": "a toy knife"},
                         headers=app)  # fmt: skip
    assert appeal.status_code == 201, appeal.text
    appeal_id = appeal.json()["appeal_id"]
    assert appeal.json()["state"] == "open"
    assert client.get("/v1/review/next", params={"queue": "appeals"},
                      headers=ana).json()["job"] is None  # fmt: skip
    taken = client.get("/v1/review/next", params={"queue": "appeals"}, headers=bob).json()["job"]
    assert taken["id"] == appeal_id and taken["details"]["reason"] == "a toy knife"
    url = f"/v1/review/jobs/{appeal_id}/decision"
    assert client.post(url, json={"outcome": "reverse"}, headers=bob).status_code == 422
    done = client.post(url, json={"outcome": "overturn", "reason": "toy"}, headers=bob)
    assert done.status_code == 200, done.text
    assert done.json()["action"] == "allow"
    assert item_id in platform.search.table.all_ids()  # restored at once
    status = client.get(f"/v1/appeals/{appeal_id}", headers=app).json()
    assert (status["state"], status["outcome"]) == ("decided", "overturn")
    again = client.post("/v1/appeals", json={"decision": done.json()["decision_id"],
                                             "creator": handle}, headers=app)  # fmt: skip
    assert again.status_code == 422  # an appeal of an appeal
    body = {"decision": removed["decision_id"], "creator": "not-the-creator"}
    stranger = client.post("/v1/appeals", json=body, headers=app)
    assert stranger.status_code == 403
    missing = client.post("/v1/appeals", json={"decision": "dec_nope", "creator": handle},
                          headers=app)  # fmt: skip
    assert missing.status_code == 404


def test_reviewers_limited_to_queues_see_and_decide_only_those(
    client: TestClient, keys, reviewers, platform: Platform
) -> None:
    alice = auth(create_key(platform.store, "alice", "reviewer", "hate:en,reports")[1])
    bob = auth(reviewers["bob"])
    english = put_post(platform, "a slur in english")
    thai = put_post(platform, "คำด่าในภาษาไทย", "th")
    scam = put_post(platform, "free crypto giveaway")
    for n in range(3):  # the Thai job is the more urgent one
        _report(client, keys["client"], item=thai, reporter=f"u{n}", policy="hate")
    _report(client, keys["client"], item=english, reporter="u9", policy="hate")
    _report(client, keys["client"], item=scam, reporter="u9", policy="spam.scam")
    seen = client.get("/v1/review/queues", headers=alice).json()["queues"]
    assert [(q["queue"], q["language"]) for q in seen] == [("hate", "en")]
    everything = client.get("/v1/review/queues", headers=auth(keys["admin"])).json()["queues"]
    assert len(everything) == 3
    for params in ({"queue": "spam"}, {"queue": "hate", "language": "th"}):
        refused = client.get("/v1/review/next", params=params, headers=alice)
        assert refused.status_code == 403, params
        assert "outside your review queues (hate:en, reports)" in refused.json()["detail"]
    mine = client.get("/v1/review/next", params={"queue": "hate"}, headers=alice).json()["job"]
    assert mine["item_id"] == english  # the Thai job ranks higher but is not alice's
    theirs = client.get("/v1/review/next", params={"queue": "hate"}, headers=bob).json()["job"]
    assert theirs["item_id"] == thai
    url = f"/v1/review/jobs/{theirs['id']}"
    decided = client.post(
        f"{url}/decision", json={"action": "remove", "policy": "hate"}, headers=alice
    )
    assert decided.status_code == 403 and "queue hate:th" in decided.json()["detail"]
    assert client.post(f"{url}/skip", headers=alice).status_code == 403
    assert client.get(url, headers=alice).status_code == 403
    assert client.get(url, headers=bob).status_code == 200
    admin = client.get("/v1/review/next", params={"queue": "spam"}, headers=auth(keys["admin"]))
    assert admin.json()["job"]["item_id"] == scam  # admins work every queue
    done = client.post(
        f"/v1/review/jobs/{mine['id']}/decision",
        json={"action": "remove", "policy": "hate"},
        headers=alice,
    )
    assert done.status_code == 200, done.text
