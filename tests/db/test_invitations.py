"""The invitation queries on real databases (SQLite file, PostgreSQL): a create supersedes the
account's live invitation and queues one mail, a revoke ends a live one only, the invitation
behind an enrolment is found through its QR_ISSUED event, and the queue lists an account by its
newest step. Two writers inviting one account at once on PostgreSQL leave one live invitation."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import db.accounts
import db.enrolments
from db import invitations as queries
from db.engine import begin_write
from db.invitations import NewInvitation
from db.models import Account, Invitation, InvitationEvent, Mail
from tests.support import factories
from tests.support.factories import T0

DAY = timedelta(days=1)


def account(sessions: sessionmaker[Session], name: str, email: str | None = None) -> Account:
    with sessions.begin() as session:
        row = factories.account(name)
        row.email = email if email is not None else f"{name}@example.com"
        return db.accounts.add_account(session, row)


def invite(
    sessions: sessionmaker[Session], *owners: Account, at: timedelta = timedelta(0)
) -> list[queries.Made]:
    with sessions.begin() as session:
        begin_write(session)
        wanted = [NewInvitation(o.id, o.email or "", "en", T0 + at + 7 * DAY) for o in owners]
        return queries.create_invitations(session, wanted, now=T0 + at, actor="op")


def kinds(session: Session, invitation_id: int) -> list[str]:
    return [e.kind for e in queries.events_of(session, [invitation_id])]


def test_a_new_invitation_supersedes_the_live_one_and_queues_one_mail(
    sessions: sessionmaker[Session],
) -> None:
    ann = account(sessions, "ann")
    first = invite(sessions, ann)[0]
    second = invite(sessions, ann, at=timedelta(hours=1))[0]
    assert (first.superseded_id, second.superseded_id) == (None, first.invitation.id)
    with sessions() as session:
        rows = queries.of_account(session, ann.id)
        assert [(r.id, r.outcome) for r in rows] == [
            (first.invitation.id, "SUPERSEDED"),
            (second.invitation.id, None),
        ]
        assert rows[0].ended_by == "op"
        assert kinds(session, rows[0].id) == ["CREATED", "SUPERSEDED"]
        assert kinds(session, rows[1].id) == ["CREATED"]
        assert [i.id for i in queries.live_of(session, [ann.id])] == [rows[1].id]
        mails = session.scalars(select(Mail).order_by(Mail.id)).all()
        assert [(m.invitation_id, m.step, m.status, m.to_address) for m in mails] == [
            (rows[0].id, 0, "QUEUED", "ann@example.com"),
            (rows[1].id, 0, "QUEUED", "ann@example.com"),
        ]
        assert queries.newest_of(session, [ann.id])[ann.id].id == rows[1].id


def test_a_batch_makes_one_invitation_and_one_mail_each(sessions: sessionmaker[Session]) -> None:
    owners = [account(sessions, f"user{n:03d}") for n in range(200)]
    made = invite(sessions, *owners)
    assert len({m.invitation.id for m in made}) == 200
    with sessions() as session:
        assert session.scalar(select(func.count(Mail.id))) == 200
        assert session.scalar(select(func.count(InvitationEvent.id))) == 200
        assert len(queries.live_of(session, [o.id for o in owners])) == 200


def test_revoke_ends_a_live_invitation_only(sessions: sessionmaker[Session]) -> None:
    made = invite(sessions, account(sessions, "bob"))[0].invitation
    with sessions.begin() as session:
        row = queries.revoke(session, made.id, now=T0 + DAY, actor="ann@example.com")
        assert row is not None
        assert (row.outcome, row.ended_at, row.ended_by) == ("REVOKED", T0 + DAY, "ann@example.com")
    with sessions.begin() as session:
        again = queries.revoke(session, made.id, now=T0 + 2 * DAY, actor="other")
        assert again is not None
        assert (again.ended_at, again.ended_by) == (T0 + DAY, "ann@example.com")
        assert queries.revoke(session, 999_999, now=T0, actor="x") is None
    with sessions() as session:
        assert kinds(session, made.id) == ["CREATED", "REVOKED"]


def test_the_invitation_behind_an_enrolment(sessions: sessionmaker[Session]) -> None:
    cat = account(sessions, "cat")
    made = invite(sessions, cat)[0].invitation
    with sessions.begin() as session:
        enrolment = db.enrolments.add_enrolment(session, factories.enrolment(cat, issued=T0 + DAY))
        other = db.enrolments.add_enrolment(session, factories.enrolment(cat, "EXPIRED"))
        issued = InvitationEvent(invitation_id=made.id, at=T0 + DAY, kind="QR_ISSUED", actor="page")
        issued.enrolment_id, issued.detail = enrolment.id, ""
        session.add(issued)
    with sessions() as session:
        found = queries.of_enrolment(session, enrolment.id)
        assert found is not None
        assert found.id == made.id
        assert queries.of_enrolment(session, other.id) is None


def test_the_queue_lists_an_account_by_its_newest_step(sessions: sessionmaker[Session]) -> None:
    fresh, opened, lapsed, scanned_since = (account(sessions, n) for n in ("d1", "d2", "d3", "d4"))
    revoked = account(sessions, "d5")
    invite(sessions, fresh, opened, lapsed, scanned_since, revoked)
    with sessions.begin() as session:
        session.get_one(
            Invitation, queries.newest_of(session, [opened.id])[opened.id].id
        ).opened_at = T0
        late = factories.enrolment(scanned_since, issued=T0 + timedelta(minutes=5))
        db.enrolments.add_enrolment(session, late)
        queries.revoke(
            session, queries.newest_of(session, [revoked.id])[revoked.id].id, now=T0, actor="op"
        )
    with sessions() as session:
        rows = queries.queue_rows(session, queries.QueueInvitationWhere(), 50)
        assert sorted(r.username for r in rows) == ["d1", "d2", "d3"]
        assert queries.queue_counts(session, queries.QueueInvitationWhere(), [T0 - DAY]) == [0, 3]
        assert queries.queue_senders(session, 10) == ["op"]
        none = queries.QueueInvitationWhere(created_by="nobody")
        assert queries.queue_rows(session, none, 50) == []


@pytest.mark.postgres
def test_two_writers_inviting_one_account_leave_one_live_invitation(postgres_url: str) -> None:
    from db.engine import create_engine_for, session_factory, upgrade

    engine = create_engine_for(postgres_url)
    upgrade(engine)
    sessions = session_factory(engine)
    try:
        dan = account(sessions, "dan")
        start = threading.Barrier(4)
        failures: list[BaseException] = []

        def writer() -> None:
            start.wait()
            try:
                for _ in range(5):
                    invite(sessions, dan)
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=writer) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        with sessions() as session:
            rows = queries.of_account(session, dan.id)
            assert len(rows) == 20
            assert [r.outcome for r in rows].count(None) == 1
            assert session.scalar(select(func.count(Mail.id))) == 20
    finally:
        engine.dispose()
