"""Polling at campaign scale: a bulk campaign's pending QR codes and one person at the desk.

Phase one: one console process (``streamlit run``, SQLite, its embedded simulator), ``pending``
enrolments issued as a bulk campaign issues them (one API call each), then Enrol pages watched
in Chromium while their phones confirm: the status requests per second the simulator sees, the
watched enrolments' confirm-to-screen latency, the longest any pending enrolment waited for a
poll. Phase two: the same with ``processes`` console processes on one PostgreSQL database and
one simulator (in this process, so its per-enrolment poll times can be read): the total rate,
the shortest gap between two polls of one campaign enrolment (none polled twice in a period),
and every enrolment's state in the database against the simulator's (none lost).
"""

from __future__ import annotations

import itertools
import random
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from playwright.sync_api import Browser
from pydantic import SecretStr

from bench.browser import new_context
from bench.harness import STATUS_KEY, Phone, start_console
from bench.latency import scan_to_screen
from bench.proc import Server, start_streamlit
from dashboard.omi.client import OmiClient
from dashboard.services import UseCases, build_use_cases
from dashboard.settings import OmiSettings
from dashboard.usecases.database import Database
from db.engine import create_engine_for, upgrade
from simulator.config import SimConfig
from simulator.embedded import RunningSimulator
from simulator.embedded import start as start_simulator

POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
ENV = {"SIM_QR_TTL": "3600", "POLL_MAX_RPS": "20"}


@dataclass
class Phase:
    """What one phase measured."""

    processes: int
    pending: int
    seconds: float
    status_rate: float
    latencies: list[float]
    longest_wait: float
    floor: float
    min_gap: float | None = None
    """The shortest time between two polls of one campaign enrolment (phase two)."""
    disagreeing: int | None = None
    """Enrolments whose state in the database differs from the simulator's (phase two)."""


@dataclass
class Desk:
    """The page a person at the desk has open: one console's Enrol page."""

    phone: Phone
    server: Server

    def enrol_url(self, account_id: uuid.UUID, /) -> str:
        return f"{self.server.url}/enrol?account={account_id}"


def one_process(
    browser: Browser, folder: Path, pending: int, seconds: float, samples: int
) -> Phase:
    """Phase one: one console process on SQLite."""
    cut = start_console(browser, folder, "scale", ENV)
    try:
        campaign(cut.console, pending)
        desk = Desk(cut.phone, cut.server)
        return measure(browser, cut.console, desk, pending, seconds, samples, processes=1)
    finally:
        cut.close()


def several_processes(
    browser: Browser, folder: Path, pending: int, seconds: float, samples: int, processes: int
) -> Phase:
    """Phase two: ``processes`` console processes on one PostgreSQL database."""
    sim = start_simulator(SimConfig(qr_ttl=3600.0))
    omi = OmiClient(
        OmiSettings(
            base_url=sim.base_url,
            client_id=sim.client_id,
            client_secret=SecretStr(sim.client_secret),
        )
    )
    phone = Phone(sim.base_url)
    with postgres_database() as url:
        upgrade(url)
        database = Database(create_engine_for(url))
        servers: list[Server] = []
        try:
            env = {
                **ENV,
                "DATABASE_URL": url,
                "OMI_BASE_URL": sim.base_url,
                "OMI_CLIENT_ID": sim.client_id,
                "OMI_CLIENT_SECRET": sim.client_secret,
            }
            for n in range(processes):
                servers.append(start_streamlit("dashboard/app.py", env, folder / f"pg{n}.log"))
                _open_once(browser, servers[-1])
            console = build_use_cases(database, omi)
            users = campaign(console, pending)
            desk = Desk(phone, servers[0])
            phase = measure(browser, console, desk, pending, seconds, samples, processes)
            phase.min_gap = _min_gap(sim, users)
            phase.disagreeing = _disagreeing(sim, console, database)
            return phase
        finally:
            for server in servers:
                server.stop()
            database.close()
            omi.close()
            phone.close()
            sim.stop()


