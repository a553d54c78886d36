"""The review console: a reported post becomes a job, taken and decided by keyboard alone
behind the wellness blur, with the queue shrinking and the decision in the audit log; skips,
a lost lease, and an appeal shown beside the decision it contests."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from reelstack.testing.browser import PHONE
from reelstack.testing.server import get_json

# Topics other console tests search for (cats and animals) stay untouched by these decisions.
QUIET_TOPICS = ("science", "space", "travel", "vlog", "bikes", "food", "finance", "animation")


def post_json(base: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        base + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def quiet_video_posts(base: str) -> list[dict[str, Any]]:
    """Understood, allowed video posts of topics no other console test relies on."""
    _, page = get_json(f"{base}/v1/items?limit=100")
    found = []
    for item in page["items"]:
        meta = item.get("meta") or {}
        if meta.get("violation") or meta.get("topic") not in QUIET_TOPICS:
            continue
        if (item.get("media") or {}).get("kind") != "video":
            continue
        _, features = get_json(f"{base}/v1/items/{item['id']}/features")
        if "keyframes" in features["features"]:
            found.append(item)
    assert len(found) >= 3, "the demo should have understood videos beyond the animal clips"
    return found


def report(base: str, item_id: str, policy: str, reason: str) -> dict[str, Any]:
    return post_json(base, "/v1/reports", {"item": item_id, "reporter": "e2e-viewer",
                                           "policy": policy, "reason": reason})  # fmt: skip


def audit_of(base: str, subject_id: str) -> list[dict[str, Any]]:
    return get_json(f"{base}/v1/audit?subject_id={subject_id}&limit=1000")[1]["records"]


def depth(page) -> int:
    return int(page.locator("#queue-summary").get_attribute("data-depth") or 0)


def take_from(page, queue: str) -> None:
    """Reach the queue's Take button and press it, keyboard only."""
    page.get_by_role("button", name=re.compile(f"^Take next job from {queue}")).first.focus()
    page.keyboard.press("Enter")


def test_take_and_decide_a_reported_post_by_keyboard(page, console_url, screenshots: Path) -> None:
    item = quiet_video_posts(console_url)[0]
    job = report(console_url, item["id"], "violence", "a fight at the end of the clip")
    page.goto("/#/review")
    expect(page.locator("tr[data-queue=violence]").first).to_be_visible()
    before = depth(page)
    assert before >= 1

    take_from(page, "violence")
    expect(page.locator(f".job a[href='#/item/{item['id']}']")).to_be_visible()
    assert f"job={job['job_id']}" in page.url
    media = page.locator(".job-media")
    expect(media).to_have_attribute("data-blur", "on")  # violence is severe (3)
    expect(media).to_have_attribute("data-grey", "on")
    player = page.locator(".job-media video")
    expect(player).to_have_css("filter", re.compile(r"blur\(26px\) grayscale\(1\)"))
    assert player.evaluate("v => v.muted")
    expect(page.locator(".job .evidence").filter(has_text="a fight at the end")).to_be_visible()
    expect(page.locator(".keyframes button").first).to_be_visible()
    page.screenshot(path=str(screenshots / "review.png"), full_page=True)

    page.keyboard.press("v")
    expect(media).to_have_attribute("data-blur", "off")
    expect(player).to_have_css("filter", re.compile(r"blur\(0px\) grayscale\(0\)"))
    expect(page.get_by_role("button", name="Hide media again")).to_have_attribute(
        "aria-pressed", "true"
    )

    page.keyboard.press("2")  # label
    expect(page.get_by_role("radio", name="Label")).to_be_checked()
    page.keyboard.press("p")
    expect(page.locator("#review-policy")).to_be_focused()
    page.keyboard.type("dangerous.w")  # the select's own type-ahead
    expect(page.locator("#review-policy")).to_have_value("dangerous.weapons")
    page.keyboard.press("Tab")
    expect(page.locator("#review-reason")).to_be_focused()
    page.keyboard.type("Shows a replica weapon; label it for context.")
    page.keyboard.press("Control+Enter")

    expect(page.locator("#status")).to_contain_text("Decided: label under dangerous.weapons")
    expect(page.locator(".history li").first).to_contain_text(item["id"])
    expect(page.locator("#queue-summary")).not_to_have_attribute("data-depth", str(before))
    assert depth(page) == before - 1
    expect(page.locator("#take-next")).to_be_focused()
    assert "job=" not in page.url
    records = audit_of(console_url, item["id"])
    decided = [r for r in records if r["action"] == "decision.label"]
    assert decided and decided[-1]["actor"].startswith("reviewer:")
    assert decided[-1]["details"]["policy_id"] == "dangerous.weapons"
    assert "replica weapon" in json.dumps(decided[-1]["details"])


def test_phone_skip_and_a_lost_lease(browser, console_url, screenshots: Path) -> None:
    first, second = quiet_video_posts(console_url)[1:3]
    report(console_url, first["id"], "self_harm", "worrying caption")
    context = browser.new_context(viewport=PHONE, base_url=console_url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/#/review")
    take_from(page, "self_harm")
    expect(page.locator(f".job a[href='#/item/{first['id']}']")).to_be_visible()
    expect(page.locator(".job-media")).to_have_attribute("data-blur", "on")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshots / "review-phone.png"))  # the job, as a phone shows it
    job_id = page.url.split("job=")[1]
    page.locator("#job-title").focus()
    page.keyboard.press("s")
    expect(page.locator("#status")).to_contain_text(f"Skipped job {job_id}")
    skips = [r for r in get_json(f"{console_url}/v1/audit?action=review.skip&limit=1000")[1][
        "records"] if r["subject_id"] == job_id]  # fmt: skip
    assert skips

    report(console_url, second["id"], "hate", "slur in the speech")
    take_from(page, "hate")
    expect(page.locator(f".job a[href='#/item/{second['id']}']")).to_be_visible()
    lost = page.url.split("job=")[1]
    post_json(console_url, f"/v1/review/jobs/{lost}/skip", {"reason": "taken back elsewhere"})
    page.keyboard.press("1")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#status")).to_contain_text("no longer yours")
    expect(page.locator(".job-area .empty-title")).to_have_text("No job open")
    context.close()
    assert not errors


def test_an_appeal_shows_the_original_decision_and_is_upheld(page, console_url) -> None:
    _, listing = get_json(f"{console_url}/v1/items?limit=100")
    appealed = next(i for i in listing["items"] if (i.get("moderation") or {}).get("action")
                    == "disable")  # fmt: skip
    decision = appealed["moderation"]["decision_id"]
    appeal = {"decision": decision, "creator": appealed["creator"]["handle"],
              "reason": "it is my own film"}  # fmt: skip
    filed = post_json(console_url, "/v1/appeals", appeal)
    page.goto("/#/review")
    take_from(page, "appeals")
    shown = page.get_by_role("region", name="Appeal and the original decision")
    expect(shown).to_contain_text("it is my own film")
    expect(shown).to_contain_text("disable")
    expect(shown).to_contain_text(decision)
    page.keyboard.press("1")  # uphold
    expect(page.get_by_role("radio", name="Uphold the decision")).to_be_checked()
    page.keyboard.press("r")
    page.keyboard.type("Matches the banned film's hash bank entry.")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#status")).to_contain_text("appeal upheld")
    _, status = get_json(f"{console_url}/v1/appeals/{filed['appeal_id']}")
    assert (status["state"], status["outcome"]) == ("decided", "uphold")
