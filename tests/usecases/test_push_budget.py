"""Test pushes inside the request budget, on an injected clock: watched pushes before the
enrolments, the other pushes after them, one bucket for all, the API's back-off holds them
too, and each push's schedule. Correctness only: nothing here asserts how long anything took."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from dashboard.domain.budget import Limits
from db.push_models import TestPush
from simulator.embedded import RunningSimulator
from tests.support.console import Clock, Console, open_console

LIMITS = Limits(max_rps=10.0, watched_rps=3.0, interval=1.0)  # a bucket of 5 permits


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def console(database_url: str, simulator: RunningSimulator, clock: Clock) -> Iterator[Console]:
    with open_console(database_url, simulator, clock=clock, limits=LIMITS) as console:
        yield console


def issue(console: Console, name: str) -> int:
    account = console.accounts.create(name, actor="op")
    return console.enrolments.issue(account.id, actor="op").id


def pending_push(console: Console, name: str, clock: Clock, *, late: float = 0.0) -> int:
    """A pending push row of a new account, due ``late`` seconds ago."""
    account = console.accounts.create(name, actor="op")
    with console.sessions.begin() as session:
        row = TestPush(
            account_id=account.id,
            push_id=f"push-{name}",
            status="PENDING",
            created_at=clock.now,
            created_by="op",
            expires_at=clock.now + timedelta(minutes=5),
            next_poll_at=clock.now - timedelta(seconds=late),
            poll_failures=0,
        )
        session.add(row)
        session.flush()
        return row.id


def test_watched_pushes_come_first_the_others_after_the_enrolments(
    console: Console, clock: Clock
) -> None:
    enrolments = [issue(console, f"person{n}") for n in range(3)]
    early = pending_push(console, "early", clock, late=5)
    later = pending_push(console, "later", clock, late=1)
    watched = pending_push(console, "watched", clock)
    console.pushes.watch(watched)
    claimed, pushes = console.polling.claim_work(100)
    assert [i for i, _ in pushes] == [watched, early]  # 5 permits: 1 + 3 enrolments + 1
    assert sorted(i for i, _ in claimed) == sorted(enrolments)
    assert dict(pushes)[watched] == "push-watched"  # the API's push id, to ask about
    assert later not in dict(pushes)


def test_pushes_and_enrolments_spend_one_bucket(console: Console, clock: Clock) -> None:
    issue(console, "alone")
    for n in range(8):
        pending_push(console, f"push{n}", clock)
    claimed, pushes = console.polling.claim_work(100)
    assert len(claimed) + len(pushes) == 5  # the bucket holds half a second of 10/s
    assert console.polling.claim_work(100) == ([], [])  # empty until the clock moves
    clock.now += timedelta(seconds=0.2)
    claimed, pushes = console.polling.claim_work(100)
    assert len(claimed) + len(pushes) == 2
    assert console.polling.budget.take(10) == 0  # a bulk verify's sends wait as well


def test_the_apis_back_off_holds_the_pushes_too(console: Console, clock: Clock) -> None:
    ident = pending_push(console, "held", clock)
    console.polling.budget.rate_limited(7, "429 from the service")
    assert console.polling.claim_work(100) == ([], [])
    assert console.polling.budget.take(1) == 0
    clock.now += timedelta(seconds=7.5)
    assert [i for i, _ in console.polling.claim_work(100)[1]] == [ident]


def test_a_watched_push_is_asked_about_at_the_watched_rate_the_others_every_interval(
    console: Console, clock: Clock
) -> None:
    quiet = pending_push(console, "quiet", clock)
    seen = pending_push(console, "seen", clock)
    console.pushes.watch(seen)
    assert {i for i, _ in console.polling.claim_work(100)[1]} == {quiet, seen}
    clock.now += timedelta(seconds=0.4)  # past a third of a second: the watched one is due
    assert [i for i, _ in console.polling.claim_work(100)[1]] == [seen]
    clock.now += timedelta(seconds=0.7)  # past the interval: the other one too
    assert quiet in {i for i, _ in console.polling.claim_work(100)[1]}


def test_a_finished_push_is_never_claimed_and_the_console_gives_up_on_its_clock(
    console: Console, clock: Clock
) -> None:
    ident = pending_push(console, "silent", clock)
    clock.now += timedelta(minutes=6)
    assert console.polling.expire_pushes() == 1
    assert console.pushes.get(ident).status.value == "EXPIRED"
    clock.now += timedelta(seconds=2)
    assert console.polling.claim_work(100)[1] == []
