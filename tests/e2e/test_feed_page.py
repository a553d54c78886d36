"""The feed simulator: a new user watches the vertical feed by keyboard, likes three clips of
one topic, and the interests panel and the next page's recall adapt to those likes."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from playwright.sync_api import expect

from reelstack.testing.browser import PHONE

TOPIC = "pets"  # every pets post is understood in the console fixture
PERSONAL = re.compile("similar to what you engaged with|watched together")


def _topics_and_tags(page) -> tuple[dict[str, str], dict[str, list[str]]]:
    response = page.request.get("/v1/items", params={"limit": 100})
    assert response.ok, response.text()
    items = response.json()["items"]
    return {i["id"]: i["meta"].get("topic") for i in items}, {i["id"]: i["hashtags"] for i in items}


def _event(request, kind: str) -> bool:
    """Is this request a POST of an event of type ``kind``?"""
    if request.method != "POST" or not request.url.endswith("/v1/events"):
        return False
    return any(event["type"] == kind for event in request.post_data_json["events"])


def _current(page) -> str:
    return page.locator("article.clip[aria-current=true]").get_attribute("data-item-id")


def _settled(page) -> None:
    """Wait until the reel has scrolled to rest on the current clip (for screenshots)."""
    page.wait_for_function(
        """() => {
          const reel = document.querySelector(".reel");
          const clip = reel.querySelector("article.clip[aria-current=true]");
          return clip && Math.abs(reel.scrollTop - clip.offsetTop) < 2;
        }"""
    )


def _next_clip(page) -> None:
    before = _current(page)
    page.keyboard.press("j")
    expect(page.locator("article.clip[aria-current=true]")).not_to_have_attribute(
        "data-item-id", before
    )


def test_a_new_user_likes_a_topic_and_the_feed_adapts(page, screenshots: Path) -> None:
    topics, hashtags = _topics_and_tags(page)
    page.goto("/#/feed")
    page.get_by_role("button", name="New user").focus()
    with page.expect_response(lambda r: "/v1/feed?" in r.url) as first_page:
        page.keyboard.press("Enter")
    assert first_page.value.ok
    page.wait_for_url(re.compile(r"#/feed\?user=viewer-"))
    expect(page.locator("article.clip[aria-current=true]")).to_have_count(1)
    why = page.locator("#feed-why")
    expect(why.locator(".recall")).to_contain_text("Page candidates from:")
    expect(why.locator(".recall")).not_to_contain_text(PERSONAL)
    expect(page.locator("#feed-interests")).to_contain_text("Nothing learned yet")

    liked: list[str] = []
    for _ in range(len(topics)):
        if topics.get(_current(page)) == TOPIC:
            with page.expect_request(lambda r: _event(r, "like")):
                page.keyboard.press("l")
            expect(page.get_by_role("button", name="♥ Like")).to_have_attribute(
                "aria-pressed", "true"
            )
            liked.append(_current(page))
            if len(liked) == 3:
                break
        _next_clip(page)
    assert len(liked) == 3, f"only {len(liked)} {TOPIC} clips came up"

    interests = page.locator("#feed-interests")
    expect(interests).to_contain_text(re.compile(r"Likes\s*3"))
    tags = Counter(tag for item in liked for tag in hashtags[item])
    shown = interests.locator(".interest-group", has_text="Hashtags").locator(".meter-name")
    expect(shown.first).to_be_visible()
    listed = {name.removeprefix("#").removesuffix(" ▲") for name in shown.all_inner_texts()}
    assert listed & set(tags), f"none of the liked hashtags {tags} among {listed}"
    _settled(page)
    page.screenshot(path=str(screenshots / "feed.png"))

    pages_then = int(page.locator(".reel").get_attribute("data-pages"))
    for _ in range(len(topics)):  # watch on until a page requested after the likes is on screen
        _next_clip(page)
        if why.locator(".hint", has_text=re.compile(rf"^page {pages_then + 1} ")).count():
            break
    expect(why.locator(".recall")).to_contain_text(PERSONAL)


def test_the_feed_controls_work_at_phone_width(browser, console_url: str, screenshots) -> None:
    context = browser.new_context(viewport=PHONE, base_url=console_url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/#/feed?user=user0001")
    expect(page.locator("article.clip[aria-current=true]")).to_have_count(1)
    video = page.locator("article.clip[aria-current=true] video")
    for _ in range(10):  # on to the next video clip (image and text posts have no player)
        first = _current(page)
        page.get_by_role("button", name="↓ Next").click()
        expect(page.locator("article.clip[aria-current=true]")).not_to_have_attribute(
            "data-item-id", first
        )
        if video.count():
            break
    mute = page.get_by_role("button", name="Mute")
    expect(mute).to_have_attribute("aria-pressed", "true")  # muted by default
    mute.click()
    expect(mute).to_have_attribute("aria-pressed", "false")
    assert video.evaluate("v => v.muted") is False
    pause = page.get_by_role("button", name="Pause")
    pause.click()
    expect(pause).to_have_attribute("aria-pressed", "true")
    assert video.evaluate("v => v.paused") is True
    pause.click()
    expect(pause).to_have_attribute("aria-pressed", "false")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _settled(page)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshots / "feed-phone.png"))
    with page.expect_response(lambda r: _event(r.request, "not_interested")) as sent:
        page.get_by_role("button", name="Not interested").click()
    assert sent.value.json()["stored"] >= 1
    expect(page.locator("article.clip.dismissed")).to_have_count(1)
    context.close()
    assert not errors
