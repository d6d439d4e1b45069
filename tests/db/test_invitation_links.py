"""The public link's queries on each backend (SQLite file, PostgreSQL): the live invitation
of a token's hash, the first opening, settling and reminders, each written once."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain.invitations import new_token, token_hash
from db import invitation_links as queries
from db.models import Account, Invitation, InvitationEvent, Mail
from tests.support.factories import T0, account, enrolment, invite, remind

DAY = timedelta(days=1)
SCHEDULE = (2 * DAY, 5 * DAY)


def person(sessions: sessionmaker[Session], name: str = "ann") -> uuid.UUID:
    with sessions.begin() as session:
        owner = account(name)
        owner.display_name = "Ann Example"
        owner.tenant_id = "t-" + name
        session.add(owner)
        return owner.id


def kinds(sessions: sessionmaker[Session], invitation_id: int) -> list[str]:
    with sessions() as session:
        query = select(InvitationEvent.kind).where(InvitationEvent.invitation_id == invitation_id)
        return list(session.scalars(query.order_by(InvitationEvent.id)))


def test_a_live_link_is_found_by_its_hash_with_the_account(
    sessions: sessionmaker[Session],
) -> None:
    owner = person(sessions)
    with sessions.begin() as session:
        ident, token = invite(session, owner, created=T0, language="nl")
    with sessions() as session:
        link = queries.live_link(session, token_hash(token), T0 + DAY)
        assert link is not None
        assert (link.invitation_id, link.account_id, link.language) == (ident, owner, "nl")
        assert (link.username, link.display_name, link.tenant_id) == ("ann", "Ann Example", "t-ann")
        assert queries.live_link(session, token_hash(new_token()), T0) is None
        assert queries.live_link(session, token_hash(token), T0 + 7 * DAY) is None  # expired


def test_every_mail_of_a_live_invitation_opens_it_and_none_once_it_ended(
    sessions: sessionmaker[Session],
) -> None:
    owner = person(sessions)
    with sessions.begin() as session:
        ident, first = invite(session, owner)
        second = remind(session, ident, 1)
    with sessions() as session:
        for token in (first, second):
            found = queries.live_link(session, token_hash(token), T0)
            assert found is not None
            assert found.invitation_id == ident
    with sessions.begin() as session:
        session.execute(update(Invitation).values(outcome="REVOKED", ended_at=T0, ended_by="op"))
    with sessions() as session:
        assert queries.live_link(session, token_hash(first), T0) is None
        assert queries.live_link(session, token_hash(second), T0) is None


def test_the_first_opening_is_recorded_once(sessions: sessionmaker[Session]) -> None:
    owner = person(sessions)
    with sessions.begin() as session:
        ident, _ = invite(session, owner)
    with sessions.begin() as session:
        assert queries.record_opened(session, ident, T0 + DAY, "invitee") is True
    with sessions.begin() as session:
        assert queries.record_opened(session, ident, T0 + 2 * DAY, "invitee") is False
    with sessions() as session:
        assert session.get_one(Invitation, ident).opened_at == T0 + DAY
    assert kinds(sessions, ident) == ["OPENED"]


def test_settle_ends_an_enrolled_invitation_once_and_expires_one_once(
    sessions: sessionmaker[Session],
) -> None:
    done, late, old = person(sessions, "done"), person(sessions, "late"), person(sessions, "old")
    with sessions.begin() as session:
        enrolled_id, _ = invite(session, done)
        expired_id, _ = invite(session, late, days=1)
        untouched_id, _ = invite(session, old)
        finished = enrolment(session.get_one(Account, done), "ENROLLED", issued=T0)
        finished.device_name = "Pixel 9"
        before = enrolment(session.get_one(Account, old), "ENROLLED", issued=T0 - DAY)
        session.add_all([finished, before])  # ``before`` finished before its invitation
    runs = []
    for _ in range(2):
        with sessions.begin() as session:
            enrolled = queries.settle_enrolled(session, T0 + 2 * DAY)
            runs.append((enrolled, queries.settle_expired(session, T0 + 2 * DAY)))
    assert runs == [([enrolled_id], [expired_id]), ([], [])]
    with sessions() as session:
        row = session.get_one(Invitation, enrolled_id)
        assert (row.outcome, row.ended_by) == ("ENROLLED", "poller")
        event = session.scalars(
            select(InvitationEvent).where(InvitationEvent.invitation_id == enrolled_id)
        ).one()
        assert (event.kind, event.enrolment_id) == ("ENROLLED", finished.id)
        assert "Pixel 9" in event.detail
        assert session.get_one(Invitation, expired_id).outcome is None
        assert session.get_one(Invitation, untouched_id).outcome is None
    assert kinds(sessions, expired_id) == ["EXPIRED"]
    assert kinds(sessions, untouched_id) == []


def mails(sessions: sessionmaker[Session], invitation_id: int) -> list[tuple[int, str, str]]:
    with sessions() as session:
        query = select(Mail.step, Mail.status, Mail.to_address).where(
            Mail.invitation_id == invitation_id
        )
        return [
            (r.step, r.status, r.to_address) for r in session.execute(query.order_by(Mail.step))
        ]


def test_each_reminder_step_is_queued_once_when_due(sessions: sessionmaker[Session]) -> None:
    owner = person(sessions)
    with sessions.begin() as session:
        ident, _ = invite(session, owner, days=30)
    moments = [T0 + DAY, T0 + 2 * DAY, T0 + 2 * DAY, T0 + 4 * DAY, T0 + 5 * DAY, T0 + 9 * DAY]
    queued = []
    for moment in moments:
        with sessions.begin() as session:
            queued += queries.queue_reminders(session, SCHEDULE, moment)
    assert queued == [(ident, 1), (ident, 2)]
    assert mails(sessions, ident) == [
        (0, "SENT", "person@example.com"),
        (1, "QUEUED", "person@example.com"),
        (2, "QUEUED", "person@example.com"),
    ]
    with sessions() as session:
        assert session.get_one(Invitation, ident).reminders_sent == 2


def test_after_a_long_pause_only_the_latest_due_step_is_queued(
    sessions: sessionmaker[Session],
) -> None:
    owner = person(sessions)
    with sessions.begin() as session:
        ident, _ = invite(session, owner, days=30)
    with sessions.begin() as session:
        assert queries.queue_reminders(session, SCHEDULE, T0 + 6 * DAY) == [(ident, 2)]
    assert [step for step, _, _ in mails(sessions, ident)] == [0, 2]


def test_no_reminder_for_an_ended_or_expired_invitation(sessions: sessionmaker[Session]) -> None:
    revoked, expired = person(sessions, "rev"), person(sessions, "exp")
    with sessions.begin() as session:
        revoked_id, _ = invite(session, revoked, days=30)
        invite(session, expired, days=1)
        session.execute(
            update(Invitation)
            .where(Invitation.id == revoked_id)
            .values(outcome="REVOKED", ended_at=T0, ended_by="op")
        )
    with sessions.begin() as session:
        assert queries.queue_reminders(session, SCHEDULE, T0 + 3 * DAY) == []
        assert queries.queue_reminders(session, (), T0 + 3 * DAY) == []
