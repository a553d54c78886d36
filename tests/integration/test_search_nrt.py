"""Near real time, end to end: a post ingested and understood (real text and embed stages,
real moderation) is searchable as soon as Understand publishes ``items.understood``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from reelstack.cli.main import app
from reelstack.config import Settings
from reelstack.ingest.manifest import PostSpec
from reelstack.runtime.platform import Platform


def test_an_understood_post_is_searchable_within_a_second(tmp_path: Path) -> None:
    with Platform.open(Settings(data_dir=tmp_path / "data")) as platform:
        first = platform.ingest.ingest(PostSpec(caption="Warm-up post about tea", creator="amy",
                                                language="en"), None, "test")  # fmt: skip
        platform.understand.run([first.item_id])  # loads the models once
        timings: dict[str, float] = {}
        indexer = platform.search.indexer
        original = indexer.on_understood

        def timed(message: dict[str, Any]) -> None:
            start = time.perf_counter()
            original(message)
            timings["index_s"] = time.perf_counter() - start
            timings["done"] = time.perf_counter()

        indexer.on_understood = timed  # type: ignore[method-assign]
        post = PostSpec(caption="Kucing oren tidur di atas sofa #kucinglucu", creator="budi",
                        language="id")  # fmt: skip
        result = platform.ingest.ingest(post, None, "test")
        platform.understand.run([result.item_id])  # publishes items.understood when stored
        found_at = time.perf_counter()
        response = platform.search.search("kucing oren", log=False)
        assert response["results"][0]["item_id"] == result.item_id  # no sleep, no polling
        assert timings["index_s"] < 1.0
        assert found_at - timings["done"] < 1.0
        assert platform.search.stats()["dense_vectors"] == 2  # the embed stage's vectors
        # the decision moderation took first is already applied (and it allowed the post)
        assert platform.store.list_decisions(result.item_id)


def test_cli_search_reindex_and_json(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = Settings(data_dir=data)
    settings.safety.auto_moderate = False
    with Platform.open(settings) as platform:
        post = PostSpec(caption="Sunrise over Borobudur temple", creator="sari", language="en")
        result = platform.ingest.ingest(post, None, "test")
        platform.understand.run([result.item_id])
    runner = CliRunner()
    reindexed = runner.invoke(app, ["search", "reindex", "--data", str(data), "--no-progress"])
    assert reindexed.exit_code == 0, reindexed.output
    assert '"indexed": 1' in reindexed.output
    out = runner.invoke(app, ["search", "borobudur", "--json", "--data", str(data)])
    assert out.exit_code == 0, out.output
    assert result.item_id in out.output and '"query_analysis"' in out.output
    plain = runner.invoke(app, ["search", "borobudr", "--data", str(data)])
    assert "showing results for: borobudur" in plain.output
    suggest = runner.invoke(app, ["search", "suggest", "boro", "--data", str(data)])
    assert "borobudur" in suggest.output
