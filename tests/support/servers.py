"""Real console processes: ``streamlit run`` on a free port (for Chromium), and a console
without its web server (``tests.reliability.console_process``) that a test may SIGKILL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx2
from playwright.sync_api import Page

from tests.support.waiting import wait_until

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
    """A loopback port free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_environment() -> dict[str, str]:
    """This process's environment without any OMI_/SIM_ setting; the public page on a free
    port (several consoles run at once)."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("OMI_", "SIM_", "SCIM_"))}
    return kept | {"PUBLIC_PORT": "0"}


@dataclass
class ConsoleServer:
    """A ``streamlit run`` console, its address and its log file."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path


def start_console(
    tmp_path: Path, extra_env: dict[str, str] | None = None, port: int | None = None
) -> ConsoleServer:
    """``streamlit run dashboard/app.py`` on ``port`` (default: a free one) with a fresh
    database; waits for health."""
    port = port or free_port()
    env = clean_environment() | {
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
    """SIGTERM, then SIGKILL after 10 s."""
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def wait_idle(page: Page, timeout_ms: float = 20_000) -> None:
    """Wait until the Streamlit app has rendered and is not running a script."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=timeout_ms,
    )


@dataclass
class ConsoleProcess:
    """A console process (``tests.reliability.console_process``) and its log file."""

    process: subprocess.Popen[bytes]
    log: Path

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when a machine loses power."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """Stop it (SIGTERM, then SIGKILL) if it still runs."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def start_console_process(env: dict[str, str], log: Path) -> ConsoleProcess:
    """Start a console process with ``env`` (over a clean environment); wait until it polls."""
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.console_process"],
            cwd=ROOT,
            env=clean_environment() | env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    running = ConsoleProcess(process, log)
    try:
        wait_until(
            lambda: process.poll() is not None or "ready: poller running=True" in log.read_text(),
            timeout=60,
            what="the console process starts",
        )
    except AssertionError:
        running.stop()
        raise
    assert process.poll() is None, log.read_text()
    return running


DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
SCREENSHOTS = DOCS_SCREENSHOTS if os.environ.get("SAVE_SCREENSHOTS") == "1" else None


def shoot(page: Page, name: str) -> None:
    """A full-page screenshot for the README, once the page has settled."""
    if SCREENSHOTS is not None:
        page.wait_for_timeout(1500)  # let fonts, images and the data grid's canvas paint
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
