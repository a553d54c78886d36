"""Manifest entries are validated strictly, line by line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reelstack.core.errors import InvalidInput
from reelstack.ingest.manifest import parse_post, read_manifest
from reelstack.testing.factories import CAPTIONS_6_SCRIPTS


def test_full_entry_parses() -> None:
    post = parse_post(
        {
            "media": "a.mp4",
            "caption": "Morning run #fitness",
            "hashtags": ["#run", "fitness"],
            "creator": "ana",
            "creator_name": "Ana",
            "language": "en",
            "created_at": "2026-01-02T03:04:05Z",
            "external_id": "ext-1",
            "ad": {"advertiser": "Acme", "claims": ["fast"], "landing_page_text": "Buy"},
            "meta": {"topic": "sport"},
        }
    )
    assert post.created_at == 1767323045.0
    assert post.all_hashtags() == ["run", "fitness"]
    assert post.ad is not None and post.ad.advertiser == "Acme"


def test_epoch_timestamps_are_accepted() -> None:
    assert parse_post({"creator": "a", "created_at": 1700000000}).created_at == 1700000000.0


@pytest.mark.parametrize("caption", CAPTIONS_6_SCRIPTS)
def test_captions_in_six_scripts_keep_their_hashtags(caption: str) -> None:
    post = parse_post({"creator": "a", "caption": caption})
    assert post.caption == caption
    assert post.all_hashtags(), caption
    assert all(tag in caption for tag in post.all_hashtags())


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"creator": "a", "captoin": "typo"}, "field 'captoin': unknown field"),
        ({"creator": "a", "hashtags": "notalist"}, "field 'hashtags'"),
        ({"creator": "a", "caption": 42}, "field 'caption'"),
        ({"caption": "no creator"}, "field 'creator'"),
        ({"creator": "has space"}, "field 'creator'"),
        ({"creator": "a", "created_at": "yesterday"}, "not an epoch time or ISO 8601"),
        ({"creator": "a", "language": "English"}, "field 'language'"),
        ({"creator": "a", "ad": {"advertiser": "x", "budget": 5}}, "field 'ad.budget'"),
        ([1, 2], "expected a JSON object"),
    ],
)
def test_bad_entries_say_what_is_wrong(entry: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_post(entry)


def test_manifest_reports_each_bad_line_and_keeps_the_rest(tmp_path: Path) -> None:
    manifest = tmp_path / "m.jsonl"
    lines = [
        json.dumps({"creator": "a", "caption": "fine"}),
        '{"creator": "a", "caption": ',
        "",
        json.dumps({"creator": "a", "caption": "also fine", "colour": "red"}),
        json.dumps({"creator": "b", "caption": "สวัสดี"}, ensure_ascii=False),
    ]
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = list(read_manifest(manifest))
    assert [n for n, _ in results] == [1, 2, 4, 5]
    assert isinstance(results[1][1], InvalidInput)
    assert "malformed JSON" in results[1][1].message
    assert "unknown field" in results[2][1].message
    assert results[3][1].caption == "สวัสดี"
