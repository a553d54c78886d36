"""The demo corpus: real, decodable, vertical media; a strict manifest; a deterministic plan."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from reelstack.demo.clips import render
from reelstack.demo.corpus import build_corpus, plan_corpus
from reelstack.ingest.manifest import parse_post

ALLOWED_KEYS = {
    "media", "caption", "hashtags", "creator", "creator_name", "language", "created_at",
    "external_id", "ad", "meta",
}  # fmt: skip


def _rows(manifest: Path) -> list[dict]:
    return [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines()]


def _decode(path: Path) -> tuple[int, int, float, int, bool]:
    """(width, height, seconds, frames decoded, has audio) — decoding every frame."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        seconds = float(container.duration or 0) / av.time_base
        return stream.width, stream.height, seconds, frames, bool(container.streams.audio)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    return build_corpus(out, posts=14, creators=4, seed=5, workers=1, progress=False,
                        include_bad=True)  # fmt: skip


def test_every_post_is_real_media_and_a_valid_manifest_line(corpus: Path) -> None:
    rows = _rows(corpus)
    good = [r for r in rows if not r["meta"].get("bad")]
    assert len(good) == 14
    assert len({r["external_id"] for r in rows}) == len(rows)
    for row in good:
        assert set(row) <= ALLOWED_KEYS
        post = parse_post(row)  # the ingest validator: no unknown keys, right types
        assert post.created_at is not None and row["created_at"].endswith("Z")
        assert row["language"] in {"en", "zh", "th", "vi", "id", "ms"}
        assert all(not tag.startswith("#") for tag in row["hashtags"])
        assert row["meta"]["topic"]
        if "media" not in row:
            assert row["meta"]["kind"] == "text"
            continue
        path = corpus.parent / row["media"]
        if path.suffix in (".jpg", ".png"):
            with Image.open(path) as image:
                image.load()
                assert image.height > image.width
            continue
        width, height, seconds, frames, audio = _decode(path)
        assert height > width
        assert 5.0 <= seconds <= 15.5 and frames >= 5 * 12
        assert audio == row["meta"]["has_audio"]
    assert any(r["meta"]["kind"] == "video" for r in good)


def test_bad_media_is_there_when_asked_and_does_not_decode(corpus: Path) -> None:
    bad = [r for r in _rows(corpus) if r["meta"].get("bad")]
    assert {Path(r["media"]).name for r in bad} == {"notes.mp4", "truncated.mp4", "garbage.jpg"}
    for row in bad:
        parse_post(row)
        path = corpus.parent / row["media"]
        with pytest.raises((av.FFmpegError, OSError)):
            if path.suffix == ".jpg":
                Image.open(path).load()
            else:
                _decode(path)


def test_same_seed_same_manifest_in_one_or_two_processes(tmp_path: Path) -> None:
    first = build_corpus(tmp_path / "a", posts=3, creators=2, seed=11, workers=1, progress=False)
    again = build_corpus(tmp_path / "b", posts=3, creators=2, seed=11, workers=2, progress=False)
    assert first.read_text(encoding="utf-8") == again.read_text(encoding="utf-8")


def test_plan_is_deterministic_and_has_ground_truth(tmp_path: Path) -> None:
    first = plan_corpus(tmp_path, 120, 20, 9, {}, text_share=0.05)
    again = plan_corpus(tmp_path, 120, 20, 9, {}, text_share=0.05)
    assert [p.entry for p in first] == [p.entry for p in again]
    assert [p.job for p in first] == [p.job for p in again]
    assert len(first) == 120
    assert all(p.meta["topic"] and p.meta["kind"] in ("video", "image", "text") for p in first)
    assert {p.meta["kind"] for p in first} == {"video", "image", "text"}
    assert all((p.job is None) == (p.meta["kind"] == "text") for p in first)
    stamps = [p.entry["created_at"] for p in first]
    assert stamps == sorted(stamps)
    violations = Counter(p.meta.get("violation") for p in first)
    assert 5 <= violations["reupload"] <= 6
    assert violations["abuse"] >= 1 and violations["spam"] + violations["scam"] >= 1
    assert 0.04 <= sum(violations[k] for k in violations if k) / 120 <= 0.12
    ads = [p for p in first if "ad" in p.entry]
    assert 2 <= len(ads) <= 4 and all(set(a.entry["ad"]) >= {"advertiser", "claims"} for a in ads)
    assert len({p.entry["language"] for p in first}) >= 4
    banned = [p for p in first if p.meta.get("violation") == "reupload"]
    original = next(p for p in banned if p.meta["banned_original"])
    copies = [p for p in banned if p is not original]
    assert {p.meta["reupload_of"] for p in copies} == {original.entry["external_id"]}
    assert len({p.entry["creator"] for p in banned}) == len(banned)
    assert all(p.entry["created_at"] > original.entry["created_at"] for p in copies)
    jobs = [p.job for p in banned]
    assert len({(j.source, j.seed) for j in jobs}) == 1  # every copy renders the same clip ...
    assert len({(j.zoom_extra, j.gain, j.size) for j in jobs}) == len(jobs)  # ... altered


