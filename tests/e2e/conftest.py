"""The console in a real browser: a small understood demo served by ``reelstack serve``,
driven by Playwright in Debian's Chromium (never a downloaded browser).

Screenshots go to ``$REELSTACK_SCREENSHOTS`` when set (``make screenshots`` points it at
docs/screenshots); otherwise to the test's temporary directory.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from reelstack.config import Settings
from reelstack.demo.build import build_demo
from reelstack.runtime.platform import Platform
from reelstack.storage.paging import iter_items
from reelstack.testing.browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP
from reelstack.testing.server import serving


def _browser_or_skip() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: `sudo apt-get install chromium` (scripts/system-deps.sh)"
    if os.environ.get("REELSTACK_REQUIRE_BROWSER"):
        pytest.fail(reason)
    pytest.skip(reason)


SHOWCASE_TOPICS = ("pets", "animals")


def _showcase(platform: Platform) -> list[str]:
    """Posts worth understanding for the console: the animal clips (visual search, feed
    topics), every violating post (review, moderation history) and one post per other topic."""
    chosen, topics = [], set()
    for item in iter_items(platform.store):
        topic = item.meta.get("topic")
        if topic in SHOWCASE_TOPICS or item.meta.get("violation") or topic not in topics:
            chosen.append(item.id)
        topics.add(topic)
    return chosen


@pytest.fixture(scope="session")
def console_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 40-post demo whose showcase posts are understood (all 40 take minutes on 2 cores).

    ``REELSTACK_E2E_DATA=DIR`` reuses a demo built before (copied, since tests change it).
    """
    data = tmp_path_factory.mktemp("console-demo") / "data"
    prebuilt = os.environ.get("REELSTACK_E2E_DATA")
    if prebuilt:
        shutil.copytree(prebuilt, data)
        return data
    with Platform.open(Settings(data_dir=data)) as platform:
        build_demo(platform, posts=40, users=10, titles_path=None, progress=False)
        platform.understand.run(_showcase(platform))
    return data


@pytest.fixture(scope="session")
def console_url(console_data: Path) -> Iterator[str]:
    with serving("serve", console_data, timeout=120) as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: object, console_url: str) -> Iterator[object]:
    """A fresh desktop-sized page whose console errors fail the test."""
    context = browser.new_context(viewport=DESKTOP, base_url=console_url)  # type: ignore[attr-defined]
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("REELSTACK_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path
