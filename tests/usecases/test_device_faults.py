"""Devices and test pushes on the simulator's bad days, removal where it is configured, and the
real poller moving a push: every API fault is a sentence (``ApiError``), nothing half-written,
and a 429 on a push status slows every poller as one on an enrolment status does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dashboard.domain.audit_log import AuditQuery
from dashboard.domain.clock import utc_now
from dashboard.domain.devices import PushOutcome
from dashboard.errors import ApiError
from dashboard.poller import Poller
from dashboard.usecases.audit import AuditTrail
from db.models import Campaign
from simulator.embedded import RunningSimulator
from simulator.push import REMOVE_PATH
from tests.support.console import Console, open_console
from tests.support.devices import NO_BACKOFF, enrolled
from tests.support.phone import Phone
from tests.support.simulator import Simulator
from tests.support.waiting import wait_until

DEADLINE = 20.0


@pytest.fixture
def removing(sqlite_url: str, simulator: RunningSimulator) -> Iterator[Console]:
    """The use-cases with the simulator's removal route configured."""
    with open_console(sqlite_url, simulator, device_remove_path=REMOVE_PATH) as console:
        yield console


def test_a_refused_push_is_a_sentence_and_records_nothing(
    console: Console, phone: Phone, api: Simulator
) -> None:
    account = enrolled(console, phone, "refused")
    api.fault(route="push", status=500, count=10)
    with pytest.raises(ApiError) as raised:
        console.pushes.send(account.id, actor="op")
    assert str(raised.value).endswith(".")
    assert "Traceback" not in str(raised.value)
    assert console.pushes.latest(account.id) == []
    latest = console.enrolments.latest(account.id)
    assert latest is not None
    assert not [e for e in console.enrolments.events(latest.id) if "push" in e.detail]


def test_a_failing_device_list_is_a_sentence(
    console: Console, phone: Phone, api: Simulator
) -> None:
    account = enrolled(console, phone, "unlisted")
    api.fault(route="devices", status=503, count=10)
    with pytest.raises(ApiError):
        console.devices.of(account.id)
    api.clear()
    assert len(console.devices.of(account.id)) == 1  # recovers once the fault clears


def test_a_429_on_a_push_status_slows_every_poller(
    console: Console, phone: Phone, api: Simulator
) -> None:
    account = enrolled(console, phone, "throttled")
    sent = console.pushes.send(account.id, actor="op")
    [(ident, push_id)] = console.polling.claim_work(100)[1]
    api.fault(route="push_status", status=429, retry_after=30, count=1)
    error = console.polling.poll_push(ident, push_id, backoff=NO_BACKOFF)
    assert error is not None
    status = console.polling.budget.status()
    assert status.throttled
    assert status.paused_until is not None
    assert console.polling.claim_work(100) == ([], [])  # paused: not even the push
    pushed = console.pushes.get(sent.id)
    assert pushed.status is PushOutcome.PENDING
    assert pushed.last_error == error


def test_the_poller_moves_a_push_to_approved(console: Console, phone: Phone) -> None:
    account = enrolled(console, phone, "polled")
    sent = console.pushes.send(account.id, actor="op")
    poller = Poller(console.polling, interval=0.2)
    poller.start()
    try:
        phone.approve_push(account.id)
        wait_until(lambda: console.pushes.get(sent.id).status.finished, DEADLINE)
    finally:
        poller.stop()
    assert console.pushes.get(sent.id).status is PushOutcome.APPROVED


def test_an_admin_removes_a_device_and_the_trail_says_who(
    removing: Console, simulator: RunningSimulator
) -> None:
    with Simulator(simulator) as api:
        phone = Phone(api, removing)
        account = enrolled(removing, phone, "lost")
        assert removing.devices.can_remove
        [device] = removing.devices.of(account.id)
        removing.devices.remove(account.id, device, actor="ann@example.com")
        assert removing.devices.of(account.id) == []
    trail, _ = AuditTrail(removing.sessions).entries(AuditQuery())
    removals = [e for e in trail if e.detail.startswith("Removed the device")]
    assert [(e.actor, e.username, e.action) for e in removals] == [
        ("ann@example.com", "lost", "remove_device")
    ]
    only, _ = AuditTrail(removing.sessions).entries(
        AuditQuery(actions=frozenset({"remove_device"}))
    )
    assert only == removals
    assert "lost's phone" in removals[0].detail


def test_a_bulk_verify_reports_whom_it_could_not_push_to(
    removing: Console, simulator: RunningSimulator
) -> None:
    with Simulator(simulator) as api:
        phone = Phone(api, removing)
        with removing.sessions.begin() as session:
            row = Campaign(name="Mixed", created_at=utc_now(), created_by="op")
            session.add(row)
            session.flush()
            campaign = row.id
        kept = enrolled(removing, phone, "kept", campaign=campaign)
        lost = enrolled(removing, phone, "gone", campaign=campaign)
        removing.devices.remove(lost.id, removing.devices.of(lost.id)[0], actor="admin")
        report = removing.devices.verify_campaign(campaign, actor="op")
    assert (report.accounts, report.sent) == (2, 1)
    [failure] = report.failures
    assert failure.username == "gone"
    assert failure.reason.endswith(".")
    assert [p.status for p in removing.pushes.latest(kept.id)] == [PushOutcome.PENDING]