def test_violations_scale_with_corpus_size(tmp_path: Path) -> None:
    def labels(posts: int) -> Counter[str]:
        plan = plan_corpus(tmp_path, posts, 8, 1, {})
        assert len(plan) == posts and all(p.job is not None for p in plan)  # no text posts
        return Counter(p.meta["violation"] for p in plan if p.meta["violation"])

    assert not labels(19)
    small = labels(24)
    assert small["abuse"] == 1 and small["spam"] + small["scam"] == 1 and not small["reupload"]
    assert labels(40)["reupload"] == 4  # the banned clip and three copies


def _frames(path: str) -> list[np.ndarray]:
    """Tiny grey frames, each normalised: brightness and contrast changes cancel out."""
    with av.open(path) as container:
        tiny = [np.asarray(f.to_image().convert("L").resize((16, 16)), dtype=float)
                for f in container.decode(video=0)]  # fmt: skip
    return [(f - f.mean()) / (f.std() + 1e-6) for f in tiny]


def test_reuploads_are_near_duplicates(tmp_path: Path) -> None:
    plan = plan_corpus(tmp_path, 60, 10, 3, {})
    banned = [p.job for p in plan if p.meta.get("violation") == "reupload"]
    other = replace(banned[0], seed=banned[0].seed + 1)  # another cut of the same film
    clips = []
    for n, job in enumerate([banned[0], banned[1], other]):
        out = str(tmp_path / f"clip{n}.mp4")
        render(replace(job, out=out, duration=5.0))
        clips.append(_frames(out))
    assert (tmp_path / "clip0.mp4").read_bytes() != (tmp_path / "clip1.mp4").read_bytes()

    def similarity(a: list[np.ndarray], b: list[np.ndarray]) -> float:
        return float(np.mean([(a[i] * b[i]).mean() for i in (10, 37, 60)]))

    copy, unrelated = similarity(clips[0], clips[1]), similarity(clips[0], clips[2])
    assert copy > 0.85 and unrelated < copy - 0.3


def test_without_espeak_or_fonts_the_plan_degrades(tmp_path: Path, monkeypatch) -> None:
    import reelstack.demo.corpus as corpus_module

    monkeypatch.setattr(corpus_module, "espeak_available", lambda: False)
    monkeypatch.setattr(corpus_module, "covers", lambda language: language != "zh")
    plan = plan_corpus(tmp_path, 80, 20, 4, {})
    assert all(p.job is None or p.job.speech is None for p in plan)
    chinese = [p for p in plan if p.entry["language"] == "zh" and p.job is not None
               and p.meta["caption_source"] not in ("banned", "ad")]  # fmt: skip
    assert chinese, "seed 4 plans some Chinese posts with media"
    for post in chinese:
        assert all(text.isascii() for text in post.meta["overlay_text"])  # English fallback


def test_every_sample_asset_renders_as_clip_and_still(tmp_path: Path) -> None:
    """Odd source sizes, grey and cut-out images, letterboxed or cropped: all must render."""
    from reelstack.demo.assets import available_topics
    from reelstack.demo.clips import RenderJob

    sources = sorted({p for paths in available_topics().values() for p in paths})
    variants = ((0, ".mp4", (270, 480)), (1, ".mp4", (288, 512)), (2, ".png", (540, 960)))
    for n, source in enumerate(sources):
        for seed, suffix, size in variants:  # seeds pick letterbox or crop, zoom and grade
            out = tmp_path / f"{n}-{seed}{suffix}"
            job = RenderJob(out=str(out), source=str(source), size=size, duration=0.5, seed=seed,
                            overlays=("Hello",), zoom_extra=0.04 * seed)  # fmt: skip
            assert render(job)["width"] == size[0] and out.stat().st_size > 0


def test_speech_degrades_to_a_silent_clip(tmp_path: Path, monkeypatch, caplog) -> None:
    from reelstack.demo import clips
    from reelstack.demo.assets import resolve_asset

    source = str(resolve_asset("skimage:chelsea.png"))
    broken = clips.RenderJob(out=str(tmp_path / "a.mp4"), source=source, duration=1.0,
                             speech=("hello", "xx-none"))  # fmt: skip
    if clips.espeak_available():
        assert render(broken)["has_audio"] is False
        assert "espeak-ng failed" in caplog.text
    monkeypatch.setattr(clips, "espeak_available", lambda: False)
    missing = replace(broken, out=str(tmp_path / "b.mp4"), speech=("hello", "en-us"))
    assert render(missing)["has_audio"] is False
    assert _decode(tmp_path / "b.mp4")[4] is False
