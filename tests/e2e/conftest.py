"""A real console process (``streamlit run``) on a free port, and Debian's Chromium driving it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ConsoleServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def start_console(
    tmp_path: Path, extra_env: dict[str, str] | None = None, port: int | None = None
) -> ConsoleServer:
    """``streamlit run dashboard/app.py`` on ``port`` (default: a free one) with a fresh
    database; waits for health."""
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMI_", "SIM_"))}
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'console.db'}",
        "POLL_INTERVAL": "1.0",
        **(extra_env or {}),
    }
    log = tmp_path / "streamlit.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "dashboard/app.py",
                "--server.port",
                str(port),
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log.read_text()}")
        try:
            if httpx2.get(f"{url}/_stcore/health", timeout=1).status_code == 200:
                return ConsoleServer(url, process, log)
        except httpx2.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"streamlit did not become healthy:\n{log.read_text()}")


def stop_console(server: ConsoleServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture
def console_server(tmp_path: Path) -> Iterator[ConsoleServer]:
    """The console on its embedded defaults (simulator, SQLite file under tmp_path)."""
    server = start_console(tmp_path)
    yield server
    stop_console(server)


@pytest.fixture
def browser(chromium_path: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def wait_idle(page: Page, timeout_ms: float = 20_000) -> None:
    """Wait until the Streamlit app has rendered and is not running a script."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=timeout_ms,
    )
