"""The dashboards' API: moderation actions over time from the audit log, search and feed usage
tallied from the event log, and system figures (latency percentiles per route, the
understanding backlog and stage errors)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from reelstack.api.metrics import RecentLatencies
from reelstack.core import clock
from reelstack.core.records import Feature
from reelstack.runtime.backlog import stage_errors
from reelstack.runtime.platform import Platform
from reelstack.safety.decisions import DecisionLog
from reelstack.testing.factories import make_creator, make_item
from reelstack.testing.http import auth

HOUR = 3600.0
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC).timestamp()  # a Monday, 09:00 UTC


def stored_post(platform: Platform, caption: str) -> str:
    """A post with the text feature search indexes, indexed at once."""
    creator = platform.store.upsert_creator(make_creator())
    item = platform.store.insert_item(make_item(creator, caption=caption, language="en"))
    value = {"language": "en", "fields": {"caption": {"text": caption, "language": "en"}},
             "hashtags": [], "entities": []}  # fmt: skip
    platform.store.put_feature(Feature(item_id=item.id, stage="text", model_name="test",
                                       model_version="test/1", value=value))  # fmt: skip
    platform.search.indexer.index_items([item.id])
    return item.id


def decide_at(platform: Platform, monkeypatch: pytest.MonkeyPatch, ts: float, action: str) -> None:
    monkeypatch.setattr(clock, "now", lambda: ts)
    item_id = platform.store.insert_item(
        make_item(platform.store.upsert_creator(make_creator()))
    ).id
    DecisionLog(platform.store).record(item_id, action, actor="reelstack.moderation",
                                       policy_id="spam" if action != "allow" else None)  # fmt: skip


def test_actions_are_counted_per_hour_and_day_with_empty_buckets(
    client: TestClient, keys, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    decide_at(platform, monkeypatch, START + 60, "remove")
    decide_at(platform, monkeypatch, START + 120, "allow")
    decide_at(platform, monkeypatch, START + 2 * HOUR + 5, "demote")
    decide_at(platform, monkeypatch, START + 2 * HOUR + 9, "remove")
    window = {"since": "2026-03-02T08:30:00Z", "until": "2026-03-02T11:59:00Z"}
    hourly = client.get("/v1/safety/actions", params={"bucket": "hour", **window},
                        headers=auth(keys["reviewer"]))  # fmt: skip
    assert hourly.status_code == 200, hourly.text
    body = hourly.json()
    assert body["actions"] == ["allow", "demote", "remove"]  # lightest to strictest
    assert [s["start"][11:16] for s in body["series"]] == ["08:00", "09:00", "10:00", "11:00"]
    assert [s["total"] for s in body["series"]] == [0, 2, 0, 2]
    assert body["series"][3]["counts"] == {"allow": 0, "demote": 1, "remove": 1}
    assert body["totals"] == {"allow": 1, "demote": 1, "remove": 2}
    daily = client.get("/v1/safety/actions", params={"bucket": "day"},
                       headers=auth(keys["reviewer"])).json()  # fmt: skip
    assert len(daily["series"]) == 30 and daily["series"][-1]["start"] == "2026-03-02T00:00:00Z"
    assert daily["series"][-1]["total"] == 4 and sum(s["total"] for s in daily["series"]) == 4


def test_manual_decisions_are_told_apart(client: TestClient, keys, platform: Platform) -> None:
    item_id = stored_post(platform, "Street food at the night market")
    reviewer = auth(keys["reviewer"])
    client.post("/v1/reports", json={"item": item_id, "reporter": "u1", "policy": "spam.scam"},
                headers=auth(keys["client"]))  # fmt: skip
    job = client.get("/v1/review/next", params={"queue": "spam"}, headers=reviewer).json()["job"]
    decision = {"action": "remove", "policy": "spam.scam", "reason": "phishing link"}
    client.post(f"/v1/review/jobs/{job['id']}/decision", headers=reviewer, json=decision)
    body = client.get("/v1/safety/actions", params={"bucket": "minute"}, headers=reviewer).json()
    assert len(body["series"]) == 60
    assert body["series"][-1]["counts"]["remove"] == 1 and body["series"][-1]["manual"] == 1


def test_actions_bad_input_and_roles(client: TestClient, keys) -> None:
    reviewer = auth(keys["reviewer"])
    assert client.get("/v1/safety/actions", params={"bucket": "week"},
                      headers=reviewer).status_code == 422  # fmt: skip
    backwards = client.get("/v1/safety/actions", headers=reviewer,
                           params={"since": "2026-03-02T10:00:00Z",
                                   "until": "2026-03-01T10:00:00Z"})  # fmt: skip
    assert backwards.status_code == 422 and "before" in backwards.json()["detail"]
    too_long = client.get("/v1/safety/actions", headers=reviewer,
                          params={"bucket": "minute", "since": "2026-01-01T00:00:00Z",
                                  "until": "2026-03-01T00:00:00Z"})  # fmt: skip
    assert too_long.status_code == 422 and "at most" in too_long.json()["detail"]
    assert client.get("/v1/safety/actions", headers=auth(keys["client"])).status_code == 403


def test_search_and_feed_usage_from_the_event_log(
    client: TestClient, keys, platform: Platform
) -> None:
    key = auth(keys["client"])
    item_id = stored_post(platform, "Spicy noodle soup in ten minutes")
    found = client.get("/v1/search", params={"q": "noodle soup"}, headers=key).json()
    assert found["results"][0]["item_id"] == item_id
    client.get("/v1/search", params={"q": "zebra origami"}, headers=key)
    clicked = client.post("/v1/search/click", headers=key, json={
        "search_id": found["search_id"], "item_id": item_id, "position": 1})  # fmt: skip
    assert clicked.status_code == 200, clicked.text
    now = clock.now()
    events = [{"event_id": f"i{n}", "type": "impression", "user": "u1", "item": item_id,
               "ts": now - 10 + n} for n in range(4)]  # fmt: skip
    events += [{"event_id": "v1", "type": "view", "user": "u1", "item": item_id, "ts": now - 5,
                "watch_ms": 8000, "duration_ms": 8000},
               {"event_id": "v2", "type": "view", "user": "u1", "item": item_id, "ts": now - 4,
                "watch_ms": 2000, "duration_ms": 8000},
               {"event_id": "l1", "type": "like", "user": "u1", "item": item_id,
                "ts": now - 3}]  # fmt: skip
    assert client.post("/v1/events", json={"events": events}, headers=key).json()["stored"] == 7
    usage = client.get("/v1/usage/stats", headers=key).json()
    search = usage["search"]
    assert (search["queries"], search["zero_results"], search["zero_result_rate"]) == (2, 1, 0.5)
    assert (search["clicks"], search["ctr"], search["mean_click_position"]) == (1, 0.5, 1)
    assert search["top_zero_result_queries"] == [{"query": "zebra origami", "count": 1}]
    feed = usage["feed"]
    assert feed["events"]["impression"] == 4 and feed["per_impression"]["view"] == 0.5
    assert feed["engagement_per_impression"] == 0.25
    assert (feed["mean_watch_s"], feed["completion_rate"]) == (5.0, 0.5)
    assert usage["caught_up"] and usage["events_read"] == platform.store.count_events()
    more = [{"event_id": "l2", "type": "like", "user": "u2", "item": item_id, "ts": now}]
    client.post("/v1/events", json={"events": more}, headers=key)
    again = client.get("/v1/usage/stats", headers=key).json()
    assert again["feed"]["events"]["like"] == 2  # new events added, old ones not counted twice
    assert again["search"]["queries"] == 2


def test_system_stats_give_latency_percentiles_per_route(
    client: TestClient, keys, platform: Platform
) -> None:
    for _ in range(5):
        client.get("/v1/health")
    client.get("/v1/items/itm_missing", headers=auth(keys["client"]))
    body = client.get("/v1/system/stats", headers=auth(keys["client"])).json()
    routes = {(r["method"], r["route"]): r for r in body["http"]["routes"]}
    health = routes[("GET", "/v1/health")]
    assert health["count"] == 5 and health["errors_5xx"] == 0
    assert 0 < health["p50_ms"] <= health["p95_ms"] <= health["p99_ms"]
    assert routes[("GET", "/v1/items/{item_id}")]["count"] == 1
    assert body["http"]["routes"][0]["route"] == "/v1/health"  # busiest first
    assert body["store"] == {"items": 0, "events": 0}
    assert body["understand"]["worker"] is False and body["understand"]["stage_errors"] == []


def test_recent_latencies_keep_a_bounded_window_with_exact_percentiles() -> None:
    recent = RecentLatencies(size=100, max_routes=2)
    for ms in range(1, 201):  # 1..200 ms: only the last 100 (101..200) stay
        recent.observe("GET", "/a", ms / 1000, 500 if ms == 200 else 200)
    recent.observe("GET", "/b", 0.004, 200)
    recent.observe("GET", "/c", 0.004, 200)  # a third route is beyond max_routes
    summary = recent.summary()
    assert [row["route"] for row in summary] == ["/a", "/b"]
    assert summary[0] == {"method": "GET", "route": "/a", "count": 100, "p50_ms": 150.0,
                          "p95_ms": 195.0, "p99_ms": 199.0, "errors_5xx": 1}  # fmt: skip


def test_stage_errors_name_the_failing_stage(platform: Platform) -> None:
    creator = platform.store.upsert_creator(make_creator())
    item_ids = [platform.store.insert_item(make_item(creator)).id for _ in range(3)]
    failures = [(item_ids[0], "ocr", "no text model"), (item_ids[1], "ocr", "no text model"),
                (item_ids[2], "asr", "decode failed")]  # fmt: skip
    for item_id, stage, error in failures:
        platform.store.put_feature(Feature(item_id=item_id, stage=stage, model_name="m",
                                           model_version="1", value={"error": error}))  # fmt: skip
    found = stage_errors(platform.store, item_ids)
    assert found == [{"stage": "ocr", "items": 2, "example": "no text model"},
                     {"stage": "asr", "items": 1, "example": "decode failed"}]  # fmt: skip
