"""The console shell: served at "/", routes by hash, works by keyboard and at phone width."""

from __future__ import annotations

from pathlib import Path

from reelstack.testing.browser import PHONE


def test_library_lists_posts_and_opens_an_item_by_keyboard(page, screenshots: Path) -> None:
    page.goto("/#/library")
    cards = page.locator("a.card")
    cards.first.wait_for()
    assert cards.count() >= 20
    assert page.locator("#nav a[aria-current=page]").inner_text() == "Library"
    page.screenshot(path=str(screenshots / "library.png"))
    page.locator("a.card").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/#/item/*")


def test_every_nav_page_renders_at_phone_width(browser, console_url: str) -> None:
    context = browser.new_context(viewport=PHONE, base_url=console_url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/")
    for name in ("search", "feed", "review", "dashboards", "library"):
        page.locator(f"#nav a[data-page={name}]").click()
        page.wait_for_function(f"document.getElementById('view').dataset.page === '{name}'")
        assert page.locator("#view h1").count() >= 1
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{name} scrolls sideways at phone width ({width}px)"
    context.close()
    assert not errors
