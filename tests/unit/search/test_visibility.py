"""Moderation-aware search: removed never shown (and gone from the index at once),
age-restricted hidden from minors and anonymous viewers, demoted down-weighted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reelstack.config import Settings
from reelstack.core.records import User
from reelstack.runtime.platform import Platform
from reelstack.safety.decisions import DecisionLog

POSTS = [
    ("a", "en", "Night market street food tour", ["food"], "", "", []),
    ("b", "en", "Street food in the night market, part two", ["food"], "", "", []),
    ("c", "en", "Best street food stalls of the market", ["food"], "", "", []),
]


@pytest.fixture
def ids_platform(tmp_path: Path, write_post: Any) -> Iterator[tuple[dict[str, str], Platform]]:
    settings = Settings(data_dir=tmp_path / "data")
    settings.safety.auto_moderate = False
    with Platform.open(settings) as platform:
        ids = {post[0]: write_post(platform, post) for post in POSTS}
        platform.search.indexer.index_items(list(ids.values()))
        yield ids, platform


def _ids(platform: Platform, q: str = "street food market", **kw: Any) -> list[str]:
    return [r["item_id"] for r in platform.search.search(q, log=False, **kw)["results"]]


def test_removed_items_are_never_returned(ids_platform: Any) -> None:
    ids, platform = ids_platform
    assert set(_ids(platform)) == set(ids.values())
    DecisionLog(platform.store).record(ids["a"], "remove", actor="test")  # no message sent
    assert ids["a"] not in _ids(platform)  # visibility is checked at query time
    DecisionLog(platform.store).record(ids["b"], "disable", actor="test")
    assert _ids(platform) == [ids["c"]]
    assert platform.search.suggest("night")["completions"]  # content suggestions stay cheap


def test_a_removal_message_drops_the_item_from_the_index_at_once(ids_platform: Any) -> None:
    ids, platform = ids_platform
    decision = DecisionLog(platform.store).record(ids["a"], "remove", actor="test")
    platform.stream.publish("items.moderated", {"item_id": ids["a"], "action": "remove",
                                                "decision_id": decision.id})  # fmt: skip
    assert ids["a"] not in platform.search.table.all_ids()
    assert platform.search.lexical.num_docs() == 2
    # an appeal overturns it: the item comes back
    allow = DecisionLog(platform.store).record(ids["a"], "allow", actor="appeals")
    platform.stream.publish("items.moderated", {"item_id": ids["a"], "action": "allow",
                                                "decision_id": allow.id})  # fmt: skip
    assert ids["a"] in _ids(platform)


def test_age_restricted_hidden_from_anonymous_and_minors(ids_platform: Any) -> None:
    ids, platform = ids_platform
    store = platform.store
    store.upsert_user(User(id="adult", handle="adult", birth_year=1980))
    store.upsert_user(User(id="minor", handle="minor", birth_year=2015))
    DecisionLog(store).record(ids["a"], "age_restrict", actor="test")
    assert ids["a"] not in _ids(platform)  # anonymous
    assert ids["a"] not in _ids(platform, user="minor")
    assert ids["a"] not in _ids(platform, user="someone-unknown")
    assert ids["a"] in _ids(platform, user="adult")


def test_demoted_items_are_down_weighted(ids_platform: Any) -> None:
    ids, platform = ids_platform
    before = platform.search.search("street food market", log=False)["results"]
    top = before[0]
    DecisionLog(platform.store).record(top["item_id"], "demote", actor="test")
    response = platform.search.search("street food market", explain=True, log=False)
    after = {r["item_id"]: r for r in response["results"]}
    assert len(after) == 3 and response["results"][0]["item_id"] != top["item_id"]
    demoted = after[top["item_id"]]
    assert demoted["score"] == pytest.approx(0.3 * top["score"], rel=1e-3)
    assert demoted["explain"]["visibility_weight"] == pytest.approx(0.3)
    DecisionLog(platform.store).record(ids["b"], "label", actor="test", policy_id="graphic")
    labelled = platform.search.search("street food market", log=False)["results"]
    assert {r["item_id"]: r["label"] for r in labelled}[ids["b"]] == "graphic"
