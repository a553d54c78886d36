"""The dashboards: SVG charts with points and bars drawn from the API, a bucket switch by
keyboard, data tables behind the charts, and metric tables with figures for safety, search,
the feed and the system, at desktop and phone widths."""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from reelstack.testing.browser import PHONE
from reelstack.testing.server import get_json

PERCENT = re.compile(r"\d+(\.\d)?%")


def post_json(base: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        base + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def confirm_the_removed_scam(base: str) -> None:
    """A reviewer confirms automation's removal of the demo's scam post (a labelled case)."""
    _, listing = get_json(f"{base}/v1/items?limit=100")
    scam = next(i for i in listing["items"] if (i.get("meta") or {}).get("violation") == "spam")
    post_json(
        base, "/v1/reports", {"item": scam["id"], "reporter": "e2e-dash", "policy": "spam.scam"}
    )
    _, leased = get_json(f"{base}/v1/review/next?queue=spam")
    job = leased["job"]
    assert job is not None and job["item_id"] == scam["id"]
    decision = {"action": "remove", "policy": "spam.scam", "reason": "crypto giveaway scam"}
    post_json(base, f"/v1/review/jobs/{job['id']}/decision", decision)


def search(base: str, query: str, **params: str) -> int:
    query_string = urllib.parse.urlencode({"q": query, **params})
    _, found = get_json(f"{base}/v1/search?{query_string}")
    return len(found["results"])


def figure(page, title: str):
    return page.locator("figure.chart-figure", has=page.locator("figcaption", has_text=title))


def test_charts_and_metric_tables_render_from_the_api(page, console_url, screenshots: Path) -> None:
    confirm_the_removed_scam(console_url)
    assert search(console_url, "cat") > 0
    assert search(console_url, "qqxzv", filters="language:zz") == 0  # no post is in "zz"
    page.goto("/#/dashboards")

    actions = figure(page, "Moderation decisions per hour")
    expect(actions.locator("svg[role=img] circle.point").first).to_be_attached()
    assert actions.locator("circle.point").count() == 48 * 4  # 48 hourly buckets, 4 lines
    expect(actions.locator("svg > title")).to_have_text("Moderation decisions per hour")
    expect(actions.locator("svg desc")).to_contain_text("decisions over the last 48 hours")
    bars = figure(page, "Feed events per impression").locator("rect.bar")
    expect(bars).to_have_count(8)
    assert float(bars.first.get_attribute("width")) > 0

    spam = page.locator("tr[data-policy=spam]")
    expect(spam.locator("td").nth(0)).to_contain_text("100.0%")  # precision: 1 of 1 confirmed
    expect(spam).to_contain_text("1 manual")
    expect(page.locator("tr[data-policy=ip]")).to_contain_text(PERCENT)
    searches = page.locator(".stat", has_text="Queries").locator(".stat-value")
    assert int(searches.inner_text().replace(",", "")) >= 2
    expect(page.locator(".stat", has_text="Zero-result rate").locator(".stat-value")).to_have_text(
        PERCENT
    )
    expect(page.get_by_role("table", name="Queries that found nothing")).to_contain_text("qqxzv")
    latency = page.get_by_role("table", name="HTTP latency per route")
    searched = latency.locator(
        "tr", has=page.locator("th", has_text=re.compile(r"^GET /v1/search$"))
    )
    expect(searched).to_contain_text(" ms")
    page.screenshot(path=str(screenshots / "dashboards.png"), full_page=True)

    # Keyboard only: switch to daily buckets, open the chart's data table.
    page.get_by_role("button", name="Per day").focus()
    page.keyboard.press("Enter")
    daily = figure(page, "Moderation decisions per day")
    expect(daily.locator("circle.point")).to_have_count(30 * 4)
    expect(page.get_by_role("button", name="Per day")).to_have_attribute("aria-pressed", "true")
    assert "bucket=day" in page.url
    daily.locator("summary").focus()
    page.keyboard.press("Enter")
    rows = daily.locator("details table tbody tr")
    expect(rows).to_have_count(30)
    assert sum(int(t) for t in rows.locator("td").all_inner_texts()) >= 5

    with page.expect_response("**/v1/system/stats") as refreshed:
        page.get_by_role("button", name="Refresh now").click()
    assert refreshed.value.ok
    expect(daily.locator("details")).to_have_attribute("open", "")  # redraws keep it open
    pause = page.get_by_role("button", name="Pause auto-refresh")
    pause.click()
    expect(page.get_by_role("button", name="Resume auto-refresh")).to_have_attribute(
        "aria-pressed", "true"
    )


def test_dashboards_fit_a_phone(browser, console_url, screenshots: Path) -> None:
    context = browser.new_context(viewport=PHONE, base_url=console_url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/#/dashboards")
    expect(
        figure(page, "Moderation decisions per hour").locator("circle.point").first
    ).to_be_attached()
    expect(figure(page, "Latency of the busiest routes").locator("rect.bar").first).to_be_attached()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the dashboards scroll sideways at phone width ({width}px)"
    svg_width = float(
        figure(page, "Feed events per impression").locator("svg").first.get_attribute("width")
    )
    assert svg_width <= PHONE["width"]
    page.screenshot(path=str(screenshots / "dashboards-phone.png"))
    context.close()
    assert not errors
