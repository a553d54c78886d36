"""KeyframesStage on real media made here: cuts found, bounds kept, little decoded, bad files."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from reelstack.config import UnderstandSettings
from reelstack.models import ModelRegistry
from reelstack.storage.blobs import FileBlobStore
from reelstack.testing.media import make_image, make_video
from reelstack.testing.understand import stage_input
from reelstack.understand.keyframes import KeyframesStage
from reelstack.understand.stage import StageError, StageInput

SIZE = (96, 160)  # width, height: a tiny vertical clip


def write_video(path: Path, frames: list[np.ndarray], fps: int = 10, **options: str) -> Path:
    """An H.264 file (mp4, or MPEG-TS by suffix) of RGB arrays; by default keyframes every
    25 frames, not at the cuts, and no B-frames."""
    options = {"preset": "ultrafast", "g": "25", "sc_threshold": "0"} | options
    with av.open(str(path), "w", format="mpegts" if path.suffix == ".ts" else "mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt, stream.time_base, stream.options = "yuv420p", Fraction(1, fps), options
        for pixels in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
        container.mux(stream.encode())
    return path


def scene_frames(scenes: list[tuple[Callable[[int], np.ndarray], float]], fps: int = 10):
    """Each (scene, seconds) in turn; a scene is a function of the frame number."""
    return [make(i) for make, seconds in scenes for i in range(round(seconds * fps))]


def noise(colour: tuple[int, int, int], seed: int) -> Callable[[int], np.ndarray]:
    """Coloured noise drifting sideways: moving, textured, one dominant colour."""
    rng = np.random.default_rng(seed)
    base = (rng.random((SIZE[1], SIZE[0], 1)) * np.array(colour)).astype(np.uint8)
    return lambda i: np.roll(base, 2 * i, axis=1)


def stripes(i: int) -> np.ndarray:
    x = np.arange(SIZE[0])[None, :, None] + 3 * i
    band = ((x // 16) % 2).repeat(SIZE[1], axis=0)
    return np.where(band, [20, 230, 40], [250, 250, 250]).astype(np.uint8)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("keyframes-media")
    scenes = [(noise((255, 60, 30), 1), 2.2), (stripes, 1.9), (noise((30, 60, 255), 2), 1.9)]
    write_video(d / "scenes.mp4", scene_frames(scenes))  # cuts at 2.2 and 4.1 s
    red, blue, magenta = noise((255, 40, 40), 3), noise((40, 40, 255), 4), noise((255, 40, 255), 8)
    dark_red, orange = noise((200, 40, 40), 7), noise((255, 120, 40), 5)  # near red: weak cuts
    order = [red, dark_red, orange, blue, magenta, red, dark_red]  # strong cuts at 2.4, 3.2, 4.0
    write_video(d / "cuts.mp4", scene_frames([(scene, 0.8) for scene in order]))
    b_frames = {"preset": "veryfast", "g": "20", "bf": "3"}  # TS seeks land a keyframe late
    write_video(d / "scenes.ts", scene_frames([(s, 3.0) for s, _ in scenes]), **b_frames)
    make_video(d / "long.mp4", seconds=60, fps=10, size=(64, 112), seed=5)  # keyframe each 1 s
    make_image(d / "photo.jpg", size=(90, 160), seed=6)
    make_video(d / "clip.mp4", seconds=2, seed=7)
    (d / "corrupt.mp4").write_bytes((d / "clip.mp4").read_bytes()[:64] + bytes(range(256)) * 40)
    (d / "notes.mp4").write_text("this is a text file with a video extension\n")
    (d / "corrupt.jpg").write_bytes((d / "photo.jpg").read_bytes()[:40])
    return d


@pytest.fixture
def blobs(tmp_path: Path) -> FileBlobStore:
    return FileBlobStore(tmp_path / "blobs")


def make_stage(**settings: object) -> KeyframesStage:
    return KeyframesStage(ModelRegistry(specs=[]), UnderstandSettings(**settings))


def run(stage: KeyframesStage, inp: StageInput) -> dict:
    [value] = stage.process([inp])
    assert isinstance(value, dict), value
    return value


def test_finds_the_cuts_between_three_scenes(media: Path, blobs: FileBlobStore) -> None:
    value = run(make_stage(), stage_input(blobs, media_path=media / "scenes.mp4"))
    frames = value["frames"]
    assert frames[0] == frames[0] | {"ts": 0.0, "reason": "first"}
    scene_ts = [f["ts"] for f in frames if f["reason"] == "scene"]
    assert len(scene_ts) == 2  # the first sample of each new scene: at most 0.5 s late
    assert 2.2 <= scene_ts[0] <= 2.7 and 4.1 <= scene_ts[1] <= 4.6
    assert {f["reason"] for f in frames} == {"first", "scene", "uniform"}
    assert [f["ts"] for f in frames] == sorted(f["ts"] for f in frames)
    assert value["duration_s"] == pytest.approx(6.0, abs=0.15)
    assert 1 <= value["decoded_frames"] <= 60


def test_mpeg_ts_with_b_frames_is_sampled_from_start_to_end(media, blobs) -> None:
    value = run(make_stage(), stage_input(blobs, media_path=media / "scenes.ts"))
    frames = [(f["ts"], f["reason"]) for f in value["frames"]]
    assert frames[0] == (0.0, "first") and frames[-1][0] >= 7.5
    assert [ts for ts, reason in frames if reason == "scene"] == [3.0, 6.0]
    assert value["duration_s"] == pytest.approx(9.0, abs=0.15)


def test_stores_blobs_and_caches_the_same_pixels(media: Path, blobs: FileBlobStore) -> None:
    inp = stage_input(blobs, media_path=media / "scenes.mp4")
    value = run(make_stage(), inp)
    assert blobs.exists(value["thumbnail_sha256"])
    assert len(inp._frames) == len(value["frames"])
    reloaded = StageInput(post=inp.post, upstream={"keyframes": value}, blobs=blobs).keyframes()
    for meta, (ts, cached), (_, loaded) in zip(value["frames"], inp._frames, reloaded, strict=True):
        assert blobs.exists(meta["sha256"]) and ts == meta["ts"]
        assert (meta["width"], meta["height"]) == SIZE == cached.size
        assert np.array_equal(np.asarray(cached), np.asarray(loaded))


def test_sizes_are_bounded_by_keyframe_and_thumbnail_px(blobs: FileBlobStore, tmp_path: Path):
    big = make_video(tmp_path / "big.mp4", seconds=1, size=(320, 576), seed=8)
    value = run(make_stage(keyframe_px=128, thumbnail_px=64), stage_input(blobs, media_path=big))
    for frame in value["frames"]:
        assert max(frame["width"], frame["height"]) == 128
        assert frame["height"] / frame["width"] == pytest.approx(576 / 320, rel=0.02)
    with Image.open(blobs.path(value["thumbnail_sha256"])) as thumb:
        assert max(thumb.size) == 64


def test_max_keyframes_keeps_the_first_frame_and_the_strongest_cuts(media, blobs) -> None:
    unbounded = run(make_stage(), stage_input(blobs, media_path=media / "cuts.mp4"))
    assert sum(f["reason"] == "scene" for f in unbounded["frames"]) == 6
    value = run(make_stage(max_keyframes=4), stage_input(blobs, media_path=media / "cuts.mp4"))
    frames = [(f["ts"], f["reason"]) for f in value["frames"]]
    assert frames == [(0.0, "first"), (2.5, "scene"), (3.5, "scene"), (4.0, "scene")]


def test_a_long_video_is_sampled_not_decoded_whole(media: Path, blobs: FileBlobStore) -> None:
    value = run(make_stage(), stage_input(blobs, media_path=media / "long.mp4"))
    assert value["duration_s"] == pytest.approx(60.0, abs=0.2)
    assert value["decoded_frames"] < 150  # of 600 frames: mostly one keyframe per sample
    ts = [f["ts"] for f in value["frames"]]
    assert len(ts) == 16 and ts[0] == 0.0 and ts[-1] > 50
    assert min(np.diff(ts)) >= 1.0  # spread out, not bunched at the start


def test_an_image_gives_one_frame(media: Path, blobs: FileBlobStore) -> None:
    inp = stage_input(blobs, kind="image", media_path=media / "photo.jpg")
    value = run(make_stage(), inp)
    assert value["frames"] == [value["frames"][0] | {"ts": 0.0, "reason": "first"}]
    assert (value["frames"][0]["width"], value["frames"][0]["height"]) == (90, 160)
    assert value["decoded_frames"] == 1 and value["duration_s"] == 0.0
    assert blobs.exists(value["frames"][0]["sha256"]) and blobs.exists(value["thumbnail_sha256"])
    assert inp._frames is not None and inp._frames[0][1].size == (90, 160)


def test_an_image_is_turned_upright_by_its_exif_orientation(blobs, tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    Image.new("RGB", (160, 90), "red").save(tmp_path / "turned.jpg", exif=exif)
    inp = stage_input(blobs, kind="image", media_path=tmp_path / "turned.jpg")
    frame = run(make_stage(), inp)["frames"][0]
    assert (frame["width"], frame["height"]) == (90, 160)


def test_a_transparent_png_is_shown_on_white(blobs, tmp_path: Path) -> None:
    sticker = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    sticker.paste((255, 0, 0, 255), (16, 16, 48, 48))
    sticker.save(tmp_path / "sticker.png")
    inp = stage_input(blobs, kind="image", media_path=tmp_path / "sticker.png")
    run(make_stage(), inp)
    pixels = np.asarray(inp._frames[0][1], dtype=int)
    assert (pixels[2, 2] >= 245).all() and pixels[32, 32, 0] >= 240 > 15 >= pixels[32, 32, 1]


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg command")
def test_a_rotated_phone_video_comes_out_as_ffmpeg_shows_it(media, blobs, tmp_path) -> None:
    rotated, shown = tmp_path / "rotated.mp4", tmp_path / "shown.png"
    tag = ["-metadata:s:v:0", "rotate=90"]  # a display matrix, as phones write
    cmd = ["ffmpeg", "-loglevel", "error", "-y", "-i", str(media / "scenes.mp4"), "-c", "copy"]
    subprocess.run([*cmd, *tag, str(rotated)], check=True)
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-i", str(rotated), "-frames:v", "1", str(shown)],
        check=True,
    )
    inp = stage_input(blobs, media_path=rotated)
    run(make_stage(), inp)
    with Image.open(shown) as expected:
        assert inp._frames[0][1].size == expected.size == SIZE[::-1]
        difference = np.abs(np.asarray(inp._frames[0][1], float) - np.asarray(expected, float))
    assert difference.mean() < 12  # JPEG noise, not a frame turned the wrong way


def test_bad_files_fail_alone_and_the_rest_of_the_batch_goes_on(media, blobs) -> None:
    batch = [
        stage_input(blobs, media_path=media / "corrupt.mp4"),
        stage_input(blobs, media_path=media / "clip.mp4"),
        stage_input(blobs, media_path=media / "notes.mp4"),
        stage_input(blobs, kind="image", media_path=media / "corrupt.jpg"),
        stage_input(blobs, media_path=media / "missing.mp4"),
    ]
    results = make_stage().process(batch)
    assert [type(r).__name__ for r in results] == [
        "StageError",
        "dict",
        "StageError",
        "StageError",
        "StageError",
    ]
    assert all(str(r) for r in results if isinstance(r, StageError))
    assert results[1]["frames"][0]["reason"] == "first"
