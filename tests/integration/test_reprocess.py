"""``reelstack reprocess`` and the worker behind the API, on real stages."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from reelstack.api.app import create_app
from reelstack.cli.main import app
from reelstack.config import ApiSettings, Settings
from reelstack.runtime.platform import Platform
from reelstack.testing.media import make_video


def test_reprocess_computes_what_is_missing_then_only_what_is_forced(tmp_path: Path) -> None:
    data = str(tmp_path / "d")
    runner = CliRunner()
    posts = tmp_path / "posts.jsonl"
    posts.write_text(
        '{"creator": "a", "caption": "Sunset over Bangkok #travel"}\n'
        '{"creator": "b", "caption": "小猫咪太可爱了 #萌宠"}\n',
        encoding="utf-8",
    )
    assert runner.invoke(app, ["ingest", str(posts), "--data", data]).exit_code == 0
    first = runner.invoke(app, ["reprocess", "--data", data, "--no-progress"])
    assert "2 items; computed: embed 2, text 2; errors: 0" in first.output
    again = runner.invoke(app, ["reprocess", "--data", data, "--no-progress"])
    assert "computed: nothing" in again.output
    forced = runner.invoke(app, ["reprocess", "--stage", "text", "--data", data, "--no-progress"])
    assert "computed: embed 2, text 2" in forced.output
    bad = runner.invoke(app, ["reprocess", "--stage", "nope", "--data", data])
    assert "unknown stage" in str(bad.exception)


def test_uploaded_video_is_understood_in_the_background(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d", api=ApiSettings(open_access=True))
    clip = make_video(tmp_path / "clip.mp4", seconds=3, size=(96, 160), seed=7)
    with Platform.open(settings) as platform, TestClient(create_app(platform=platform)) as client:
        platform.start_worker()
        body = client.post(
            "/v1/items", files=[("files", ("clip.mp4", clip.read_bytes()))], data={"creator": "a"}
        ).json()
        item_id = body["results"][0]["item_id"]
        deadline = time.monotonic() + 240
        while True:
            features = client.get(f"/v1/items/{item_id}/features").json()["features"]
            if {"keyframes", "visual", "crossmodal", "hashes", "embed"} <= set(features):
                break
            assert time.monotonic() < deadline, f"still missing stages: {sorted(features)}"
            time.sleep(0.5)
        assert features["keyframes"]["model_version"] == "keyframes/1"
        thumb = client.get(f"/v1/items/{item_id}/thumbnail")
        assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
        assert client.get(f"/v1/items/{item_id}/keyframes/99").status_code == 404
        assert client.get("/v1/understand/status").json()["worker"] is True
