"""``reelstack serve`` in a real process: loopback rules, keys, demo open access, clear errors."""

from __future__ import annotations

from pathlib import Path

from reelstack.runtime.platform import DEMO_MARKER
from reelstack.storage.registry import open_store
from reelstack.testing.server import get_json, run_cli, serving


def test_serve_needs_keys_unless_demo(tmp_path: Path) -> None:
    data = tmp_path / "data"
    key = run_cli("keys", "add", "app", "--role", "client", "--data", str(data)).stdout.split()[-1]
    with serving("serve", data) as base:
        assert get_json(base + "/v1/health")[1]["status"] == "ok"
        assert get_json(base + "/v1/items")[0] == 401
        status, body = get_json(base + "/v1/items?limit=500", key)
        assert status == 200 and body["items"] == []

    store = open_store(f"sqlite:///{data / 'reelstack.db'}")
    store.set_meta(DEMO_MARKER, {"posts": 0})
    store.close()
    with serving("serve", data) as base:
        assert get_json(base + "/v1/items?limit=500")[0] == 200


def test_public_bind_without_keys_is_refused(tmp_path: Path) -> None:
    result = run_cli("serve", "--data", str(tmp_path / "d"), "--host", "0.0.0.0", "--port", "1")
    assert result.returncode == 2
    assert "needs API keys" in result.stderr
    assert "Traceback" not in result.stderr


def test_open_access_flag_is_refused_off_loopback(tmp_path: Path) -> None:
    data = str(tmp_path / "d")
    run_cli("keys", "add", "ops", "--role", "admin", "--data", data)
    result = run_cli("serve", "--data", data, "--host", "0.0.0.0", "--port", "1", "--open-access")
    assert result.returncode == 2
    assert "only allowed on a loopback address" in result.stderr


def test_expected_errors_print_one_line_without_traceback(tmp_path: Path) -> None:
    result = run_cli("keys", "add", "x", "--role", "god", "--data", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip() == "error: unknown role 'god'; use one of client, reviewer, admin"


def test_sigterm_closes_the_platform(tmp_path: Path) -> None:
    """uvicorn re-raises SIGTERM after its shutdown, so the app's lifespan closes the platform:
    the store's last connection checkpoints and removes the write-ahead log."""
    data = tmp_path / "data"
    data.mkdir()
    store = open_store(f"sqlite:///{data / 'reelstack.db'}")
    store.set_meta(DEMO_MARKER, {"posts": 0})
    store.close()
    with serving("serve", data) as base:
        assert get_json(base + "/v1/items")[0] == 200
        assert (data / "reelstack.db-wal").exists()
    assert not (data / "reelstack.db-wal").exists()
