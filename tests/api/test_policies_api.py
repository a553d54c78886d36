"""Policies over HTTP: everyone reads, admins publish, bad files are problems."""

from __future__ import annotations

from fastapi.testclient import TestClient

from reelstack.runtime.platform import Platform
from reelstack.testing.http import auth

NEW = """kind: content
policies:
  - id: spam
    name: Spam
    severity: 2
    bands: [{min_confidence: 0.8, action: remove}]
"""


def test_publish_new_version_with_audit(client: TestClient, keys, platform: Platform) -> None:
    current = client.get("/v1/policies/content", headers=auth(keys["client"])).json()
    assert current["version"] == 1 and current["kind"] == "content"
    denied = client.put("/v1/policies/content", content=NEW, headers=auth(keys["reviewer"]))
    assert denied.status_code == 403
    saved = client.put(
        "/v1/policies/content",
        content=NEW,
        headers={**auth(keys["admin"]), "content-type": "application/yaml"},
    )
    assert saved.json() == {"kind": "content", "version": 2}
    versions = client.get("/v1/policies/content/versions", headers=auth(keys["client"])).json()
    assert versions["versions"] == [1, 2]
    old = client.get("/v1/policies/content/versions/1", headers=auth(keys["client"])).json()
    assert len(old["policies"]) > 1
    audit = platform.store.list_audit("policy_set", "content")
    assert [(a.action, a.details["version"]) for a in audit] == [("policy.publish", 2)]


def test_invalid_policy_file_is_a_problem_and_changes_nothing(client: TestClient, keys) -> None:
    bad = client.put(
        "/v1/policies/content",
        content=NEW.replace("remove", "obliterate"),
        headers=auth(keys["admin"]),
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert "bands" in bad.json()["detail"]
    current = client.get("/v1/policies/content", headers=auth(keys["client"])).json()
    assert current["version"] == 1
    assert client.get("/v1/policies/other", headers=auth(keys["client"])).status_code == 422
