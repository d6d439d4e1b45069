"""Enrolled accounts for the device and test-push tests, and the poller's push step by hand."""

from __future__ import annotations

from datetime import timedelta

from dashboard.domain.devices import PushRecord
from dashboard.domain.records import AccountView
from dashboard.domain.statuses import Status
from tests.support.console import Console
from tests.support.phone import Phone
from tests.support.waiting import wait_until

DEADLINE = 20.0
NO_BACKOFF = lambda failures: timedelta(0)  # noqa: E731


def enrolled(
    console: Console,
    phone: Phone,
    name: str,
    *,
    campaign: int | None = None,
    device_name: str | None = None,
) -> AccountView:
    """A new account whose phone enrolled (the poller's step done by hand)."""
    account = console.accounts.create(name, actor="op")
    ident = console.enrolments.issue(account.id, actor="op", campaign_id=campaign).id
    phone.scan(account.id)
    phone.finish(account.id, "confirm", device_name=device_name or f"{name}'s phone")
    console.polling.poll(ident, account.reference, backoff=NO_BACKOFF)
    assert console.enrolments.get(ident).status is Status.ENROLLED
    return account


def settled(console: Console, push: int) -> PushRecord:
    """The push once the poller's steps (by hand) have seen it finish."""

    def done() -> bool:
        poll_pushes(console)
        return console.pushes.get(push).status.finished

    wait_until(done, DEADLINE)
    return console.pushes.get(push)


def poll_pushes(console: Console) -> int:
    """One poller cycle's worth of push status calls; how many were asked about."""
    _, pushes = console.polling.claim_work(100)
    for ident, push_id in pushes:
        assert console.polling.poll_push(ident, push_id, backoff=NO_BACKOFF) is None
    return len(pushes)
