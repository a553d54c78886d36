"""``kill -9`` a real ingest process at random moments: nothing committed is lost or corrupt."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reelstack.storage.blobs import sha256_file
from reelstack.storage.registry import open_store
from reelstack.testing.media import make_video

VIDEOS = 30
TEXTS = 4000


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("batch")
    rows = []
    for n in range(VIDEOS):
        make_video(folder / f"v{n}.mp4", seconds=1, size=(32, 56), seed=100 + n)
        rows.append({"media": f"v{n}.mp4", "creator": f"c{n % 5}", "caption": f"video {n}"})
    rows += [{"creator": f"c{n % 5}", "caption": f"text post {n} ✓"} for n in range(TEXTS)]
    random.Random(3).shuffle(rows)
    (folder / "manifest.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    return folder


def _start_ingest(batch: Path, data: Path) -> subprocess.Popen[str]:
    command = [
        sys.executable,
        "-m",
        "reelstack.cli",
        "ingest",
        str(batch),
        "--data",
        str(data),
        "--json",
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def _kill_after(process: subprocess.Popen[str], reported: int) -> list[dict]:
    """Read results until ``reported`` came in, then SIGKILL; returns what was reported."""
    results = []
    assert process.stdout is not None
    for line in process.stdout:
        results.append(json.loads(line))
        if len(results) >= reported:
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=30)
    return results


def _kill_at(process: subprocess.Popen[str], seconds: float) -> list[dict]:
    """SIGKILL after ``seconds`` wherever the process is; returns what it reported until then."""
    time.sleep(seconds)
    os.kill(process.pid, signal.SIGKILL)
    out, _ = process.communicate(timeout=30)
    return [json.loads(line) for line in out.splitlines() if line.endswith("}")]


def test_kill_9_loses_no_committed_item(batch: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    reported: dict[str, str] = {}
    rng = random.Random(11)
    kills = [lambda p, n=n: _kill_after(p, n) for n in (37, 151)]
    kills += [lambda p, t=rng.uniform(0.7, 1.5): _kill_at(p, t) for _ in range(3)]
    for kill in kills:
        process = _start_ingest(batch, data)
        for result in kill(process):
            if result["status"] == "ingested":
                reported[result["source"]] = result["item_id"]
        assert process.returncode == -signal.SIGKILL

        db = data / "reelstack.db"
        check = sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone()[0]
        assert check == "ok"
        store = open_store(f"sqlite:///{db}")
        for item_id in reported.values():
            store.get_item(item_id)  # raises NotFound if a reported commit was lost
        store.close()

    final = _start_ingest(batch, data)
    out, err = final.communicate(timeout=300)
    assert final.returncode == 0, err
    statuses = [json.loads(line)["status"] for line in out.splitlines()]
    assert statuses.count("error") == 0
    store = open_store(f"sqlite:///{data / 'reelstack.db'}")
    assert store.count_items() == VIDEOS + TEXTS
    for item in store.list_items(limit=VIDEOS + TEXTS):
        if item.media_id:
            media = store.get_media(item.media_id)
            blob = data / "blobs" / media.sha256[:2] / media.sha256[2:4] / media.sha256
            assert sha256_file(blob) == media.sha256
    store.close()


def test_interrupted_run_resumes_without_duplicates(batch: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    process = _start_ingest(batch, data)
    _kill_after(process, 10)
    time.sleep(0.1)
    final = _start_ingest(batch, data)
    out, _ = final.communicate(timeout=300)
    results = [json.loads(line) for line in out.splitlines()]
    assert {r["status"] for r in results} <= {"ingested", "skipped"}
    assert sum(r["status"] == "skipped" for r in results) >= 1
    store = open_store(f"sqlite:///{data / 'reelstack.db'}")
    assert store.count_items() == VIDEOS + TEXTS
    store.close()
