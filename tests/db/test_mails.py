"""The outbox's queries on each backend: a claim takes due mails once, a lease that ran out is
claimed again, a write under a lost claim changes nothing, a FAILED mail is queued again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from db import mails
from db.engine import begin_write
from db.models import Mail
from tests.support.factories import T0, account, invitation, mail

LEASE = timedelta(minutes=2)


def queued(sessions: sessionmaker[Session], count: int, *, step: int = 0) -> list[int]:
    """``count`` people each with an invitation and its mail QUEUED; the mails' ids."""
    ids = []
    with sessions.begin() as session:
        for n in range(count):
            owner = account(f"person{n}")
            owner.display_name = f"Person {n}"
            session.add(owner)
            session.flush()
            row = invitation(owner)
            session.add(row)
            session.flush()
            item = mail(row, step)
            session.add(item)
            session.flush()
            ids.append(item.id)
    return ids


def claim(sessions: sessionmaker[Session], now: object, limit: int = 10) -> list[mails.Claimed]:
    with sessions.begin() as session:
        begin_write(session)
        return mails.claim_due(session, now, limit, now + LEASE)  # type: ignore[operator, arg-type]


def test_a_claim_takes_each_due_mail_once(sessions: sessionmaker[Session]) -> None:
    ids = queued(sessions, 3)
    first = claim(sessions, T0, limit=2)
    second = claim(sessions, T0)
    assert [c.id for c in first] == ids[:2]
    assert [c.id for c in second] == ids[2:]
    assert all(c.attempts == 1 for c in first + second)
    assert claim(sessions, T0 + LEASE / 2) == []
    with sessions() as session:
        assert mails.counts(session) == {"SENDING": 3}


def test_a_lease_that_ran_out_is_claimed_again(sessions: sessionmaker[Session]) -> None:
    (ident,) = queued(sessions, 1)
    (first,) = claim(sessions, T0)
    (again,) = claim(sessions, T0 + LEASE)
    assert again.id == ident
    assert again.attempts == 2
    with sessions.begin() as session:
        # The first claimer outlived its lease: its writes change nothing.
        assert not mails.set_token(session, first, "0" * 64, "s")
        assert not mails.finish(session, first, mails.SENT, sent_at=T0)
        assert mails.set_token(session, again, "1" * 64, "Subject")
        assert mails.finish(session, again, mails.SENT, sent_at=T0 + LEASE)
    with sessions() as session:
        row = session.get(Mail, ident)
        assert row is not None
        assert (row.status, row.token_hash, row.subject) == ("SENT", "1" * 64, "Subject")
        assert row.claimed_until is None


def test_a_retry_waits_for_its_time(sessions: sessionmaker[Session]) -> None:
    queued(sessions, 1)
    (held,) = claim(sessions, T0)
    with sessions.begin() as session:
        later = T0 + timedelta(seconds=30)
        assert mails.finish(session, held, mails.QUEUED, error="451", next_attempt_at=later)
    assert claim(sessions, T0 + timedelta(seconds=29)) == []
    (again,) = claim(sessions, T0 + timedelta(seconds=30))
    assert again.attempts == 2


def test_context_rows_and_requeue(sessions: sessionmaker[Session]) -> None:
    (ident,) = queued(sessions, 1, step=1)
    (held,) = claim(sessions, T0)
    with sessions.begin() as session:
        found = mails.context(session, ident)
        assert found is not None
        assert (found.step, found.username, found.display_name) == (1, "person0", "Person 0")
        assert found.to_address == "person0@example.com"
        assert found.outcome is None
        assert found.expires_at == T0 + timedelta(days=7)
        assert mails.context(session, ident + 100) is None
        mails.finish(session, held, mails.FAILED, error="550 no such user")
    with sessions.begin() as session:
        (row,) = mails.rows(session, 10, statuses=("FAILED",))
        assert (row.id, row.status, row.last_error, row.attempts) == (
            ident, "FAILED", "550 no such user", 1
        )  # fmt: skip
        assert mails.requeue(session, ident, T0)
        assert not mails.requeue(session, ident, T0)  # only a FAILED one
        assert mails.invitation_of(session, ident) == (row.invitation_id, 1)
    with sessions() as session:
        assert mails.counts(session) == {"QUEUED": 1}
        assert mails.rows(session, 10, statuses=("FAILED",)) == []
