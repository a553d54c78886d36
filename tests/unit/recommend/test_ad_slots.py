"""Ad slots carry approved ads only: disapproved, pending or removed ads never run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reelstack.core.records import Ad
from reelstack.recommend import synthetic
from reelstack.recommend.service import RecommendService
from reelstack.recommend.settings import RecommendSettings, TrainSettings
from reelstack.runtime.platform import Platform
from reelstack.safety.audit import append_audit
from reelstack.safety.decisions import DecisionLog
from reelstack.testing.factories import make_creator, make_item


def _ad(platform: Platform, advertiser: str, state: str) -> str:
    creator = platform.store.upsert_creator(make_creator())
    ad = Ad(advertiser=advertiser, landing_page_text="Fresh coffee beans every week.")
    item = platform.store.insert_item(make_item(creator, kind="text", caption=advertiser, ad=ad))
    append_audit(platform.store, actor="safety.ads", action=f"ad.{state}", subject_type="item",
                 subject_id=item.id, details={"state": state, "reasons": []})  # fmt: skip
    return item.id


@pytest.fixture
def ads_service(platform: Platform, world: synthetic.World) -> Iterator[RecommendService]:
    settings = RecommendSettings(train=TrainSettings(threads=1), ad_positions=[2])
    svc = RecommendService(platform.store, platform.stream, platform.settings.data_dir, settings)
    svc.ads.refresh_s = 0.0  # re-read ad states on every page in this test
    yield svc
    svc.close()


def test_approved_ads_fill_their_slot_and_others_never_run(
    platform: Platform, ads_service: RecommendService
) -> None:
    approved = _ad(platform, "BrewBox Coffee", "approved")
    _ad(platform, "SlimTea Pro", "disapproved")
    _ad(platform, "Mystery Pills", "pending_review")
    page = ads_service.feed(None, k=6, explain=True)["items"]
    assert len(page) == 6
    assert page[2]["id"] == approved and page[2]["why"]["slot"] == "ad"
    assert [p["why"]["slot"] for p in page].count("ad") == 1

    DecisionLog(platform.store).record(approved, "remove", actor="test", policy_id="spam")
    after = ads_service.feed(None, k=6, explain=True)["items"]
    assert all(p["id"] != approved for p in after)
    assert all(p["why"]["slot"] != "ad" for p in after)


def test_no_ad_positions_means_no_ads(platform: Platform, service: RecommendService) -> None:
    _ad(platform, "BrewBox Coffee", "approved")
    page = service.feed(None, k=6, explain=True)["items"]
    assert all(p["why"]["slot"] != "ad" for p in page)
