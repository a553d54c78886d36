"""HashesStage and matching on real clips: a re-encoded copy matches, another clip does not."""

from __future__ import annotations

import hashlib
import shutil
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageEnhance

from reelstack.config import UnderstandSettings
from reelstack.core.errors import ModelUnavailable
from reelstack.models import ModelRegistry
from reelstack.storage.blobs import FileBlobStore
from reelstack.testing.understand import stage_input
from reelstack.understand.hashes import (
    HashesStage,
    exact_duplicate_groups,
    hamming,
    near_duplicate_groups,
    video_match,
)
from reelstack.understand.keyframes import KeyframesStage
from reelstack.understand.stage import StageError, StageInput

FPS = 10


def write_video(path: Path, images: list[Image.Image], crf: int = 23, gop: int = FPS) -> Path:
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height = images[0].size
        stream.pix_fmt, stream.time_base = "yuv420p", Fraction(1, FPS)
        stream.options = {"preset": "ultrafast", "g": str(gop), "crf": str(crf)}
        for image in images:
            container.mux(stream.encode(av.VideoFrame.from_image(image)))
        container.mux(stream.encode())
    return path


def animation(seed: int, seconds: float = 6.0, size: tuple[int, int] = (144, 256)):
    """Discs drifting over a gradient, with a cut halfway to another gradient and discs."""
    rng = np.random.default_rng(seed)
    scenes = []
    for _ in range(2):
        top, bottom = rng.integers(0, 256, size=(2, 3))
        ramp = np.linspace(0, 1, size[1])[:, None, None]
        background = (top + (bottom - top) * ramp).repeat(size[0], axis=1).astype(np.uint8)
        shapes = [
            (
                rng.integers(0, 256, 3),
                rng.random(2) * size,
                rng.normal(0, 3, 2),
                rng.integers(12, 48),
            )
            for _ in range(6)
        ]
        scenes.append((Image.fromarray(background), shapes))
    images = []
    for i in range(int(seconds * FPS)):
        background, shapes = scenes[0 if i < seconds * FPS / 2 else 1]
        image = background.copy()
        draw = ImageDraw.Draw(image)
        for colour, (x, y), (vx, vy), r in shapes:
            cx, cy = (x + vx * i) % size[0], (y + vy * i) % size[1]  # wrap: stay in view
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=tuple(int(c) for c in colour))
        images.append(image)
    return images


def reencoded_copy(source: Path, target: Path) -> Path:
    """Decoded, shrunk to 3/4, 15% brighter and encoded again at a lower quality."""
    images = []
    with av.open(str(source)) as container:
        for frame in container.decode(video=0):
            image = frame.to_image().resize((108, 192), Image.Resampling.BILINEAR)
            images.append(ImageEnhance.Brightness(image).enhance(1.15))
    return write_video(target, images, crf=32, gop=25)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("hashes-media")
    write_video(d / "original.mp4", animation(seed=1))
    reencoded_copy(d / "original.mp4", d / "copy.mp4")
    write_video(d / "other.mp4", animation(seed=2))
    shutil.copyfile(d / "other.mp4", d / "other-again.mp4")
    photo = animation(seed=3, seconds=0.1)[0]
    photo.save(d / "photo.jpg", quality=95)
    photo.resize((72, 128)).save(d / "photo-small.png")
    return d


