"""The poller against the real simulator and real databases (generous deadlines, no timings)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from dashboard.domain.records import EnrolmentView
from dashboard.domain.statuses import Status
from dashboard.poller import Poller
from simulator.embedded import RunningSimulator
from tests.support.console import Console, open_console
from tests.support.phone import Phone
from tests.support.simulator import Simulator
from tests.support.waiting import wait_until

INTERVAL = 0.2
DEADLINE = 20.0


@contextmanager
def polling(console: Console, interval: float = INTERVAL) -> Iterator[Poller]:
    poller = Poller(console.polling, interval=interval, backoff_cap=1.0)
    poller.start()
    try:
        yield poller
    finally:
        poller.stop()


def reaches(console: Console, enrolment_id: int, status: Status) -> Callable[[], bool]:
    return lambda: console.enrolments.get(enrolment_id).status is status


def issue(console: Console, name: str) -> EnrolmentView:
    return console.enrolments.issue(console.accounts.create(name, actor="op").id, actor="op")


def status_requests(api: Simulator) -> int:
    return sum(api.stats().get("GET /omi/qr/enrol/status", {}).values())


def test_scan_and_confirm_reach_enrolled(console: Console, phone: Phone) -> None:
    issued = issue(console, "scanner")
    with polling(console) as poller:
        phone.scan(issued.account_id)
        wait_until(reaches(console, issued.id, Status.SCANNED), DEADLINE)
        phone.finish(issued.account_id, "confirm", "Pixel 9")
        wait_until(reaches(console, issued.id, Status.ENROLLED), DEADLINE)
        health = poller.health()
    done = console.enrolments.get(issued.id)
    assert done.device_name == "Pixel 9"
    assert done.api_status == "ENROLLED"
    assert done.time_to_enrol is not None
    assert [(e.from_status, e.to_status) for e in console.enrolments.events(issued.id)] == [
        (None, "PENDING"),
        ("PENDING", "SCANNED"),
        ("SCANNED", "ENROLLED"),
    ]
    assert health.running
    assert health.cycles > 0
    assert health.last_cycle_at is not None
    assert health.recent_errors == 0


def test_decline_is_recorded(console: Console, phone: Phone) -> None:
    issued = issue(console, "decliner")
    with polling(console):
        phone.finish(issued.account_id, "decline")
        wait_until(reaches(console, issued.id, Status.DECLINED), DEADLINE)


def test_terminal_enrolments_are_no_longer_polled(
    console: Console, phone: Phone, api: Simulator
) -> None:
    issued = issue(console, "finisher")
    with polling(console) as poller:
        phone.finish(issued.account_id, "confirm")
        wait_until(reaches(console, issued.id, Status.ENROLLED), DEADLINE)
        settled = poller.health().cycles
        wait_until(lambda: poller.health().cycles >= settled + 2, DEADLINE)
        before = status_requests(api)
        wait_until(lambda: poller.health().cycles >= settled + 8, DEADLINE)
        assert status_requests(api) == before
        assert poller.health().pending_count == 0


def test_expiry_is_recorded(
    database_url: str, start_simulator: Callable[..., RunningSimulator]
) -> None:
    sim = start_simulator(qr_ttl=1.0)
    with open_console(database_url, sim) as console, polling(console):
        issued = issue(console, "sleepy")
        wait_until(reaches(console, issued.id, Status.EXPIRED), DEADLINE)
        assert console.enrolments.qr_png(issued.id) is None
        assert console.enrolments.events(issued.id)[-1].to_status == "EXPIRED"


def test_api_down_is_stored_and_visible(sqlite_url: str, simulator: RunningSimulator) -> None:
    with open_console(sqlite_url, simulator) as console:
        issued = issue(console, "orphan")
    simulator.stop()
    with open_console(sqlite_url, simulator) as console:
        account = console.accounts.get(issued.account_id)
        assert console.enrolments.latest(account.id) == issued
        poller = Poller(console.polling, interval=INTERVAL, backoff_cap=1.0)
        poller.run_once()
        failed = console.enrolments.get(issued.id)
        assert failed.status is Status.PENDING
        assert failed.last_error  # stored and visible
        assert poller.health().recent_errors >= 1
        assert poller.health().last_error


def test_faults_are_survived(console: Console, phone: Phone, api: Simulator) -> None:
    issued = issue(console, "resilient")
    api.fault(route="status", status=503, count=6)
    with polling(console) as poller:
        wait_until(lambda: console.enrolments.get(issued.id).last_error is not None, DEADLINE)
        assert poller.health().recent_errors >= 1
        phone.finish(issued.account_id, "confirm")
        wait_until(reaches(console, issued.id, Status.ENROLLED), DEADLINE)
        assert poller.running
    assert console.enrolments.get(issued.id).last_error is None


def test_garbage_answers_are_survived(console: Console, phone: Phone, api: Simulator) -> None:
    issued = issue(console, "garbled")
    api.fault(route="status", status=200, count=3, body="<html>not json</html>")
    api.fault(route="token", status=500, count=2)
    with polling(console):
        phone.finish(issued.account_id, "confirm")
        wait_until(reaches(console, issued.id, Status.ENROLLED), DEADLINE)


def test_a_slow_call_delays_nobody_else(console: Console, phone: Phone, api: Simulator) -> None:
    first = issue(console, "slowpoke")
    second = issue(console, "speedy")
    phone.scan(first.account_id)
    phone.scan(second.account_id)
    api.fault(route="status", status=200, count=1, delay=3.0)  # delays one call, then answers
    with polling(console) as poller:

        def one_scanned() -> bool:
            return {console.enrolments.get(e.id).status for e in (first, second)} == {
                Status.PENDING,
                Status.SCANNED,
            }

        wait_until(one_scanned, DEADLINE)
        cycles = poller.health().cycles
        wait_until(lambda: poller.health().cycles >= cycles + 3, DEADLINE)
        assert one_scanned()  # ticks went on while the slow call was still out
        wait_until(reaches(console, first.id, Status.SCANNED), DEADLINE)
        wait_until(reaches(console, second.id, Status.SCANNED), DEADLINE)


def test_restart_resumes_from_the_database(
    sqlite_url: str, simulator: RunningSimulator, phone: Phone
) -> None:
    with open_console(sqlite_url, simulator) as console, polling(console):
        issued = issue(console, "phoenix")
        other = issue(console, "ember")
        users = [console.accounts.get(e.account_id).reference for e in (issued, other)]
        wait_until(lambda: console.enrolments.get(issued.id).api_status == "PENDING", DEADLINE)
    # Nobody polls now; the person scans and confirms in the meantime (the tenant's ids).
    phone.finish(users[0], "confirm")
    phone.scan(users[1])
    with open_console(sqlite_url, simulator) as console, polling(console):
        wait_until(reaches(console, issued.id, Status.ENROLLED), DEADLINE)
        wait_until(reaches(console, other.id, Status.SCANNED), DEADLINE)


def test_run_once_polls_every_due_enrolment(console: Console, phone: Phone) -> None:
    rows = [issue(console, f"batch{n}") for n in range(5)]
    for row in rows:
        phone.scan(row.account_id)
    # A whole second: the first cycle (a first compile of its statements, a GC pause) must
    # never outlast the interval, or the second cycle rightly finds them due again.
    poller = Poller(console.polling, interval=1.0)
    try:
        assert poller.run_once() == 5
        assert {console.enrolments.get(r.id).status for r in rows} == {Status.SCANNED}
        assert poller.run_once() == 0  # claimed for (most of) an interval
        assert poller.health().pending_count == 5
        assert poller.health().cycle_duration is not None
    finally:
        poller.stop()


@pytest.mark.postgres
def test_two_pollers_share_the_work(
    postgres_url: str, simulator: RunningSimulator, api: Simulator
) -> None:
    """Two console processes on one database: one status request per enrolment per interval."""
    count, intervals = 6, 15
    with (
        open_console(postgres_url, simulator) as first,
        open_console(postgres_url, simulator) as second,
    ):
        rows = [issue(first, f"shared{n}") for n in range(count)]
        phone = Phone(api, first)
        with polling(first) as one, polling(second) as two:
            wait_until(lambda: one.health().cycles >= 3 and two.health().cycles >= 3, DEADLINE)
            before, started = status_requests(api), time.monotonic()
            target = one.health().cycles + intervals
            wait_until(lambda: one.health().cycles >= target, DEADLINE * 2)
            made, elapsed = status_requests(api) - before, time.monotonic() - started
            expected = count * elapsed / INTERVAL
            print(f"two pollers: {made} status requests, {expected:.0f} expected")
            # Uncoordinated, two pollers would make 2 x expected; allow a little slack.
            assert made <= expected * 1.3 + count, (made, expected)
            assert made >= expected * 0.5, (made, expected)
            for row in rows:
                phone.finish(row.account_id, "confirm")
            for row in rows:
                wait_until(reaches(first, row.id, Status.ENROLLED), DEADLINE)
