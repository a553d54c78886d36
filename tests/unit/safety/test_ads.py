"""Ad review: claims and products against the ads policies with the offending span as
evidence, creative ↔ landing page mismatch (real E5), approval states, the ads queue,
eligibility, and landing pages that are huge or broken."""

from __future__ import annotations

import json
import time

import pytest
from typer.testing import CliRunner

from reelstack.cli.main import app
from reelstack.core.errors import InvalidInput, PayloadTooLarge
from reelstack.core.records import Ad, Feature
from reelstack.runtime.platform import Platform
from reelstack.safety.ads import AdInput, AdReviewer, ad_state, eligible_ads
from reelstack.safety.landing import MAX_LANDING_BYTES, parse_landing_page
from reelstack.safety.review import ReviewService
from reelstack.testing.factories import make_creator, make_item

DIABETES_PAGE = """<!doctype html><html><head><title>SugarAway Tea</title>
<meta name="description" content="Natural herbal tea"></head><body>
<h1>SugarAway herbal tea</h1><p>Our herbal tea will cure diabetes in 7 days, naturally.</p>
<script>var claim = "cure cancer";</script><p>Order today.</p></body></html>"""
COFFEE_PAGE = (
    "<html><body><h1>BrewBox</h1><p>BrewBox delivers freshly roasted single-origin "
    "coffee to your door every week. Pause or cancel any time.</p></body></html>"
)


@pytest.fixture
def reviewer(platform: Platform) -> AdReviewer:
    return AdReviewer(platform.store, platform.policies, platform.models)


def _ad(text: str, page: str | None, claims: list[str] | None = None) -> AdInput:
    landing = parse_landing_page(page) if page is not None else None
    return AdInput(advertiser="Acme", text=text, claims=claims or [], landing_page=landing)


def test_a_cure_diabetes_landing_page_is_disapproved_with_the_span(reviewer: AdReviewer) -> None:
    review = reviewer.check(_ad("Herbal tea for your wellbeing", DIABETES_PAGE))
    assert review.state == "disapproved"
    top = review.reasons[0]
    assert (top["policy_id"], top["action"]) == ("ads.misleading.health", "disable")
    evidence = top["evidence"]
    assert evidence["source"] == "landing_page" and evidence["text"] == "cure diabetes in 7 days"
    text = parse_landing_page(DIABETES_PAGE).text
    assert text[evidence["start"] : evidence["end"]] == "cure diabetes in 7 days"
    assert "cure cancer" not in text  # scripts are not what a visitor reads
    assert review.landing_page["title"] == "SugarAway Tea"
    assert review.similarity["margin"] > 0  # the creative and the page are about the same tea


def test_states_from_clean_to_limited_to_borderline(reviewer: AdReviewer) -> None:
    clean = reviewer.check(_ad("Fresh roasted beans delivered every week", COFFEE_PAGE,
                               ["Roasted within 48 hours"]))  # fmt: skip
    assert (clean.state, clean.reasons) == ("approved", [])
    assert clean.similarity["margin"] > 0
    limited = reviewer.check(_ad("Fresh roasted beans, clinically proven to wake you up",
                                 COFFEE_PAGE))  # fmt: skip
    assert limited.state == "approved_limited"
    assert limited.reasons[0]["action"] == "limit"
    assert limited.reasons[0]["evidence"]["text"] == "clinically proven"
    borderline = reviewer.check(_ad("Slim down without diet, order our shakes", None))
    assert borderline.state == "pending_review"
    assert borderline.reasons[0]["action"] == "review"
    prohibited = reviewer.check(_ad("Replica Rolex watches, best prices", None))
    assert (prohibited.state, prohibited.reasons[0]["policy_id"]) == (
        "disapproved", "ads.prohibited")  # fmt: skip
    finance = reviewer.check(_ad("DanaKilat", None, ["Bunga mulai 0% untuk semua orang"]))
    assert finance.state == "disapproved"
    assert finance.reasons[0]["evidence"]["source"] == "claim"


def test_a_landing_page_for_another_offer_is_borderline(reviewer: AdReviewer) -> None:
    page = "Our law firm handles personal injury claims. Call us for a free consultation."
    review = reviewer.check(_ad("Summer sale on running shoes", page))
    assert review.state == "pending_review"
    assert review.similarity["margin"] < -0.02
    assert review.reasons[0]["evidence"]["source"] == "similarity"


