"""Keys and roles, open access rules, health, metrics and OpenAPI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from reelstack.api.app import create_app
from reelstack.api.auth import create_key
from reelstack.cli.main import app
from reelstack.config import ApiSettings, Settings
from reelstack.core.clock import now
from reelstack.core.errors import ConfigError, InvalidInput
from reelstack.runtime.platform import Platform
from reelstack.testing.http import auth


def test_missing_key_is_401_problem(client: TestClient) -> None:
    response = client.get("/v1/items")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert "missing API key" in response.json()["detail"]


def test_wrong_or_revoked_key_is_401(client: TestClient, platform: Platform, keys) -> None:
    assert client.get("/v1/items", headers=auth("rs_wrong")).status_code == 401
    key_id = next(k.id for k in platform.store.list_api_keys() if k.role == "client")
    platform.store.revoke_api_key(key_id, now())
    assert client.get("/v1/items", headers=auth(keys["client"])).status_code == 401


def test_roles_are_ordered(client: TestClient, keys: dict[str, str]) -> None:
    assert client.get("/v1/admin/keys", headers=auth(keys["admin"])).status_code == 200
    reviewer = client.get("/v1/admin/keys", headers=auth(keys["reviewer"]))
    assert reviewer.status_code == 403
    assert "needs the admin role" in reviewer.json()["detail"]
    assert client.get("/v1/items", headers={"X-API-Key": keys["reviewer"]}).status_code == 200
    assert client.get("/v1/whoami", headers=auth(keys["client"])).json()["role"] == "client"


def test_open_access_is_loopback_only(tmp_path: Path) -> None:
    local = Settings(data_dir=tmp_path / "a", api=ApiSettings(open_access=True))
    with TestClient(create_app(local)) as client:
        assert client.get("/v1/admin/config").status_code == 200
    public = Settings(data_dir=tmp_path / "b", api=ApiSettings(open_access=True, host="0.0.0.0"))
    with pytest.raises(ConfigError, match="only allowed on a loopback"):
        create_app(public)


def test_health_metrics_and_openapi_need_no_key(client: TestClient, keys) -> None:
    health = client.get("/v1/health").json()
    assert health["status"] == "ok" and health["store"] == "sqlite"
    client.get("/v1/items", headers=auth(keys["client"]))
    metrics = client.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    assert 'reelstack_http_requests_total{method="GET",route="/v1/items",status="200"}' in (
        metrics.text
    )
    assert "reelstack_items 0.0" in metrics.text
    spec = client.get("/openapi.json").json()
    assert {"/v1/items", "/v1/health", "/v1/items/{item_id}"} <= set(spec["paths"])
    assert "multipart/form-data" in spec["paths"]["/v1/items"]["post"]["requestBody"]["content"]
    assert client.get("/docs").status_code == 200


def test_unknown_route_is_a_problem(client: TestClient) -> None:
    response = client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["type"].endswith("/not-found")


def test_console_is_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "ReelStack" in page.text
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)
    assert any(a.endswith(".js") for a in assets)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_reviewer_keys_limited_to_queues(client: TestClient, platform: Platform, keys) -> None:
    _, secret = create_key(platform.store, "alice", "reviewer", "violence, hate:EN,violence")
    me = client.get("/v1/whoami", headers=auth(secret)).json()
    assert me == {"name": "alice", "role": "reviewer", "queues": ["violence", "hate:en"]}
    assert client.get("/v1/whoami", headers=auth(keys["reviewer"])).json()["queues"] is None
    listed = client.get("/v1/admin/keys", headers=auth(keys["admin"])).json()["keys"]
    assert {k["name"]: k["queues"] for k in listed} == {
        "test-client": None,
        "test-reviewer": None,
        "test-admin": None,
        "alice": ["violence", "hate:en"],
    }
    with pytest.raises(InvalidInput, match="only reviewer keys"):
        create_key(platform.store, "root", "admin", "violence")
    with pytest.raises(InvalidInput, match="QUEUE:LANGUAGE"):
        create_key(platform.store, "bob", "reviewer", "hate:english!")


def test_keys_command_checks_and_shows_queues(settings: Settings) -> None:
    data = ["--data", str(settings.data_dir)]
    runner = CliRunner()
    added = runner.invoke(
        app, ["keys", "add", "alice", "--role", "reviewer", "--queues", "violence,hate:en", *data]
    )
    assert added.exit_code == 0, added.output
    assert "reviewer alice queues=violence,hate:en" in added.output
    typo = runner.invoke(
        app, ["keys", "add", "bob", "--role", "reviewer", "--queues", "violense", *data]
    )
    assert isinstance(typo.exception, InvalidInput)
    assert "unknown review queue violense" in typo.exception.message
    listed = runner.invoke(app, ["keys", "list", *data]).output.splitlines()
    assert [line.split("\t")[3:] for line in listed] == [["alice", "violence,hate:en"]]
