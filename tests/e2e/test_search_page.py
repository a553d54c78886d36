"""The search page: suggestions by keyboard, results with highlights, facets, query analysis,
spelling recovery, state in the URL, clicks logged before the item page opens."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from reelstack.testing.browser import PHONE

CARDS = "ul.results a.card"
# A server's first search loads the query analysers and embedding models: wait longer for it.
COLD_SEARCH_MS = 60_000


def _params(url: str) -> dict[str, str]:
    query = urlsplit(url).fragment.partition("?")[2]
    return {name: values[0] for name, values in parse_qs(query).items()}


def test_pick_a_suggestion_and_open_a_result_by_keyboard_only(page) -> None:
    page.goto("/#/search")
    box = page.get_by_role("combobox", name="Search posts")
    expect(box).to_be_focused()
    page.keyboard.type("ca")
    options = page.locator("#search-suggestions [role=option]")
    expect(options.filter(has_text=re.compile(r"^#?cat"))).not_to_have_count(
        0, timeout=COLD_SEARCH_MS
    )
    texts = [
        t.strip() for t in page.locator("#search-suggestions .suggestion-text").all_inner_texts()
    ]
    wanted = next(n for n, text in enumerate(texts) if text.lstrip("#").startswith("cat"))
    for _ in range(wanted + 1):
        page.keyboard.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", f"suggestion-{wanted}")
    page.keyboard.press("Enter")

    expect(page.locator(CARDS).first).to_be_visible(timeout=COLD_SEARCH_MS)
    assert _params(page.url)["q"] == texts[wanted]
    expect(box).to_have_value(texts[wanted])
    expect(box).to_have_attribute("aria-expanded", "false")

    first = page.locator(CARDS).first
    item_id = first.get_attribute("data-item-id")
    for _ in range(40):  # Tab through the tools and facets to the first result
        if page.evaluate("document.activeElement.dataset.itemId || ''") == item_id:
            break
        page.keyboard.press("Tab")
    expect(first).to_be_focused()
    with page.expect_response("**/v1/search/click") as click:
        page.keyboard.press("Enter")
    assert click.value.ok and click.value.json()["event_id"]
    body = click.value.request.post_data_json
    assert body["item_id"] == item_id and body["position"] == 1 and body["search_id"]
    page.wait_for_url(f"**/#/item/{item_id}")


def test_results_show_highlights_facets_filter_and_back_restores(page, screenshots: Path) -> None:
    page.goto("/#/search?q=cat")
    cards = page.locator(CARDS)
    expect(cards.first).to_be_visible(timeout=COLD_SEARCH_MS)
    total = cards.count()
    marked = cards.locator("mark", has_text=re.compile("cat", re.I))
    expect(marked.first).to_be_visible()
    expect(cards.locator(".matches li", has_text="Caption").first).to_be_visible()
    expect(page.locator("#search-summary")).to_contain_text("for “cat”")
    page.screenshot(path=str(screenshots / "search.png"))

    analysis = page.get_by_role("button", name="Query analysis")
    expect(analysis).to_have_attribute("aria-expanded", "false")
    analysis.click()
    expect(analysis).to_have_attribute("aria-expanded", "true")
    panel = page.locator("#query-analysis")
    expect(panel).to_contain_text("Segmentation")
    expect(panel).to_contain_text(re.compile(r"Language\S.*\(\w\w\) · \d+% sure"))

    language = page.locator("#search-facets [data-facet=language]").first
    value, count = (
        language.get_attribute("data-value"),
        int(language.locator(".count").inner_text()),
    )
    language.click()
    expect(page.locator("#search-facets [data-facet=language][aria-pressed=true]")).to_have_count(1)
    expect(cards).to_have_count(count)
    assert _params(page.url)["f"] == f"language:{value}"
    expect(page.get_by_role("button", name=re.compile(r"^Remove filter Language"))).to_be_visible()

    page.go_back()
    expect(cards).to_have_count(total)
    assert "f" not in _params(page.url)


def test_spelling_correction_and_zero_result_recovery(page) -> None:
    page.goto("/#/search?q=kucng")
    notice = page.locator(".notices .notice", has_text="Did you mean")
    expect(notice).to_be_visible(timeout=COLD_SEARCH_MS)
    corrected = notice.get_by_role("link")
    expect(corrected).to_have_text("kucing")
    expect(page.locator(CARDS).first).to_be_visible()
    corrected.click()
    page.wait_for_url(re.compile(r"q=kucing"))
    expect(page.get_by_role("combobox", name="Search posts")).to_have_value("kucing")

    # nothing is over a minute long in the demo: zero results, then the ways out of them
    page.goto("/#/search?q=kucing&f=duration:long")
    expect(page.locator("#search-summary")).to_have_text("No posts for “kucing”")
    expect(page.locator(".no-results")).to_contain_text(
        "Nothing matches “kucing” with these filters"
    )
    recovery = page.locator(".no-results .try-list a")  # trending: the searches just made
    expect(recovery.filter(has_text=re.compile("^kucng$"))).to_have_count(1)
    page.get_by_role("button", name="Search without filters").click()
    expect(page.locator(CARDS).first).to_be_visible()
    assert "f" not in _params(page.url)


def test_search_fits_a_phone(browser, console_url: str, screenshots: Path) -> None:
    context = browser.new_context(viewport=PHONE, base_url=console_url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/#/search?q=cat")
    expect(page.locator(CARDS).first).to_be_visible(timeout=COLD_SEARCH_MS)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    filters = page.get_by_role("button", name=re.compile("^Filters"))
    expect(page.locator("#search-facets")).to_be_hidden()
    filters.click()
    expect(page.locator("#search-facets [data-facet=language]").first).to_be_visible()
    filters.click()
    page.screenshot(path=str(screenshots / "search-phone.png"))
    context.close()
    assert not errors
