"""The pending queue's invitations on real databases (SQLite file, PostgreSQL) against the real
simulator, with an injected clock: one row per person (the invitation until a QR code is issued
after it, then the enrolment with the invitation's state beside it), by age and filtered; the
send and revoke actions, recorded with the operator on every invitation and enrolment touched."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from dashboard.domain.invitations import InvitationState
from dashboard.domain.queue import ActionOutcome as Done
from dashboard.domain.queue import AgeGroup, QueueAction, QueueFilter, QueueSnapshot
from dashboard.domain.statuses import Status
from dashboard.errors import InputError
from dashboard.usecases.campaigns import Campaigns
from db import invitations
from simulator.embedded import RunningSimulator
from tests.support.console import Clock, Console, open_console

T = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
OPERATOR = "oscar@example.com"


@pytest.fixture
def clock() -> Clock:
    return Clock(T)


@pytest.fixture
def desk(database_url: str, simulator: RunningSimulator, clock: Clock) -> Iterator[Console]:
    with open_console(database_url, simulator, clock=clock) as console:
        yield console


def at(clock: Clock, ago: timedelta) -> Clock:
    clock.now = T - ago
    return clock


def person(desk: Console, name: str) -> uuid.UUID:
    return desk.accounts.create(name, actor="desk", email=f"{name}@example.com").id


def rows(snapshot: QueueSnapshot) -> dict[AgeGroup, list[tuple[str, str, str]]]:
    """Each group's (username, status or "-", invitation state or "-")."""
    return {
        g.group: [
            (i.username, "-" if i.status is None else i.status.value, i.invitation or "-")
            for i in g.items
        ]
        for g in snapshot.groups
    }


def test_one_row_per_person_by_their_newest_step(desk: Console, clock: Clock) -> None:
    fresh, opened, old, qr_first, qr_after = (
        person(desk, n) for n in ("fresh", "opened", "old", "qrfirst", "qrafter")
    )
    at(clock, 5 * MIN)
    desk.invitations.invite([fresh, opened], actor="ann")
    at(clock, timedelta(days=9))
    desk.invitations.invite([old], actor="bob")  # expired after 7 days, not re-sent
    at(clock, 30 * MIN)
    desk.enrolments.issue(qr_first, actor="ann")  # then invited: the invitation is newer
    at(clock, 20 * MIN)
    desk.invitations.invite([qr_first, qr_after], actor="ann")
    at(clock, 10 * MIN)
    desk.enrolments.issue(qr_after, actor="ann")  # a QR code after the invitation
    with desk.sessions.begin() as session:
        invitations.newest_of(session, [opened])[opened].opened_at = T - 4 * MIN
    clock.now = T

    snapshot = desk.queue.snapshot()
    assert rows(snapshot) == {
        AgeGroup.UNDER_15_MIN: [
            ("opened", "-", "OPENED"),
            ("fresh", "-", "INVITED"),
            ("qrafter", "PENDING", "INVITED"),
        ],
        AgeGroup.UNDER_1_H: [("qrfirst", "-", "INVITED")],
        AgeGroup.UNDER_1_DAY: [],
        AgeGroup.OLDER: [("old", "-", "EXPIRED")],
    }
    assert snapshot.total == 5
    assert desk.queue.operators() == ["ann", "bob"]
    bobs = desk.queue.snapshot(QueueFilter(issued_by="bob"))
    assert [i.username for i in bobs.items] == ["old"]


def test_the_campaign_filter_keeps_its_invitations(desk: Console) -> None:
    spring = Campaigns(desk.sessions).open("Spring", actor="op")
    desk.invitations.invite([person(desk, "inside")], actor="op", campaign_id=spring.id)
    desk.invitations.invite([person(desk, "outside")], actor="op")
    listed = desk.queue.snapshot(QueueFilter(campaign_id=spring.id))
    assert [i.username for i in listed.items] == ["inside"]


