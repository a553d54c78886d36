"""The understanding pipeline end to end, on clips rendered like the demo's."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from reelstack.cli.main import app
from reelstack.demo.assets import resolve_asset
from reelstack.demo.clips import RenderJob, espeak_available, render
from reelstack.ingest.manifest import PostSpec
from reelstack.runtime.platform import Platform
from reelstack.testing.media import transcode
from reelstack.understand import vectors
from reelstack.understand.crossmodal import query_vector
from reelstack.understand.hashes import video_match

CAT = "skimage:chelsea.png"
OTHERS = ("skimage:coffee.png", "skimage:horse.png", "skimage:rocket.jpg", "sklearn:flower.jpg")


def _clip(folder: Path, name: str, asset: str, seed: int, **job: object) -> Path:
    out = folder / name
    render(RenderJob(out=str(out), source=str(resolve_asset(asset)), duration=6.0, seed=seed,
                     **job))  # type: ignore[arg-type]  # fmt: skip
    return out


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    speech = ("Hello, this is my cat. She sleeps all day.", "en-us")
    made = {
        "cat": _clip(folder, "cat.mp4", CAT, 1, overlays=("小猫咪太可爱了",), speech=speech),
    }
    made["cat_copy"] = transcode(made["cat"], folder / "cat_copy.mp4", scale=0.75, gain=1.08)
    for n, asset in enumerate(OTHERS):
        made[asset.split(":")[1].split(".")[0]] = _clip(folder, f"o{n}.mp4", asset, 10 + n)
    return made


def test_understand_command_prints_every_feature(clips: dict[str, Path], tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "understand",
            str(clips["cat"]),
            "--caption",
            "My cat #cat",
            "--data",
            str(tmp_path / "d"),
        ],
    )
    assert result.exit_code == 0, result.output
    features = json.loads(result.output)["features"]
    assert "小猫咪" in features["ocr"]["text"]
    if espeak_available():
        assert "cat" in features["asr"]["text"].lower()
        assert features["asr"]["language"] == "en"
    assert features["text"]["fields"]["caption"]["language"] == "en"
    assert features["visual"]["concepts"] and features["hashes"]["pdq"]
    assert vectors.decode(features["crossmodal"]["vector"]).shape == (384,)
    assert vectors.decode(features["embed"]["vector"]).shape == (384,)


def test_corpus_run_matches_copies_ranks_cats_and_isolates_failures(
    clips: dict[str, Path], platform: Platform, tmp_path: Path
) -> None:
    broken = _clip(tmp_path, "broken.mp4", OTHERS[0], seed=99)
    ids = {}
    for name, path in [*clips.items(), ("broken", broken)]:
        result = platform.ingest.ingest_file(PostSpec(creator="c", caption=name), path)
        assert result.status == "ingested", result
        ids[name] = result.item_id
    blob = platform.blobs.path(platform.store.get_media(
        platform.store.get_item(ids["broken"]).media_id).sha256)  # fmt: skip
    blob.write_bytes(blob.read_bytes()[:2000])  # damaged on disk after ingest

    report = platform.understand.run(list(ids.values()))
    errors = {(key, stage) for key, stage, _ in report.errors}
    assert (ids["broken"], "keyframes") in errors
    assert all(key == ids["broken"] for key, _ in errors)

    features = {n: platform.store.get_features(i) for n, i in ids.items()}
    copy = video_match(features["cat"]["hashes"].value, features["cat_copy"]["hashes"].value)
    assert copy.is_match, copy
    assert not video_match(features["cat"]["hashes"].value,
                           features["coffee"]["hashes"].value).is_match  # fmt: skip

    names = [n for n in ids if n not in ("broken", "cat_copy")]
    matrix = np.stack([vectors.decode(features[n]["crossmodal"].value["vector"]) for n in names])
    for query in ("cat", "猫", "kucing", "แมว"):
        scores = matrix @ query_vector(platform.models, query)
        assert names[int(np.argmax(scores))] == "cat", (
            query,
            dict(zip(names, scores, strict=True)),
        )

    groups = platform.understand.duplicate_groups()
    assert [sorted(g) for g in groups] == [sorted([ids["cat"], ids["cat_copy"]])]

    again = platform.understand.run(list(ids.values()))
    assert sum(again.computed.values()) == 0  # everything reused but the broken item's retry
