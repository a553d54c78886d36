"""``reelstack demo`` end to end: build once (cached), serve on loopback without keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelstack.demo.ads import EXTRA_ADS
from reelstack.testing.server import get_json, run_cli, serving

TOTAL = 24 + len(EXTRA_ADS)  # the corpus and the demo's extra image ads


def test_small_demo_builds_once_and_serves_without_keys(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    built = run_cli("demo", "--data", str(data), "--posts", "24", "--users", "12", "--no-serve",
                    "--no-progress", timeout=300)  # fmt: skip
    assert built.returncode == 0, built.stderr
    assert f"demo: {TOTAL} posts, 12 users" in built.stdout
    again = run_cli("demo", "--data", str(data), "--posts", "24", "--no-serve", "--no-progress")
    assert f"demo: {TOTAL} posts" in again.stdout and "render" not in again.stderr
    with serving("serve", data) as base:
        status, body = get_json(base + "/v1/items?limit=500")
        assert status == 200
        items = body["items"]
        assert len(items) == TOTAL
        assert all(i["creator"]["handle"] for i in items)
        assert sum(i["media"] is not None for i in items) == TOTAL
        languages = {i["language"] for i in items}
        assert len(languages) >= 3
        assert any(i["meta"].get("violation") for i in items)
        assert get_json(base + "/v1/admin/config")[0] == 200  # open access = admin, loopback


@pytest.mark.slow
def test_full_demo_has_300_posts_with_media_and_creators(tmp_path: Path) -> None:
    """The README's promise, at full size: ``reelstack demo --port P`` with >= 300 posts."""
    data = tmp_path / "demo"
    with serving("demo", data, "--no-progress", timeout=900) as base:
        status, body = get_json(base + "/v1/items?limit=500")
    assert status == 200
    items = body["items"]
    assert len(items) >= 300
    assert all(i["media"] and i["media"]["url"] for i in items)
    assert len({i["creator"]["handle"] for i in items}) >= 35