def test_send_from_the_queue_is_recorded_on_the_enrolment_and_the_invitation(
    desk: Console, clock: Clock
) -> None:
    lapsed = person(desk, "lapsed")  # waiting for three hours: an e-mail might help
    at(clock, timedelta(hours=3))
    enrolment = desk.enrolments.issue(lapsed, actor="desk")
    clock.now = T
    [item] = desk.queue.snapshot().items
    assert (item.key, item.status, item.invitation) == (f"e{enrolment.id}", Status.PENDING, None)

    [sent] = desk.queue.act(QueueAction.INVITE, [item.key], actor=OPERATOR)
    assert sent.outcome is Done.DONE, sent.message
    assert sent.message == f"Invitation #{sent.invitation_id} sent: queued for lapsed@example.com."
    note = desk.enrolments.events(enrolment.id)[-1]
    assert (note.actor, note.detail) == (
        OPERATOR,
        f"Invitation #{sent.invitation_id} sent to lapsed@example.com from the pending queue.",
    )
    steps = desk.invitations.timeline(account_id=lapsed)
    assert [(s.step, s.actor) for s in steps if s.invitation_id] == [("CREATED", OPERATOR)]
    [row] = desk.queue.snapshot().items  # the person's row is the invitation now
    assert (row.key, row.invitation) == (f"i{sent.invitation_id}", InvitationState.INVITED)

    [again] = desk.queue.act(QueueAction.INVITE, [row.key], actor=OPERATOR)
    assert again.outcome is Done.DONE
    assert "re-sent" in again.message
    [stale] = desk.queue.act(QueueAction.REVOKE, [row.key], actor=OPERATOR)
    assert stale.outcome is Done.SKIPPED
    assert stale.message == f"Skipped: a newer invitation (#{again.invitation_id}) was sent since."


def test_revoke_from_the_queue_and_what_an_invitation_row_skips(desk: Console) -> None:
    ann, bob = person(desk, "ann.r"), person(desk, "bob.r")
    desk.invitations.invite([ann, bob], actor="desk")
    keys = [i.key for i in desk.queue.snapshot().items]
    results = desk.queue.act(QueueAction.REVOKE, keys, actor=OPERATOR)
    assert [r.outcome for r in results] == [Done.DONE, Done.DONE]
    assert desk.queue.snapshot().total == 0  # revoked: out of the queue, as a cancel is
    for account in (ann, bob):
        last = desk.invitations.timeline(account_id=account)[-1]
        assert (last.step, last.actor) == ("REVOKED", OPERATOR)

    desk.invitations.invite([ann], actor="desk")
    [key] = [i.key for i in desk.queue.snapshot().items]
    for action in (QueueAction.REISSUE, QueueAction.CANCEL):
        [skipped] = desk.queue.act(action, [key], actor=OPERATOR)
        assert skipped.outcome is Done.SKIPPED
        assert "no QR code yet" in skipped.message
    with pytest.raises(InputError, match="is not an item of the queue"):
        desk.queue.act(QueueAction.REVOKE, ["x9"], actor=OPERATOR)
    [gone] = desk.queue.act(QueueAction.REVOKE, ["i987654"], actor=OPERATOR)
    assert (gone.outcome, gone.invitation_id) == (Done.FAILED, 987654)


def test_revoke_on_an_enrolment_row_ends_its_opened_invitation(desk: Console, clock: Clock) -> None:
    cat = person(desk, "cat.r")
    at(clock, 10 * MIN)
    invitation = desk.invitations.invite([cat], actor="desk").invited[0].invitation_id
    clock.now = T
    enrolment = desk.enrolments.issue(cat, actor="public page")  # as opening the link does
    [item] = desk.queue.snapshot().items
    assert (item.enrolment_id, item.invitation_id) == (enrolment.id, invitation)
    [done] = desk.queue.act(QueueAction.REVOKE, [item.key], actor=OPERATOR)
    assert done.outcome is Done.DONE
    note = desk.enrolments.events(enrolment.id)[-1]
    assert (note.actor, note.detail) == (
        OPERATOR,
        f"Invitation #{invitation} revoked from the pending queue.",
    )
    [again] = desk.queue.act(QueueAction.REVOKE, [item.key], actor=OPERATOR)
    assert again.outcome is Done.SKIPPED
    assert "an invitation that is revoked" in again.message
