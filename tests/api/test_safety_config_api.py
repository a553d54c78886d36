"""Keyword banks and rules over HTTP: everyone reads, admins publish, bad files are problems."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from reelstack.runtime.platform import Platform
from reelstack.testing.http import auth

BANKS = """banks:
  - id: prize
    policy_id: spam.scam
    score: 0.92
    terms: [claim your prize]
    regexes: ['free\\s+gift\\s+\\S+\\.ly/']
"""
RULES = """rules:
  - id: young-spammer
    state: live
    policy_id: spam
    action: remove
    when:
      all:
        - {fact: creator.account_age_days, op: "<", value: 7}
        - {fact: score.spam, op: ">=", value: 0.5}
"""
YAML = {"content-type": "application/yaml"}


def test_keyword_banks_publish_with_audit(client: TestClient, keys, platform: Platform) -> None:
    reader = auth(keys["client"])
    current = client.get("/v1/safety/keywords", headers=reader).json()
    assert current["version"] == 1 and len(current["banks"]) > 5
    denied = client.put("/v1/safety/keywords", content=BANKS, headers=auth(keys["reviewer"]))
    assert denied.status_code == 403
    saved = client.put(
        "/v1/safety/keywords", content=BANKS, headers={**auth(keys["admin"]), **YAML}
    )
    assert saved.status_code == 200 and saved.json() == {"version": 2, "banks": 1}
    as_json = json.dumps(
        {"banks": [{"id": "x", "policy_id": "spam", "score": 0.5, "terms": ["x"]}]}
    )
    saved = client.put(
        "/v1/safety/keywords",
        content=as_json,
        headers={**auth(keys["admin"]), "content-type": "application/json"},
    )
    assert saved.json()["version"] == 3
    assert client.get("/v1/safety/keywords/versions", headers=reader).json() == {
        "versions": [1, 2, 3]
    }
    old = client.get("/v1/safety/keywords/versions/2", headers=reader).json()
    assert old["banks"][0]["id"] == "prize"
    audit = platform.store.list_audit("keyword_banks", "keywords")
    assert [(a.action, a.details["version"]) for a in audit] == [
        ("keywords.publish", 2),
        ("keywords.publish", 3),
    ]
    assert platform.keywords.detector().version == "keywords-1+banks.v3"


def test_unsafe_regex_is_a_problem_and_changes_nothing(client: TestClient, keys) -> None:
    admin = {**auth(keys["admin"]), **YAML}
    client.put("/v1/safety/keywords", content=BANKS, headers=admin)
    backreference = BANKS.replace("regexes: [", "regexes: ['(\\w+) \\1', ")
    bad = client.put("/v1/safety/keywords", content=backreference, headers=admin)
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    detail = bad.json()["detail"]
    assert "bank 'prize'" in detail and "(\\w+) \\1" in detail and "backreferences" in detail
    unknown_policy = client.put(
        "/v1/safety/keywords", content=BANKS.replace("spam.scam", "spam.other"), headers=admin
    )
    assert unknown_policy.status_code == 422 and "spam.other" in unknown_policy.json()["detail"]
    current = client.get("/v1/safety/keywords", headers=auth(keys["client"])).json()
    assert current["version"] == 2


def test_rules_publish_with_audit(client: TestClient, keys, platform: Platform) -> None:
    reader = auth(keys["client"])
    current = client.get("/v1/safety/rules", headers=reader).json()
    assert current["version"] == 1
    assert {r["state"] for r in current["rules"]} >= {"shadow", "live"}
    denied = client.put("/v1/safety/rules", content=RULES, headers=auth(keys["reviewer"]))
    assert denied.status_code == 403
    saved = client.put("/v1/safety/rules", content=RULES, headers={**auth(keys["admin"]), **YAML})
    assert saved.json() == {"version": 2, "rules": {"young-spammer": "live"}}
    assert client.get("/v1/safety/rules/versions", headers=reader).json() == {"versions": [1, 2]}
    old = client.get("/v1/safety/rules/versions/1", headers=reader).json()
    assert "new-account-spam" in {r["id"] for r in old["rules"]}
    assert client.get("/v1/safety/rules/versions/9", headers=reader).status_code == 404
    audit = platform.store.list_audit("rule_set", "rules")
    assert [(a.action, a.details["version"]) for a in audit] == [("rules.publish", 2)]
    assert platform.rules.current().get("young-spammer").state == "live"


def test_invalid_rules_are_problems_and_change_nothing(client: TestClient, keys) -> None:
    admin = {**auth(keys["admin"]), **YAML}
    for text, needle in [
        (RULES.replace("creator.account_age_days", "creator.mood"), "unknown fact"),
        (RULES.replace("action: remove", "action: smite"), "action"),
        (RULES + "      - oops: [", "not valid YAML"),
        (RULES.replace("      all:\n", "      all: &a\n        - {not: {all: *a}}\n"), "itself"),
    ]:
        bad = client.put("/v1/safety/rules", content=text, headers=admin)
        assert bad.status_code == 422, text
        assert bad.headers["content-type"] == "application/problem+json"
        assert needle in bad.json()["detail"]
    current = client.get("/v1/safety/rules", headers=auth(keys["client"])).json()
    assert current["version"] == 1
