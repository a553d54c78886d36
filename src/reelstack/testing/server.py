"""Run ``reelstack`` commands in real subprocesses and talk to the server they start."""

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
from typing import Any

CLI = [sys.executable, "-m", "reelstack.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str, key: str | None = None, timeout: float = 10) -> tuple[int, Any]:
    """(status, decoded JSON body) of a GET, for success and error statuses alike."""
    request = urllib.request.Request(url, headers={"X-API-Key": key} if key else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)


@contextmanager
def serving(
    command: str, data: Path, *extra: str, timeout: float = 60, worker: bool = False
) -> Iterator[str]:
    """Start ``reelstack COMMAND --data DATA --port P ...``; yields the base URL once healthy.

    The understanding worker is off unless asked for, so API tests do not load models.
    """
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "REELSTACK_UNDERSTAND__WORKER": str(worker)}
    process = subprocess.Popen(
        [*CLI, command, "--data", str(data), "--port", str(port), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {process.stderr.read().decode()[-2000:]}")
            try:
                if get_json(base + "/v1/health", timeout=2)[0] == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
