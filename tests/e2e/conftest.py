"""A real console process (``streamlit run``) on a free port, and Debian's Chromium driving it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.support.servers import CHROMIUM_ARGS, ConsoleServer, start_console, stop_console


@pytest.fixture
def console_server(tmp_path: Path) -> Iterator[ConsoleServer]:
    """The console on its embedded defaults (simulator, SQLite file under tmp_path)."""
    server = start_console(tmp_path)
    yield server
    stop_console(server)


@pytest.fixture
def browser(chromium_path: str) -> Iterator[Browser]:
    """Chromium, headless, for one test."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
