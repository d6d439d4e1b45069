"""Debian's Chromium through Playwright, and the clock that times what a page shows."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bench.proc import RESULTS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Every tab must tick as if an operator were looking at it.
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]
TIMEOUT_MS = 30_000

#: Records, in the page's clock, the first moment the page's text contains ``text``.
WATCH_TEXT = """
(text) => {
  window.__seenAt = null;
  const check = () => {
    if (window.__seenAt === null && document.body.textContent.includes(text)) {
      window.__seenAt = performance.now();
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document.body, {childList: true, subtree: true, characterData: true});
  check();
}
"""


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium, closed afterwards."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_context(browser: Browser) -> BrowserContext:
    """A browser context sized like an operator's window."""
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    return context


def open_tab(context: BrowserContext, url: str, shows: str) -> Page:
    """A new tab on ``url``, once its text contains ``shows``."""
    page = context.new_page()
    goto(page, url, shows)
    return page


def goto(page: Page, url: str, shows: str) -> None:
    """Navigate ``page`` to ``url`` and wait until its text contains ``shows``; on a timeout,
    say what the page showed instead (and keep a screenshot under bench/results/)."""
    page.goto(url)
    try:
        wait_text(page, shows)
    except PlaywrightTimeoutError:
        shot = RESULTS / f"timeout-{time.strftime('%H%M%S')}.png"
        page.screenshot(path=str(shot), full_page=True)
        seen = " ".join(page.locator("body").inner_text().split())[:300]
        raise RuntimeError(f"{url} did not show {shows!r}; it showed {seen!r} ({shot})") from None


def wait_text(page: Page, text: str, timeout_ms: float = TIMEOUT_MS) -> None:
    """Wait until the page's text contains ``text``."""
    page.wait_for_function(
        "(text) => document.body.textContent.includes(text)", arg=text, timeout=timeout_ms
    )


def watch_text(page: Page, text: str) -> None:
    """Start recording when ``text`` first appears on ``page`` (see ``seen_at``)."""
    page.evaluate(WATCH_TEXT, text)


def page_clock_offset(page: Page) -> float:
    """``time.monotonic()`` minus the page's ``performance.now()`` in seconds, read over one
    round trip (its error is at most half the round trip, about a millisecond)."""
    before = time.monotonic()
    page_now = float(page.evaluate("performance.now()")) / 1000
    after = time.monotonic()
    return (before + after) / 2 - page_now


def seen_at(page: Page, offset: float, timeout_ms: float = TIMEOUT_MS) -> float:
    """When the watched text appeared, on the ``time.monotonic()`` clock."""
    page.wait_for_function("window.__seenAt !== null", timeout=timeout_ms, polling=50)
    return float(page.evaluate("window.__seenAt")) / 1000 + offset
