"""The item page: media, keyframes, understanding features, the decision in force with its
reasons, the audit trail, related posts; a clear state for a post that does not exist."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect


def _items(page) -> list[dict]:
    response = page.request.get("/v1/items", params={"limit": 100})
    assert response.ok, response.text()
    return response.json()["items"]


def test_a_removed_post_shows_features_decision_history_and_related(
    page, screenshots: Path
) -> None:
    spam = next(i for i in _items(page) if i["meta"].get("violation") == "spam")
    page.goto(f"/#/item/{spam['id']}")
    expect(page.locator("h1.item-caption")).to_have_text(spam["caption"])

    decision = page.get_by_role("region", name="Moderation decision in force")
    expect(decision.locator(".decision .chip")).to_have_text("remove")
    expect(decision.locator("tbody tr.reason").first).to_be_visible()

    # Other tests may confirm this removal as reviewers (a manual decision then is in force),
    # so automation's reasons are checked in the history, where every decision stays.
    history = page.get_by_role("region", name="Moderation history")
    automated = history.locator(".audit-entry", has_text="decision.remove").filter(
        has_text="text.spam"
    )
    expect(automated).to_have_count(1)
    threshold = automated.locator("tr.reason").first.locator("td").nth(4).inner_text()
    assert float(threshold) > 0
    expect(page.get_by_role("region", name="On-screen text")).to_be_visible()
    expect(page.get_by_role("region", name="Language and text")).to_contain_text("Segmentation")
    embeddings = page.get_by_role("region", name="Embeddings")
    expect(embeddings).to_contain_text("384")
    stages = page.get_by_role("region", name="Stages and model versions")
    expect(stages.get_by_role("listitem").filter(has_text="keyframes/")).to_have_count(1)
    expect(page.get_by_role("list", name="Keyframes").get_by_role("button").first).to_be_visible()

    related = page.locator(".related a.card")
    expect(related.first).to_be_visible()
    assert spam["id"] not in related.evaluate_all("cards => cards.map(c => c.dataset.itemId)")
    page.screenshot(path=str(screenshots / "item.png"))


def test_keyframes_seek_the_video_by_keyboard(page) -> None:
    cat = next(i for i in _items(page) if i["meta"].get("topic") == "pets" and i["kind"] == "video")
    page.goto(f"/#/item/{cat['id']}")
    frames = page.get_by_role("list", name="Keyframes").get_by_role("button")
    expect(frames.nth(2)).to_be_visible()
    label = frames.nth(2).get_attribute("aria-label")
    seconds = float(label.split(" at ")[1].split(" s")[0])
    frames.nth(2).focus()
    page.keyboard.press("Enter")
    video = page.locator(".item-media video")
    expect(video).to_be_focused()
    assert abs(video.evaluate("v => v.currentTime") - seconds) < 0.1
    expect(
        page.get_by_role("region", name="Visual concepts").locator("meter").first
    ).to_be_visible()


def test_a_missing_post_says_so(page) -> None:
    page.goto("/#/item/itm_does_not_exist")
    expect(page.get_by_role("heading", name="Post not found")).to_be_visible()
    expect(page.locator("#view")).to_contain_text("no item 'itm_does_not_exist'")
    page.get_by_role("link", name="Search posts").click()
    page.wait_for_url("**/#/search")
