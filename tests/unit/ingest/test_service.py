"""Ingest stores each good post once, reports each bad one, and goes on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from reelstack.ingest.manifest import PostSpec
from reelstack.ingest.service import INGESTED_TOPIC
from reelstack.ingest.sources import expand_paths
from reelstack.runtime.platform import Platform
from reelstack.testing.factories import CAPTIONS_6_SCRIPTS


def test_video_post_is_stored_with_media_blob(platform: Platform, media_dir: Path) -> None:
    seen: list[dict] = []
    platform.stream.subscribe(INGESTED_TOPIC, seen.append)
    spec = PostSpec(creator="ana", caption="hi #there", language="en")
    result = platform.ingest.ingest_file(spec, media_dir / "clip.mp4")
    assert result.status == "ingested"
    item = platform.store.get_item(result.item_id)
    media = platform.store.get_media(item.media_id)
    assert item.kind == "video" and item.hashtags == ["there"]
    assert platform.blobs.path(media.sha256).read_bytes() == (media_dir / "clip.mp4").read_bytes()
    assert platform.store.get_creator(item.creator_id).handle == "ana"
    assert seen == [{"item_id": item.id, "kind": "video"}]


def test_same_bytes_twice_is_skipped_as_duplicate(platform: Platform, media_dir: Path) -> None:
    first = platform.ingest.ingest_file(PostSpec(creator="a"), media_dir / "clip.mp4")
    again = platform.ingest.ingest_file(PostSpec(creator="b"), media_dir / "clip.mp4")
    assert (again.status, again.reason, again.item_id) == ("skipped", "duplicate", first.item_id)
    assert platform.store.count_items() == 1


def test_bad_media_leaves_no_blob_behind(platform: Platform, media_dir: Path) -> None:
    result = platform.ingest.ingest_file(PostSpec(creator="a"), media_dir / "corrupt.mp4")
    assert result.status == "error"
    assert not [p for p in platform.blobs.root.rglob("*") if p.is_file()]


def test_text_posts_in_six_scripts(platform: Platform) -> None:
    for caption in CAPTIONS_6_SCRIPTS:
        result = platform.ingest.ingest(PostSpec(creator="poly", caption=caption), None, "t")
        assert result.status == "ingested", result
        assert platform.store.get_item(result.item_id).caption == caption
    dup = platform.ingest.ingest(PostSpec(creator="poly", caption=CAPTIONS_6_SCRIPTS[0]), None, "t")
    assert dup.status == "skipped"


def test_folder_with_bad_files_ingests_the_good_ones(platform: Platform, media_dir: Path) -> None:
    results = {
        Path(r.source).name: r for r in platform.ingest.ingest_many(expand_paths([media_dir]))
    }
    good = {"clip.mp4", "other.mp4", "faststart.mp4", "photo.jpg", "photo.png"}
    assert {n for n, r in results.items() if r.status == "ingested"} == good
    bad = set(results) - good
    assert bad == {
        "truncated.mp4",
        "truncated-faststart.mp4",
        "corrupt.mp4",
        "notes.mp4",
        "empty.mp4",
        "bomb.png",
    }
    assert all(results[n].status == "error" and results[n].reason for n in bad)
    assert platform.store.count_items() == 5


def test_manifest_with_media_paths(platform: Platform, media_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.copy(media_dir / "clip.mp4", folder / "a.mp4")
    rows = [
        {"media": "a.mp4", "creator": "ana", "caption": "one", "external_id": "e1"},
        {"media": "missing.mp4", "creator": "ana"},
        {"creator": "ana", "caption": "text only post"},
        {"creator": "ana", "caption": "dup external id", "external_id": "e1"},
    ]
    (folder / "manifest.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    results = list(platform.ingest.ingest_many(expand_paths([folder])))
    assert [r.status for r in results] == ["ingested", "error", "ingested", "skipped"]
    assert "media file not found: missing.mp4" in results[1].reason
    assert "external_id 'e1'" in results[3].reason


def test_unreadable_and_missing_paths(platform: Platform, tmp_path: Path) -> None:
    results = list(platform.ingest.ingest_many(expand_paths([tmp_path / "nope.mp4"])))
    assert results[0].status == "error" and "no such file" in results[0].reason
