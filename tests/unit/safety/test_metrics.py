"""Per-policy metrics from reviewed samples and appeals, and the transparency report."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from reelstack.runtime.platform import Platform
from reelstack.safety.appeals import AppealService
from reelstack.safety.decisions import DecisionLog
from reelstack.safety.metrics import policy_metrics, transparency_csv, transparency_report, wilson
from reelstack.safety.review import ReviewService
from reelstack.safety.review.sampling import quality_sample
from reelstack.testing.factories import make_creator, make_item
from reelstack.testing.http import auth

# item -> (automated action, what the reviewer finds: (action, policy))
CASES = [("remove", ("remove", "spam.scam"))] * 3 + [("remove", ("allow", None)),
         ("allow", ("remove", "spam.scam")), ("allow", ("remove", "hate"))] + [
         ("allow", ("allow", None))] * 4  # fmt: skip


def test_wilson_interval_matches_the_textbook() -> None:
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(0, 0) == (0.0, 0.0)


@pytest.fixture
def reviewed(platform: Platform) -> Platform:
    """Ten posts automation decided, all in the random sample and reviewed; and one
    automated removal overturned on appeal."""
    store, log = platform.store, DecisionLog(platform.store)
    creator = store.upsert_creator(make_creator("maker"))
    for action, _ in CASES:
        item = store.insert_item(make_item(creator))
        log.record(item.id, action, actor="reelstack.moderation",
                   policy_id="spam.scam" if action == "remove" else None)  # fmt: skip
    truth = {item.id: CASES[n][1] for n, item in enumerate(store.list_items())}
    review = ReviewService.for_platform(platform)
    assert len(quality_sample(store, platform.policies, 10, seed=3)) == 10
    while (job := review.next("ana", "quality")) is not None:
        action, policy = truth[job.item_id]
        review.decide(job.id, "ana", action, policy, "")
    appealed = store.insert_item(make_item(creator))
    removed = log.record(appealed.id, "remove", actor="reelstack.moderation", policy_id="spam")
    appeals = AppealService(review)
    job = appeals.file(removed.id, "maker", "not spam")
    review.next("bob", "appeals")
    appeals.decide(job.id, "bob", "overturn", "a real shop")
    return platform


def test_precision_recall_prevalence_and_shares(reviewed: Platform) -> None:
    report = policy_metrics(reviewed.store, reviewed.policies)
    assert (report["random_sample"], report["labelled_cases"]) == (10, 11)
    spam = next(p for p in report["policies"] if p["policy_id"] == "spam")
    sample = spam["sample"]  # random sample only: 3 of 4 flagged right, 3 of 4 found
    assert (sample["precision"]["value"], sample["recall"]["value"], sample["f1"]) == (
        0.75, 0.75, 0.75)  # fmt: skip
    assert sample["precision"]["low"] < 0.75 < sample["precision"]["high"]
    reviewed_all = spam["reviewed"]  # + the overturned appeal: a false positive
    assert reviewed_all["precision"]["k"] == 3 and reviewed_all["precision"]["n"] == 5
    assert spam["prevalence"]["value"] == 0.4
    assert spam["prevalence"]["low"] == pytest.approx(wilson(4, 10)[0], abs=1e-4)
    hate = next(p for p in report["policies"] if p["policy_id"] == "hate")
    assert hate["prevalence"]["value"] == 0.1 and hate["sample"]["recall"]["value"] == 0.0
    assert spam["decisions"] == {"automated": 5, "manual": 4, "automated_share": 0.5556}
    assert spam["time_to_action_s"]["manual"]["n"] == 4
    assert spam["time_to_action_s"]["automated"]["n"] == 5
    assert spam["appeals"]["overturned"] == 1 and spam["appeals"]["overturn_rate"]["value"] == 1
    assert spam["sla"] == {"decided": 1, "within_sla": 1}  # the appeal; samples have no policy
    assert report["overall"]["enforcement_decisions"] == 10


def test_transparency_report_counts_by_policy_action_source_and_automation(
    reviewed: Platform,
) -> None:
    report = transparency_report(reviewed.store)
    rows = {tuple(r[k] for k in ("policy_id", "action", "source", "automated")): r["count"]
            for r in report["rows"]}  # fmt: skip
    assert rows == {
        ("hate", "remove", "quality_sample", False): 1,
        ("none", "allow", "automated_detection", True): 6,
        ("none", "allow", "quality_sample", False): 5,
        ("spam", "allow", "appeal", False): 1,
        ("spam", "remove", "automated_detection", True): 1,
        ("spam.scam", "remove", "automated_detection", True): 4,
        ("spam.scam", "remove", "quality_sample", False): 4,
    }
    assert report["decisions"] == 22 and report["totals"]["automated"] == {"true": 11, "false": 11}
    lines = transparency_csv(report).splitlines()
    assert lines[0] == "policy_id,action,source,automated,count" and len(lines) == 8


def test_metrics_and_transparency_over_http(client: TestClient, keys, reviewed: Platform) -> None:
    reviewer = auth(keys["reviewer"])
    body = client.get("/v1/safety/metrics", headers=reviewer).json()
    assert {p["policy_id"] for p in body["policies"]} >= {"spam", "hate", "harassment"}
    later = client.get("/v1/safety/metrics", params={"since": "2100-01-01T00:00:00Z"},
                       headers=reviewer).json()  # fmt: skip
    assert later["labelled_cases"] == 0 and later["overall"]["enforcement_decisions"] == 0
    csv_body = client.get("/v1/safety/transparency", params={"format": "csv"}, headers=reviewer)
    assert csv_body.headers["content-type"].startswith("text/csv")
    assert csv_body.text.startswith("policy_id,action,source,automated,count")
    assert client.get("/v1/safety/metrics", headers=auth(keys["client"])).status_code == 403
    bad = client.get("/v1/safety/transparency", params={"format": "xml"}, headers=reviewer)
    assert bad.status_code == 422