def campaign(console: UseCases, pending: int) -> list[uuid.UUID]:
    """``pending`` new accounts with a pending QR code each, issued four at a time."""
    tag = uuid.uuid4().hex[:6]

    def one(n: int) -> uuid.UUID:
        account = console.accounts.create(f"campaign.{tag}.{n:05d}", actor="bench")
        console.enrolments.issue(account.id, actor="bench")
        return account.id

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, range(pending)))


def measure(
    browser: Browser,
    console: UseCases,
    desk: Desk,
    pending: int,
    seconds: float,
    samples: int,
    processes: int,
) -> Phase:
    """Watch the rate and the longest wait for ``seconds`` while ``samples`` watched
    enrolments are confirmed on the desk's Enrol page."""
    longest = [0.0]
    stop = threading.Event()

    def sample_waits() -> None:
        while not stop.wait(2.0):
            waited = console.polling.budget.status().longest_wait
            longest[0] = max(longest[0], waited or 0.0)

    sampler = threading.Thread(target=sample_waits, daemon=True)
    before, started = desk.phone.stats().get(STATUS_KEY, 0), time.monotonic()
    sampler.start()
    context = new_context(browser)
    try:
        watched = [_pending(console, f"desk{n}") for n in range(samples)]
        latencies = scan_to_screen(desk, context, watched, random.Random(3))
        time.sleep(max(0.0, seconds - (time.monotonic() - started)))
    finally:
        context.close()
        stop.set()
        sampler.join()
    elapsed = time.monotonic() - started
    made = desk.phone.stats().get(STATUS_KEY, 0) - before
    floor = console.polling.budget.status().floor
    return Phase(processes, pending, elapsed, made / elapsed, latencies, longest[0], floor)


def _pending(console: UseCases, name: str) -> uuid.UUID:
    account = console.accounts.create(f"bench.{name}.{uuid.uuid4().hex[:6]}", actor="bench")
    console.enrolments.issue(account.id, actor="bench")
    return account.id


def _open_once(browser: Browser, server: Server) -> None:
    """The console builds its services (and starts its poller) on the first page view."""
    context = new_context(browser)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/system")
        page.get_by_text("Request budget").first.wait_for(timeout=60_000)
    finally:
        context.close()


def _min_gap(sim: RunningSimulator, users: list[uuid.UUID]) -> float | None:
    gaps: list[float] = []
    with sim.store.lock:
        for user in users:
            enrolment = sim.store.enrolments.get(str(user))
            times = list(enrolment.polled_at) if enrolment is not None else []
            gaps += [b - a for a, b in itertools.pairwise(times)]
    return min(gaps) if gaps else None


def _disagreeing(sim: RunningSimulator, console: UseCases, database: Database) -> int:
    """Enrolments whose database state is not the simulator's, once the pollers settled
    (the campaign's stay pending; the desk's were confirmed and must be enrolled)."""
    with database.sessions() as session:
        rows = session.execute(
            sa.text(
                "SELECT DISTINCT ON (account_id) account_id, status FROM enrolments "
                "ORDER BY account_id, id DESC"
            )
        ).all()
    with sim.store.lock:
        remote = {user: e.status for user, e in sim.store.enrolments.items()}
    return sum(1 for account, status in rows if remote.get(str(account)) != status)


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for the phase, dropped afterwards."""
    admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"bench_scale_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(
    browser: Browser,
    folder: Path,
    *,
    pending: int,
    seconds: float,
    samples: int,
    processes: int,
    step: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Both phases; the raw figures by phase."""
    step(f"  one console process, {pending:,} pending, {seconds:.0f} s")
    single = one_process(browser, folder, pending, seconds, samples)
    step(f"  {processes} console processes on one PostgreSQL database")
    several = several_processes(browser, folder, pending, seconds, samples, processes)
    return {"one": single, "several": several}
