"""``reelstack serve`` in a real process: loopback rules, keys, demo open access, clear errors."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reelstack.runtime.platform import DEMO_MARKER
from reelstack.storage.registry import open_store

CLI = [sys.executable, "-m", "reelstack.cli"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, key: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"X-API-Key": key} if key else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@contextmanager
def serving(data: Path, *extra: str) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [*CLI, "serve", "--data", str(data), "--port", str(port), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read().decode()
            try:
                if _get(base + "/v1/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60)


def test_serve_needs_keys_unless_demo(tmp_path: Path) -> None:
    data = tmp_path / "data"
    key = _run("keys", "add", "app", "--role", "client", "--data", str(data)).stdout.split()[-1]
    with serving(data) as base:
        assert _get(base + "/v1/health")[1]["status"] == "ok"
        assert _get(base + "/v1/items")[0] == 401
        status, body = _get(base + "/v1/items?limit=500", key)
        assert status == 200 and body["items"] == []

    store = open_store(f"sqlite:///{data / 'reelstack.db'}")
    store.set_meta(DEMO_MARKER, {"posts": 0})
    store.close()
    with serving(data) as base:
        assert _get(base + "/v1/items?limit=500")[0] == 200


def test_public_bind_without_keys_is_refused(tmp_path: Path) -> None:
    result = _run("serve", "--data", str(tmp_path / "d"), "--host", "0.0.0.0", "--port", "1")
    assert result.returncode == 2
    assert "needs API keys" in result.stderr
    assert "Traceback" not in result.stderr


def test_open_access_flag_is_refused_off_loopback(tmp_path: Path) -> None:
    data = str(tmp_path / "d")
    _run("keys", "add", "ops", "--role", "admin", "--data", data)
    result = _run("serve", "--data", data, "--host", "0.0.0.0", "--port", "1", "--open-access")
    assert result.returncode == 2
    assert "only allowed on a loopback address" in result.stderr


def test_expected_errors_print_one_line_without_traceback(tmp_path: Path) -> None:
    result = _run("keys", "add", "x", "--role", "god", "--data", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip() == "error: unknown role 'god'; use one of client, reviewer, admin"
