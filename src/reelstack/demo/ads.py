"""Ads on the demo: every ad post goes through ad review when the demo is built.

The corpus carries a few video ads (``vocab.ADS``: a coffee subscription that passes, a
slimming tea that does not, ...). Three image ads are added whose landing pages need a
closer look, so a fresh demo shows every approval state: a serum whose page says "clinically
proven" is approved with a limitation, a herbal tea whose page promises to cure diabetes in
7 days is disapproved with that span as evidence, and a loan "with no credit check" is
borderline and waits in the ``ads`` review queue. Approved ads (limited or not) are what the
feed's ad slots show. Landing pages are given as text, never fetched.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from reelstack.demo.captions import text_stamp
from reelstack.ingest.manifest import parse_post
from reelstack.runtime.platform import Platform
from reelstack.safety.ads import AdReviewer, ad_state
from reelstack.storage.paging import iter_items

CARD_SIZE = (720, 1280)


@dataclass(frozen=True, slots=True)
class DemoAd:
    handle: str
    advertiser: str
    caption: str
    landing_page: str  # HTML, as the advertiser uploads it
    claims: tuple[str, ...]
    colour: tuple[int, int, int]
    expected: str  # the state ad review gives it (the demo test checks it)


EXTRA_ADS = (
    DemoAd(
        "ad_glowlab",
        "GlowLab",
        "Vitamin C serum for brighter, even skin #ad #skincare",
        "<html><head><title>GlowLab Vitamin C Serum</title></head><body><h1>Vitamin C serum "
        "for brighter skin</h1><p>Our vitamin C serum is clinically proven to brighten skin "
        "and fade dark spots in 4 weeks. Fragrance-free and gentle on sensitive skin.</p>"
        "</body></html>",
        ("Clinically proven to brighten skin",),
        (236, 180, 160),
        "approved_limited",
    ),
    DemoAd(
        "ad_sugaraway",
        "SugarAway",
        "Herbal tea for healthy blood sugar #ad #tea",
        "<html><head><title>SugarAway herbal tea</title></head><body><p>Our herbal tea will "
        "cure diabetes in 7 days, naturally. Throw away your insulin.</p></body></html>",
        (),
        (120, 170, 110),
        "disapproved",
    ),
    DemoAd(
        "ad_quickcash",
        "QuickCash",
        "Personal loans approved in minutes #ad #money",
        "<html><head><title>QuickCash personal loans</title></head><body><p>QuickCash personal "
        "loans up to $5,000, approved in minutes with no credit check. Apply online and get "
        "the money today.</p></body></html>",
        (),
        (90, 120, 200),
        "pending_review",
    ),
)


def _card(ad: DemoAd, path: Path) -> Path:
    """The ad's creative: its copy on a plain background (an image post)."""
    card = Image.new("RGB", CARD_SIZE, ad.colour)
    rgb, alpha, position = text_stamp(ad.caption.split(" #")[0], CARD_SIZE, random.Random(1), 56)
    card.paste(rgb, position, alpha)
    path.parent.mkdir(parents=True, exist_ok=True)
    card.save(path, quality=90)
    return path


def _post(ad: DemoAd) -> dict:
    return {
        "caption": ad.caption,
        "creator": ad.handle,
        "creator_name": ad.advertiser,
        "language": "en",
        "external_id": f"demo-{ad.handle}",
        "ad": {
            "advertiser": ad.advertiser,
            "landing_page_text": ad.landing_page,
            "claims": list(ad.claims),
            "call_to_action": "Learn more",
        },
        "meta": {"topic": "ads", "ad_expected_state": ad.expected},
    }


def add_extra_ads(platform: Platform, folder: Path) -> list[str]:
    """Ingest the extra image ads (the normal ingest path); returns their item ids."""
    ids = []
    for ad in EXTRA_ADS:
        card = _card(ad, folder / f"{ad.handle}.jpg")
        result = platform.ingest.ingest_file(parse_post(_post(ad)), card, source=str(card))
        if result.item_id is not None:
            ids.append(result.item_id)
    return ids


def review_ads(platform: Platform) -> Counter[str]:
    """Review every ad not reviewed yet (its stored landing page); counts by state."""
    reviewer = AdReviewer(platform.store, platform.policies, platform.models)
    states: Counter[str] = Counter()
    for item in iter_items(platform.store):
        if item.ad is not None and ad_state(platform.store, item.id) is None:
            states[reviewer.review_item(item.id).state] += 1
    return states