@pytest.fixture(scope="module")
def values(media: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """The hashes value of every file in ``media``, made by the real keyframes stage."""
    blobs = FileBlobStore(tmp_path_factory.mktemp("blobs"))
    registry, settings = ModelRegistry(specs=[]), UnderstandSettings()
    keyframes, hashes = KeyframesStage(registry, settings), HashesStage(registry, settings)
    out = {}
    for path in sorted(media.iterdir()):
        kind = "image" if path.suffix in {".jpg", ".png"} else "video"
        inp = stage_input(blobs, kind=kind, media_path=path)
        [inp.upstream["keyframes"]] = keyframes.process([inp])
        [out[path.stem]] = hashes.process([inp])
    return out


def test_value_has_md5_and_one_pdq_hash_per_keyframe(media: Path, values) -> None:
    value = values["original"]
    assert value["md5"] == hashlib.md5((media / "original.mp4").read_bytes()).hexdigest()
    assert value["frames"] == len(value["pdq"]) >= 3
    for frame in value["pdq"]:
        assert len(frame["hash"]) == 64 and int(frame["hash"], 16) >= 0
        assert 0 <= frame["quality"] <= 100 and isinstance(frame["ts"], float)
    assert values["photo"]["frames"] == 1


def test_a_reencoded_resized_brighter_copy_matches(values) -> None:
    match = video_match(values["original"], values["copy"])
    assert match.is_match
    assert match.a_fraction >= 0.7 and match.b_fraction >= 0.7
    assert video_match(values["copy"], values["original"]).is_match


def test_a_different_clip_does_not_match(values) -> None:
    match = video_match(values["original"], values["other"])
    assert not match.is_match and match.a_fraction < 0.5 and match.b_fraction < 0.5


def test_a_resized_photo_matches_itself(values) -> None:
    assert video_match(values["photo"], values["photo-small"]).is_match
    assert not video_match(values["photo"], values["original"]).is_match


def test_groups_near_and_exact_duplicates(values) -> None:
    groups = near_duplicate_groups(values)
    assert sorted(map(sorted, groups)) == [
        ["copy", "original"],
        ["other", "other-again"],
        ["photo", "photo-small"],
    ]
    assert [sorted(group) for group in exact_duplicate_groups(values)] == [["other", "other-again"]]


def test_hashes_from_the_blobs_equal_those_from_the_same_run(media, values, tmp_path) -> None:
    """Keyframes leaves the stored JPEGs' pixels in the cache, so a re-run agrees exactly."""
    blobs = FileBlobStore(tmp_path / "blobs")
    registry, settings = ModelRegistry(specs=[]), UnderstandSettings()
    inp = stage_input(blobs, media_path=media / "original.mp4")
    [keyframes] = KeyframesStage(registry, settings).process([inp])
    fresh = StageInput(post=inp.post, upstream={"keyframes": keyframes}, blobs=blobs)
    [reloaded] = HashesStage(registry, settings).process([fresh])
    assert fresh._frames is not inp._frames
    assert reloaded == values["original"]


def test_pdq_hex_is_threatexchange_order() -> None:
    """First bit of the hash is the most significant bit of the first hex digit."""
    import pdqhash

    stage = HashesStage(ModelRegistry(specs=[]), UnderstandSettings())
    assert stage.version == f"hashes/1 pdqhash=={pdqhash.__version__}"
    image = animation(seed=4, seconds=0.1)[0]
    bits, quality = pdqhash.compute(np.asarray(image))
    expected = f"{int(''.join(str(int(b)) for b in bits), 2):064x}"
    assert stage.pdq(image) == {"hash": expected, "quality": int(quality)}


def test_hamming() -> None:
    assert hamming("0" * 64, "f" * 64) == 256
    assert hamming("80" + "0" * 62, "0" * 64) == 1
    assert hamming("a1b2", "a1b2") == 0
    with pytest.raises(ValueError, match="different lengths"):
        hamming("00", "000")


def test_blank_frames_never_match_but_exact_copies_still_group() -> None:
    blank = {"md5": "m1", "pdq": [{"ts": 0.0, "hash": "0" * 64, "quality": 0}], "frames": 1}
    same = dict(blank)
    other = blank | {"md5": "m2"}
    assert not video_match(blank, other).is_match
    assert near_duplicate_groups({"a": blank, "b": same, "c": other}) == [["a", "b"]]


def test_video_match_threshold_is_a_share_of_frames() -> None:
    def value(*hexes: str) -> dict:
        return {"md5": None, "pdq": [{"ts": 0.0, "hash": h, "quality": 90} for h in hexes]}

    a, b, far = "0" * 64, "0" * 62 + "ff", "f" * 64  # b is 8 bits from a; far 256 bits
    match = video_match(value(a, a, a, far), value(b))
    assert (match.a_fraction, match.b_fraction, match.is_match) == (0.75, 1.0, True)
    assert not video_match(value(a, far, far), value(b)).is_match
    assert not video_match(value(a), value(b), distance=7).is_match


def test_missing_media_is_a_stage_error(tmp_path: Path) -> None:
    blobs = FileBlobStore(tmp_path / "blobs")
    frames = [(0.0, Image.new("RGB", (32, 32), "red"))]
    gone = stage_input(blobs, media_path=tmp_path / "gone.mp4", frames=frames)
    none = stage_input(blobs, media_path=None, frames=frames)
    results = HashesStage(ModelRegistry(specs=[]), UnderstandSettings()).process([gone, none])
    assert all(isinstance(r, StageError) for r in results)


def test_without_pdqhash_the_stage_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """Building the stage still works (the pipeline builds every stage); its version says
    what is missing, which the pipeline records as "unavailable" for the items."""
    monkeypatch.setitem(sys.modules, "pdqhash", None)  # makes ``import pdqhash`` fail
    stage = HashesStage(ModelRegistry(specs=[]), UnderstandSettings())
    with pytest.raises(ModelUnavailable, match=r"'pdqhash' \(pip install pdqhash==0\.2\.8\)"):
        stage.version  # noqa: B018
    with pytest.raises(ModelUnavailable):
        stage.pdq(Image.new("RGB", (32, 32)))
