"""What the benchmarks drive: the console process (with its embedded simulator), the naive page
with a simulator of its own, and the phone's side (scan, confirm) through the simulator."""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
from playwright.sync_api import Browser
from pydantic import SecretStr

from bench.browser import new_context
from bench.proc import Server, free_port, start_streamlit
from dashboard.omi.client import OmiClient
from dashboard.services import UseCases, build_use_cases
from dashboard.settings import OmiSettings
from dashboard.usecases.database import Database
from db.engine import create_engine_for, upgrade
from simulator.config import SimConfig
from simulator.embedded import RunningSimulator
from simulator.embedded import start as start_simulator

STATUS_KEY = "GET /omi/qr/enrol/status"
TOKEN_KEY = "POST /auth/oauth2.0/v1/token"  # noqa: S105 - a route, not a secret
CLIENT_ID = "demo-console"
PENDING_TEXT = "Waiting for the phone to scan the QR code."
SCANNED_TEXT = "Scanned. Waiting for the person to confirm."
ENROLLED_TEXT = "The device is enrolled."


class Phone:
    """The simulator's test controls and device pages, over loopback."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._http = httpx2.Client(base_url=base_url, timeout=10, trust_env=False)

    def close(self) -> None:
        self._http.close()

    def stats(self) -> dict[str, int]:
        """Requests counted so far, by ``METHOD /path``, summed over statuses."""
        response = self._http.get("/_sim/stats")
        response.raise_for_status()
        counts: dict[str, dict[str, int]] = response.json()["requests"]
        return {key: sum(by_status.values()) for key, by_status in counts.items()}

    def device_url(self, user_id: uuid.UUID) -> str:
        """The device page the user's current QR code encodes."""
        response = self._http.get(f"/_sim/enrolments/{user_id}")
        response.raise_for_status()
        return str(response.json()["deviceUrl"])

    def scan(self, device_url: str) -> None:
        """Open the device page, as a phone does after scanning the QR code."""
        self._http.get(device_url).raise_for_status()

    def confirm(self, device_url: str) -> None:
        """Press Confirm on the device page."""
        response = self._http.post(device_url, data={"action": "confirm"})
        response.raise_for_status()


@dataclass
class ConsoleUnderTest:
    """A real console process and a use-case layer of our own on the same database and API:
    enrolments we issue land in the console's database, and its poller takes them on exactly
    as it does the ones issued from its pages."""

    server: Server
    console: UseCases
    database: Database
    phone: Phone
    omi: OmiClient

    def new_pending(self, name: str) -> uuid.UUID:
        """A new account with a freshly issued (pending) QR code; returns the account id."""
        account = self.console.accounts.create(
            f"bench.{name}.{uuid.uuid4().hex[:6]}", actor="bench"
        )
        self.console.enrolments.issue(account.id, actor="bench")
        return account.id

    def enrol_url(self, account_id: uuid.UUID) -> str:
        return f"{self.server.url}/enrol?account={account_id}"

    def close(self) -> None:
        self.server.stop()
        self.omi.close()
        self.phone.close()
        self.database.close()


def start_console(
    browser: Browser, folder: Path, name: str, env: dict[str, str] | None = None
) -> ConsoleUnderTest:
    """``streamlit run dashboard/app.py`` on a fresh SQLite file, its simulator on a known port.

    The console builds its services on the first page view, so we wait for one.
    """
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / f"{name}.db"
    for stale in folder.glob(f"{name}.db*"):
        stale.unlink()
    url = f"sqlite:///{database}"
    upgrade(url)
    sim_port = free_port()
    secret = secrets.token_urlsafe(24)
    server = start_streamlit(
        "dashboard/app.py",
        {
            "DATABASE_URL": url,
            "SIM_PORT": str(sim_port),
            "SIM_CLIENT_SECRET": secret,
            # The bench seeds local accounts straight into the database (no SCIM store).
            "SIM_ACCEPT_ANY_USER": "1",
            **(env or {}),
        },
        folder / f"{name}.log",
    )
    sim_url = f"http://127.0.0.1:{sim_port}"
    try:
        _wait_for_services(browser, server, sim_url)
    except BaseException:
        server.stop()
        raise
    omi = OmiClient(
        OmiSettings(base_url=sim_url, client_id=CLIENT_ID, client_secret=SecretStr(secret))
    )
    shared = Database(create_engine_for(url))
    console = build_use_cases(shared, omi)
    return ConsoleUnderTest(server, console, shared, Phone(sim_url), omi)


def _wait_for_services(browser: Browser, server: Server, sim_url: str) -> None:
    context = new_context(browser)
    try:
        context.new_page().goto(f"{server.url}/system")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx2.get(f"{sim_url}/_sim/health", timeout=1).status_code == 200:
                    return
            except httpx2.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the console's simulator did not start; see {server.log}")
    finally:
        context.close()


@dataclass
class NaiveUnderTest:
    """The naive page's process and its own simulator (in this process)."""

    server: Server
    simulator: RunningSimulator
    phone: Phone
    omi: OmiClient

    def new_pending(self) -> uuid.UUID:
        """A fresh user with an issued QR code; returns the user id."""
        user = uuid.uuid4()
        self.omi.enrol(str(user))
        return user

    def enrol_url(self, user: uuid.UUID) -> str:
        return f"{self.server.url}/?user={user}"

    def close(self) -> None:
        self.server.stop()
        self.omi.close()
        self.phone.close()
        self.simulator.stop()


def start_naive(folder: Path, **sim: Any) -> NaiveUnderTest:
    """A simulator in a thread here, and ``streamlit run bench/naive_enrol.py`` against it."""
    # The naive page enrols made-up user ids: its simulator accepts any user.
    simulator = start_simulator(SimConfig(**{"accept_any_user": True, **sim}))
    env = {
        "OMI_BASE_URL": simulator.base_url,
        "OMI_CLIENT_ID": simulator.client_id,
        "OMI_CLIENT_SECRET": simulator.client_secret,
    }
    server = start_streamlit("bench/naive_enrol.py", env, folder / "naive.log")
    settings = OmiSettings(
        base_url=simulator.base_url,
        client_id=simulator.client_id,
        client_secret=SecretStr(simulator.client_secret),
    )
    return NaiveUnderTest(server, simulator, Phone(simulator.base_url), OmiClient(settings))
