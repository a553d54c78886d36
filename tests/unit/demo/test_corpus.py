"""The demo corpus: real, valid, vertical media; strict manifest; deterministic plan."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from reelstack.config import IngestSettings
from reelstack.demo.corpus import build_corpus, plan_corpus
from reelstack.ingest.manifest import parse_post
from reelstack.ingest.probe import probe_media


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    return build_corpus(out, posts=14, creators=4, seed=5, workers=1, progress=False,
                        include_bad=True)  # fmt: skip


def test_every_post_is_valid_media_and_manifest(corpus: Path) -> None:
    rows = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    good = [r for r in rows if not r["meta"].get("bad")]
    assert len(good) == 14
    for row in good:
        post = parse_post(row)  # the ingest validator: no unknown keys, right types
        probe = probe_media(corpus.parent / post.media, IngestSettings())
        assert probe.height > probe.width, row["media"]
        if probe.kind == "video":
            assert 5.0 <= probe.duration_s <= 15.5
            assert probe.has_audio == row["meta"]["has_audio"]
        assert post.created_at is not None and post.meta["topic"]


def test_bad_media_is_only_there_when_asked(corpus: Path) -> None:
    rows = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    bad = [r for r in rows if r["meta"].get("bad")]
    assert {Path(r["media"]).name for r in bad} == {"notes.mp4", "truncated.mp4"}


def test_plan_is_deterministic_and_has_ground_truth(tmp_path: Path) -> None:
    first = plan_corpus(tmp_path, 120, 20, 9, {})
    again = plan_corpus(tmp_path, 120, 20, 9, {})
    assert [p.entry for p in first] == [p.entry for p in again]
    assert [p.job for p in first] == [p.job for p in again]
    assert len(first) == 120
    violations = Counter(p.meta.get("violation") for p in first)
    assert violations["reupload"] >= 5
    assert violations["abuse"] >= 1 and violations["spam"] + violations["scam"] >= 1
    assert sum(1 for p in first if "ad" in p.entry) >= 2
    assert len({p.entry["creator"] for p in first}) >= 15
    assert len({p.entry["language"] for p in first}) >= 4
    banned = [p.job for p in first if p.meta.get("violation") == "reupload"]
    assert len({(j.source, j.seed) for j in banned}) == 1  # re-uploads copy one clip
    assert len({(j.zoom_extra, j.gain, j.size) for j in banned}) == len(banned)


def test_without_espeak_or_fonts_the_plan_degrades(tmp_path: Path, monkeypatch) -> None:
    import reelstack.demo.corpus as corpus_module

    monkeypatch.setattr(corpus_module, "espeak_available", lambda: False)
    monkeypatch.setattr(corpus_module, "covers", lambda language: language != "zh")
    plan = plan_corpus(tmp_path, 80, 20, 4, {})
    assert all(p.job is None or p.job.speech is None for p in plan)
    chinese = [p for p in plan if p.entry["language"] == "zh" and p.meta.get("caption_source")
               not in ("banned", "ad")]  # fmt: skip
    assert chinese, "seed 4 plans some Chinese posts"
    for post in chinese:
        assert all(text.isascii() for text in post.meta["overlay_text"])  # English fallback
