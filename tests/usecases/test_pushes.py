"""Devices and test pushes against the real simulator: the device list after an enrolment, a
test push approved or denied on the phone and the timeline's record of it, the verified
share, refusals as sentences, removal only where configured, and a campaign's bulk verify."""

from __future__ import annotations

import pytest

from dashboard.domain.audit_log import AuditQuery
from dashboard.domain.clock import utc_now
from dashboard.domain.devices import PushOutcome
from dashboard.domain.records import AccountView
from dashboard.errors import ConfigError, ConflictError
from dashboard.usecases.audit import AuditTrail
from dashboard.usecases.reports import Reports
from db.models import Campaign
from tests.support.console import Console
from tests.support.devices import enrolled, poll_pushes, settled
from tests.support.phone import Phone


def timeline(console: Console, account: AccountView) -> list[tuple[str, str]]:
    latest = console.enrolments.latest(account.id)
    assert latest is not None
    return [(e.actor, e.detail) for e in console.enrolments.events(latest.id)]


def test_the_enrolled_device_is_listed(console: Console, phone: Phone) -> None:
    account = enrolled(console, phone, "listed")
    devices = console.devices.of(account.id)
    assert [d.name for d in devices] == ["listed's phone"]
    assert devices[0].id


def test_an_approved_test_push_verifies_the_device(console: Console, phone: Phone) -> None:
    account = enrolled(console, phone, "verified")
    sent = console.pushes.send(account.id, actor="ann@example.com")
    assert sent.status is PushOutcome.PENDING
    assert sent.created_by == "ann@example.com"
    assert poll_pushes(console) == 1
    assert console.pushes.get(sent.id).status is PushOutcome.PENDING  # nobody answered yet
    phone.approve_push(account.id)
    done = settled(console, sent.id)
    assert done.status is PushOutcome.APPROVED
    assert done.target == "verified's phone"  # named from the device list
    events = timeline(console, account)
    assert ("ann@example.com", "Test push sent to all devices.") in events
    assert (
        "poller",
        "Verified on verified's phone: the test push was approved on the phone.",
    ) in events
    assert console.polling.claim_work(100)[1] == []  # finished: never asked about again
    counts = Reports(console.sessions).overview().counts
    assert (counts.enrolled, counts.verified) == (1, 1)
    trail, _ = AuditTrail(console.sessions).entries(AuditQuery())
    sends = [e for e in trail if e.detail.startswith("Test push")]
    assert [(e.actor, e.username, e.action_label) for e in sends] == [
        ("ann@example.com", "verified", "Sent a test push")
    ]
    assert not [e for e in trail if e.actor == "poller"]  # the phone's answer is no one's act


def test_a_denied_test_push_is_recorded(console: Console, phone: Phone) -> None:
    account = enrolled(console, phone, "refuser")
    device = console.devices.of(account.id)[0]
    sent = console.pushes.send(account.id, actor="op", device_id=device.id, device_name=device.name)
    phone.deny_push(account.id)
    assert settled(console, sent.id).status is PushOutcome.DENIED
    assert ("poller", "The test push to refuser's phone was denied on the phone.") in timeline(
        console, account
    )
    assert Reports(console.sessions).overview().counts.verified == 0


def test_no_push_without_an_enrolled_device(console: Console) -> None:
    account = console.accounts.create("unenrolled", actor="op")
    console.enrolments.issue(account.id, actor="op")
    with pytest.raises(ConflictError, match="no enrolled device"):
        console.pushes.send(account.id, actor="op")
    assert console.pushes.latest(account.id) == []


def test_removal_is_refused_without_the_removal_path(console: Console, phone: Phone) -> None:
    account = enrolled(console, phone, "keeper")
    assert not console.devices.can_remove
    with pytest.raises(ConfigError):
        console.devices.remove(account.id, console.devices.of(account.id)[0], actor="admin")
    assert len(console.devices.of(account.id)) == 1


def test_a_campaigns_bulk_verify_pushes_every_enrolled_person(
    console: Console, phone: Phone
) -> None:
    with console.sessions.begin() as session:
        row = Campaign(name="Spring", created_at=utc_now(), created_by="op")
        session.add(row)
        session.flush()
        campaign = row.id
    first = enrolled(console, phone, "member1", campaign=campaign)
    enrolled(console, phone, "member2", campaign=campaign)
    waiting = console.accounts.create("member3", actor="op")
    console.enrolments.issue(waiting.id, actor="op", campaign_id=campaign)
    enrolled(console, phone, "outsider")
    seen: list[tuple[int, int]] = []
    report = console.devices.verify_campaign(
        campaign, actor="op", progress=lambda done, total, _: seen.append((done, total))
    )
    assert (report.accounts, report.sent, report.failures) == (2, 2, ())
    assert seen[-1] == (2, 2)
    phone.approve_push(first.id)
    [approved] = [p for p in console.pushes.latest(first.id)]
    settled(console, approved.id)
    progress = console.devices.campaign_progress(campaign)
    assert (progress.count(PushOutcome.APPROVED), progress.count(PushOutcome.PENDING)) == (1, 1)
