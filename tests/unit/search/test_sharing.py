"""Two services over one index directory (as two processes would be): each sees the other's
writes at its next search, and a rebuild by one is picked up by the other."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reelstack.config import Settings
from reelstack.runtime.platform import Platform
from reelstack.search.service import SearchService


def test_a_second_service_sees_writes_and_rebuilds(tmp_path: Path, write_post: Any) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    settings.safety.auto_moderate = False
    with Platform.open(settings) as platform:
        first = write_post(platform, ("a", "en", "Origami crane tutorial", ["paper"], "", "", []))
        writer = platform.search
        writer.indexer.index_items([first])
        reader = SearchService(platform.store, platform.models, writer.directory)
        assert [r["item_id"] for r in reader.search("origami", log=False)["results"]] == [first]
        post = ("b", "en", "Paper boat that really floats", ["paper"], "", "", [])
        second = write_post(platform, post)
        writer.indexer.index_items([second])
        assert reader.search("paper boat", log=False)["results"][0]["item_id"] == second
        assert reader.stats()["dense_vectors"] == 2
        writer.indexer.remove_items([first])
        assert reader.search("origami", log=False)["results"] == []
        assert reader.indexer.reindex() == 2  # the reader rebuilds; the writer follows
        assert writer.search("origami", log=False)["results"][0]["item_id"] == first
        assert writer.stats()["documents"] == 2
