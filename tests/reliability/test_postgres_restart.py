"""The distributed poller under a database fault: three console processes poll 200 pending
enrolments on one PostgreSQL database while phones confirm and decline, and the PostgreSQL
server goes down and comes back in the middle. Each process recovers by itself, no page shows
a traceback (during the outage they say so in a sentence), nothing is logged as one, and every
enrolment's final state agrees with the simulator's.

The server is a private cluster (``tests.support.cluster``), not the machine's shared one. The
console processes are ``tests.reliability.console_process`` (the services ``streamlit run``
builds, without the web server); the pages run under AppTest in this process, which makes it a
fourth console on the same database (with a poller of its own, as ``streamlit run`` has). Each
process connects under its own ``application_name``, so ``pg_stat_activity`` tells whether
every one of them is working on the database again after the outage.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
import streamlit as st

from dashboard.domain.statuses import Status
from tests.support import cluster as private
from tests.support.apptest import assert_no_exception, console_env, messages, open_page
from tests.support.console import Console, assert_consistent, open_console
from tests.support.phone import Phone
from tests.support.required import skip_or_fail
from tests.support.servers import ConsoleProcess, start_console_process
from tests.support.simulator import Simulator, StartSimulator
from tests.support.waiting import wait_until

ACCOUNTS = 200
PROCESSES = 3
#: Status calls a second for all the consoles together: every pending enrolment is polled at
#: least every 2 × 200 ÷ 100 = 4 s, and two cores are not swamped by the calls.
BUDGET = "100"
SIM_FINAL = {"ENROLLED": Status.ENROLLED, "DECLINED": Status.DECLINED, "PENDING": Status.PENDING}
PHONE_FINAL = {"confirm": Status.ENROLLED, "decline": Status.DECLINED}
PAGES = ("enrol", "enrolments", "queue", "system")
#: The System page keeps showing the poller's last error as history: that is its job.
HISTORY = ("Last poll error",)


@pytest.fixture
def cluster() -> Iterator[private.Cluster]:
    """A private PostgreSQL server; skips without one (fails under REQUIRE_POSTGRES=1)."""
    reason = private.missing()
    if reason is not None:
        skip_or_fail(f"no private PostgreSQL cluster: {reason}", "REQUIRE_POSTGRES")
    server = private.Cluster()
    try:
        yield server
    finally:
        server.remove()


def reached(console: Console, wanted: dict[uuid.UUID, Status]) -> bool:
    """Whether each account's latest enrolment is at the wanted status (False while the
    database cannot be read)."""
    try:
        return all(
            (latest := console.enrolments.latest(account)) is not None and latest.status is status
            for account, status in wanted.items()
        )
    except Exception:
        return False


def visit(query: dict[str, str]) -> dict[str, list[str]]:
    """Open each page (the Enrol page on an account): none raises; what each one said."""
    said: dict[str, list[str]] = {}
    for name in PAGES:
        at = open_page(name, **(query if name == "enrol" else {}))
        assert_no_exception(at)
        said[name] = [m for m in messages(at) if not m.startswith(HISTORY)]
    return said


def working(engine: sa.Engine, names: list[str]) -> bool:
    """Whether every one of ``names`` has a connection that ran a statement of its own (not
    the pool's ping) in the last few seconds."""
    statement = sa.text(
        "SELECT DISTINCT application_name FROM pg_stat_activity"
        " WHERE query_start > now() - interval '5 seconds' AND query NOT ILIKE 'select 1'"
    )
    try:
        with engine.connect() as connection:
            seen = set(connection.scalars(statement))
    except sa.exc.OperationalError:
        return False
    return seen >= set(names)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.timeout(300)
def test_three_pollers_recover_from_a_postgres_restart(
    cluster: private.Cluster,
    start_simulator: StartSimulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sim = start_simulator(qr_ttl=900.0)
    names = [f"console{n}" for n in range(PROCESSES)]
    envs = [
        console_env(sim, cluster.url(name), poll="0.5") | {"POLL_MAX_RPS": BUDGET} for name in names
    ]
    for key, value in console_env(sim, cluster.url("pages"), poll="0.5").items():
        monkeypatch.setenv(key, value)
    logs = [tmp_path / f"{name}.log" for name in names]  # one each: "ready" is per log
    processes: list[ConsoleProcess] = []
    with open_console(cluster.url("test"), sim) as console, Simulator(sim) as controls:
        phone = Phone(controls)  # it knows people by the tenant's id: no database needed
        accounts = [
            console.accounts.create(f"pgrestart{i:03d}", actor="t") for i in range(ACCOUNTS)
        ]
        ids = [account.id for account in accounts]
        reference = {account.id: account.reference for account in accounts}
        for account in ids:
            console.enrolments.issue(account, actor="t")
        wanted = dict.fromkeys(ids, Status.PENDING)
        watched = {"account": str(ids[100])}

        def act(numbers: range, action: str) -> None:
            for n in numbers:
                phone.finish(reference[ids[n]], action, device_name=f"phone {n}")
                wanted[ids[n]] = PHONE_FINAL[action]

        try:
            with ThreadPoolExecutor(PROCESSES) as pool:  # they start at the same time
                pairs = zip(envs, logs, strict=True)
                starts = [pool.submit(start_console_process, *pair) for pair in pairs]
            processes += [start.result() for start in starts if start.exception() is None]
            for start in starts:
                start.result()  # the first that failed to start, if any
            assert not any(visit(watched).values())
            act(range(0, 40), "confirm")
            act(range(40, 50), "decline")
            wait_until(lambda: reached(console, wanted), timeout=120, what="before the restart")

            act(range(50, 80), "confirm")  # the pollers are busy with these when it goes
            cluster.stop()
            act(range(80, 100), "confirm")  # phones carry on without the database
            act(range(100, 110), "decline")
            said = visit(watched)
            quiet = [name for name, lines in said.items() if not lines]
            assert not quiet, f"pages that did not say the database is down: {quiet}"
            for lines in said.values():
                assert all("database" in line.lower() for line in lines), lines
            cluster.start()
            act(range(110, 120), "confirm")

            wait_until(
                lambda: working(console.engine, [*names, "pages"]),
                timeout=60,
                what="every console works on the database again",
            )
            wait_until(lambda: reached(console, wanted), timeout=120, what="after the restart")
            wait_until(lambda: not any(visit(watched).values()), timeout=60, what="pages back")
            died = [p.log.name for p in processes if p.process.poll() is not None]
            assert not died, f"console processes that died: {died}"
        finally:
            st.cache_resource.clear()  # the pages' console stops before the cluster does
            for process in processes:
                process.stop()

        views = assert_consistent(console)
        assert sorted(v.account_id for v in views) == sorted(ids), "lost or duplicated"
        at_simulator = controls.enrolments()
        for view in views:
            remote = at_simulator[uuid.UUID(reference[view.account_id]).hex]
            assert SIM_FINAL[remote["status"]] is view.status is wanted[view.account_id]
            if view.status is Status.ENROLLED:
                assert view.device_name == f"phone {ids.index(view.account_id)}"
    for log in logs:
        assert "Traceback" not in log.read_text(), log.read_text()