def test_huge_and_malformed_landing_pages(reviewer: AdReviewer) -> None:
    filler = "<div class='row'><p>Our tea will help you feel great. <b>Buy</b> now</p></div>\n"
    tail = "<p>It will cure diabetes in 7 days</p>"
    big = "<html><body>" + filler * ((MAX_LANDING_BYTES - 100) // len(filler)) + tail
    assert len(big.encode()) <= MAX_LANDING_BYTES
    started = time.monotonic()
    review = reviewer.check(_ad("Herbal tea", big))
    assert review.state == "disapproved" and time.monotonic() - started < 20
    assert review.reasons[0]["evidence"]["text"] == "cure diabetes in 7 days"
    with pytest.raises(PayloadTooLarge):
        parse_landing_page(big + "x" * 200)
    broken = ("<div><p>unclosed <b>bold <<<< >> <a href='x " + "<div>" * 50_000
              + " text &bogus; lose 10 kg in 7 days <script>never closed")  # fmt: skip
    page = parse_landing_page(broken)
    assert page.kind == "html" and page.notes and "lose 10 kg in 7 days" in page.text
    assert reviewer.check(_ad("Slim shakes", broken)).state == "disapproved"
    assert parse_landing_page(b"\xff<p>caf\xe9</p>").notes  # not UTF-8: replaced, noted
    with pytest.raises(InvalidInput):
        reviewer.check(AdInput(advertiser=" "))


def _stored_ad(platform: Platform, caption: str, landing: str | None) -> str:
    creator = platform.store.upsert_creator(make_creator())
    ad = Ad(advertiser="Acme", landing_page_text=landing, claims=[])
    return platform.store.insert_item(make_item(creator, caption=caption, ad=ad)).id


def test_stored_ads_get_a_state_a_queue_and_eligibility(
    platform: Platform, reviewer: AdReviewer
) -> None:
    coffee = _stored_ad(platform, "Fresh roasted beans delivered every week", COFFEE_PAGE)
    shakes = _stored_ad(platform, "Slim down without diet", None)
    video = _stored_ad(platform, "Watch till the end", None)
    platform.store.put_feature(Feature(item_id=video, stage="ocr", model_name="ocr",
                                       model_version="1", value={"text": "", "lines": [
        {"text": "BUY REPLICA ROLEX", "ts_first": 3.5, "ts_last": 4.0}]}))  # fmt: skip
    assert reviewer.review_item(coffee).state == "approved"
    pending = reviewer.review_item(shakes)
    assert pending.state == "pending_review" and pending.job_id
    seen = reviewer.review_item(video)
    assert seen.state == "disapproved" and seen.reasons[0]["evidence"]["ts"] == 3.5
    assert [a["item_id"] for a in eligible_ads(platform.store)] == [coffee]
    review = ReviewService.for_platform(platform)
    job = review.next("ana", "ads")
    assert job.id == pending.job_id and job.source == "ads"
    with pytest.raises(InvalidInput):  # an ads job is decided under the ads policies
        review.decide(job.id, "ana", "disable", "spam", "")
    review.decide(job.id, "ana", "demote", "ads.misleading.health", "needs a disclaimer")
    assert ad_state(platform.store, shakes)["state"] == "approved_limited"
    assert {a["item_id"] for a in eligible_ads(platform.store)} == {coffee, shakes}
    assert platform.heads.rows("ads.misleading.health") == []  # ads teach no few-shot heads
    with pytest.raises(InvalidInput):
        reviewer.review_item(platform.store.insert_item(
            make_item(platform.store.upsert_creator(make_creator()))).id)  # fmt: skip


def test_the_ads_command_reviews_stored_ads(platform: Platform, tmp_path) -> None:
    coffee = _stored_ad(platform, "Fresh roasted beans delivered every week", COFFEE_PAGE)
    tea = _stored_ad(platform, "Herbal tea", None)
    page = tmp_path / "landing.html"
    page.write_text(DIABETES_PAGE, encoding="utf-8")
    data = str(platform.settings.data_dir)
    runner = CliRunner()
    one = runner.invoke(app, ["safety", "ads", "--item", tea, "--landing", str(page),
                              "--data", data])  # fmt: skip
    assert one.exit_code == 0, one.output
    assert json.loads(one.output)["state"] == "disapproved"
    rest = runner.invoke(app, ["safety", "ads", "--data", data])
    assert [json.loads(line)["item_id"] for line in rest.output.splitlines()] == [coffee]
    bad = runner.invoke(app, ["safety", "ads", "--landing", str(page), "--data", data])
    assert bad.exit_code != 0
