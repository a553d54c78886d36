"""The ``reelstack`` command as users run it: exit codes, messages, JSON, keys, doctor."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from reelstack.cli.main import app
from reelstack.storage.registry import open_store

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_ingest_folder_reports_each_bad_file_and_exit_code(media_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = _run("ingest", str(media_dir), "--data", str(data), "--no-progress")
    assert result.exit_code == 1
    assert "5 ingested, 0 skipped, 6 errors" in result.output
    assert "notes.mp4: error: file contains text" in result.output
    assert "bomb.png: error:" in result.output
    again = _run("ingest", str(media_dir / "clip.mp4"), "--data", str(data), "--json")
    assert again.exit_code == 0
    line = json.loads(again.output.strip())
    assert (line["status"], line["reason"]) == ("skipped", "duplicate")


def test_ingest_manifest_with_bad_lines(media_dir: Path, tmp_path: Path) -> None:
    shutil.copy(media_dir / "photo.jpg", tmp_path / "p.jpg")
    manifest = tmp_path / "posts.jsonl"
    manifest.write_text(
        "\n".join(
            [
                json.dumps({"media": "p.jpg", "creator": "ana", "caption": "Kucing comel #kucing"}),
                "not json at all",
                json.dumps({"creator": "ana", "caption": "x", "colour": "red"}),
                json.dumps({"creator": "ana", "caption": ["wrong", "type"]}),
                json.dumps({"creator": "ana", "caption": "แมวน่ารักมาก #แมว"}, ensure_ascii=False),
            ]
        ),
        encoding="utf-8",
    )
    data = tmp_path / "data"
    result = _run("ingest", str(manifest), "--data", str(data), "--json")
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["status"] for r in rows] == ["ingested", "error", "error", "error", "ingested"]
    assert "malformed JSON" in rows[1]["reason"]
    assert "unknown field" in rows[2]["reason"]
    assert "caption" in rows[3]["reason"]
    store = open_store(f"sqlite:///{data / 'reelstack.db'}")
    captions = sorted(i.caption for i in store.list_items())
    assert captions == ["Kucing comel #kucing", "แมวน่ารักมาก #แมว"]
    store.close()


def test_keys_lifecycle(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    added = _run("keys", "add", "ops", "--role", "admin", "--data", data)
    key_id, secret = added.output.split()[0], added.output.split()[-1]
    assert secret.startswith("rs_")
    assert f"{key_id}\tadmin\tactive\tops" in _run("keys", "list", "--data", data).output
    assert _run("keys", "revoke", key_id, "--data", data).exit_code == 0
    assert "revoked" in _run("keys", "list", "--data", data).output


def test_doctor_reports_tools_models_and_data(tmp_path: Path) -> None:
    result = _run("doctor", "--data", str(tmp_path / "d"), "--json")
    report = json.loads(result.output)
    names = {c["name"] for c in report["checks"]}
    assert {"ffmpeg", "espeak-ng", "font: cjk"} <= names
    assert any(n.startswith("model: ") for n in names)
    assert report["data"]["items"] == 0
    human = _run("doctor", "--data", str(tmp_path / "d"))
    assert "model:" in human.output and "items: 0" in human.output
