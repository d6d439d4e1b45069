"""The budget with the real simulator: what a 429 or a burst of 5xx does to every poller, the
page waking up when the poller writes, and two real pollers on one PostgreSQL database sharing
one budget. The use-cases run on an injected clock; the deadlines are generous and nothing
asserts how long anything took."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from functools import partial

import pytest

from dashboard.domain.budget import Limits
from dashboard.domain.statuses import Status
from dashboard.poller import Poller
from dashboard.usecases.watching import WATCH_TTL
from simulator.embedded import RunningSimulator
from tests.support.console import Clock, Console, open_console
from tests.support.phone import Phone
from tests.support.simulator import Simulator
from tests.support.waiting import wait_until

DEADLINE = 20.0
NO_BACKOFF = lambda failures: timedelta(0)  # noqa: E731


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def console(database_url: str, simulator: RunningSimulator, clock: Clock) -> Iterator[Console]:
    with open_console(database_url, simulator, clock=clock) as console:
        yield console


def status_requests(api: Simulator) -> int:
    return sum(api.stats().get("GET /omi/qr/enrol/status", {}).values())


def reached(api: Simulator, count: int) -> bool:
    return status_requests(api) >= count


def issue(console: Console, name: str) -> int:
    account = console.accounts.create(name, actor="op")
    return console.enrolments.issue(account.id, actor="op").id


def user_of(console: Console, enrolment_id: int) -> str:
    """The user id the API knows the enrolment's account by."""
    return console.accounts.get(console.enrolments.get(enrolment_id).account_id).reference


def test_a_429_pauses_the_whole_poller_for_its_retry_after(
    console: Console, api: Simulator, clock: Clock
) -> None:
    ident = issue(console, "limited")
    api.fault(route="status", status=429, retry_after=7, count=1)
    before = status_requests(api)
    error = console.polling.poll(ident, user_of(console, ident), backoff=NO_BACKOFF)
    assert error is not None
    assert "429" in error
    assert status_requests(api) == before + 1  # sent once: the poller's schedule retries
    status = console.polling.budget.status()
    assert status.throttled
    assert status.paused_until == clock.now + timedelta(seconds=7)
    assert console.polling.claim_due(100) == []
    clock.now += timedelta(seconds=7.5)
    assert [i for i, _ in console.polling.claim_due(100)] == [ident]


def test_a_burst_of_server_errors_slows_the_poller_and_it_recovers(
    console: Console, api: Simulator, clock: Clock
) -> None:
    ident = issue(console, "flaky")
    account = user_of(console, ident)
    api.fault(route="status", status=503, count=5)
    for _ in range(5):
        assert console.polling.poll(ident, account, backoff=NO_BACKOFF) is not None
    status = console.polling.budget.status()
    assert status.throttled
    assert status.factor == 0.5
    assert status.paused_until is None
    assert console.polling.poll(ident, account, backoff=NO_BACKOFF) is None
    assert console.enrolments.get(ident).last_error is None
    clock.now += timedelta(minutes=1)
    assert not console.polling.budget.status().throttled


def test_a_watched_enrolment_is_due_at_once_and_a_finished_one_is_not_watched(
    console: Console, clock: Clock, api: Simulator
) -> None:
    first, second = issue(console, "waiting1"), issue(console, "waiting2")
    assert len(console.polling.claim_due(100)) == 2  # both claimed, due again later
    assert console.polling.claim_due(100) == []
    console.watching.watch(second)
    assert [i for i, _ in console.polling.claim_due(100)] == [second]
    assert console.polling.budget.status().watched == 1
    clock.now += WATCH_TTL + timedelta(seconds=1)
    assert console.polling.budget.status().watched == 0
    console.enrolments.cancel(first, actor="op")
    console.watching.watch(first)  # a finished enrolment is never polled again
    assert first not in [i for i, _ in console.polling.claim_due(100)]


def test_a_waiting_page_wakes_up_when_the_poller_writes(console: Console, api: Simulator) -> None:
    ident = issue(console, "desk")
    shown = console.enrolments.get(ident)
    Phone(api, console).scan(shown.account_id)
    poll = threading.Thread(
        target=console.polling.poll,
        args=(ident, user_of(console, ident)),
        kwargs={"backoff": NO_BACKOFF},
    )
    poll.start()
    console.watching.wait_for_change(ident, shown, timeout=DEADLINE)
    poll.join()
    assert console.enrolments.get(ident).status is Status.SCANNED


def test_an_unchanged_enrolment_is_waited_on_until_the_timeout(console: Console) -> None:
    ident = issue(console, "quiet")
    shown = console.enrolments.get(ident)
    console.watching.wait_for_change(ident, shown, timeout=0.05)
    assert console.enrolments.get(ident) == shown


@pytest.mark.postgres
def test_two_pollers_on_one_database_spend_one_budget(
    postgres_url: str, simulator: RunningSimulator, api: Simulator
) -> None:
    """The clock moves half a second at a time: each step refills one bucket's worth (5
    permits at 10 a second) for both pollers together, and the simulator sees exactly that."""
    clock = Clock()
    limits = Limits(max_rps=10.0, interval=1.0)
    with (
        open_console(postgres_url, simulator, clock=clock, limits=limits) as first,
        open_console(postgres_url, simulator, clock=clock, limits=limits) as second,
    ):
        rows = [issue(first, f"campaign{n:02d}") for n in range(20)]
        one, two = Poller(first.polling, interval=1.0), Poller(second.polling, interval=1.0)
        before = status_requests(api)
        one.start()
        two.start()
        try:
            for step in range(9):  # the full bucket, then 8 refills
                if step:
                    clock.now += timedelta(seconds=0.5)
                expected = before + 5 * (step + 1)
                wait_until(partial(reached, api, expected), DEADLINE)
            wait_until(lambda: one.health().cycles >= 3 and two.health().cycles >= 3, DEADLINE)
        finally:
            one.stop()
            two.stop()
        assert status_requests(api) == expected  # not one more: the budget is shared
        assert {first.enrolments.get(r).status for r in rows} == {Status.PENDING}
