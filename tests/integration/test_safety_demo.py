"""The Safety issue's promise on a small demo: once understood, the banked film's re-uploads
are matched at video level and disabled, a scam caption is removed with a reason naming
policy, detector and threshold, and every restriction has a statement of reasons."""

from __future__ import annotations

import pytest

from reelstack.config import Settings
from reelstack.demo.build import BANNED_BANK, build_demo
from reelstack.runtime.platform import Platform
from reelstack.safety.audit import statements
from reelstack.storage.paging import iter_items


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Platform:
    data = tmp_path_factory.mktemp("safety-demo")
    with Platform.open(Settings(data_dir=data)) as platform:
        build_demo(platform, posts=40, users=10, titles_path=None, progress=False)
        violating = [i.id for i in iter_items(platform.store) if i.meta.get("violation")]
        platform.understand.run(violating)  # moderation follows through the stream
        yield platform


def test_the_banned_clip_is_banked_and_its_reuploads_disabled(demo: Platform) -> None:
    assert demo.banks.count_entries(BANNED_BANK) == 1
    reuploads = [i for i in iter_items(demo.store) if i.meta.get("violation") == "reupload"]
    assert len(reuploads) == 4  # the original and three re-uploads
    for item in reuploads:
        decision = demo.store.list_decisions(item.id)[-1]
        assert decision.action == "disable", (item.meta, decision.reasons)
        reason = decision.reasons["reasons"][0]
        assert (reason["policy_id"], reason["detector"]) == ("ip", "hashbank")
        assert reason["score"] >= reason["threshold"] == 0.9
        assert BANNED_BANK in reason["evidence"]


def test_an_english_scam_caption_is_removed_with_its_reason(demo: Platform) -> None:
    scams = [i for i in iter_items(demo.store) if i.meta.get("violation") in ("spam", "scam")]
    assert scams
    for item in scams:
        decision = demo.store.list_decisions(item.id)[-1]
        if item.language == "en":
            assert decision.action == "remove", (item.caption, decision.reasons)
            reason = decision.reasons["reasons"][0]
            assert reason["policy_id"].startswith("spam")
            assert reason["score"] >= reason["threshold"]


def test_benign_posts_stay_visible_and_restrictions_are_exported(demo: Platform) -> None:
    restricted = {s["puid"] for s in statements(demo.store, demo.store)}
    disabled = {i.id for i in iter_items(demo.store) if i.meta.get("violation") == "reupload"}
    assert disabled <= restricted
    benign = [i for i in iter_items(demo.store) if not i.meta.get("violation")]
    assert not restricted & {i.id for i in benign}
