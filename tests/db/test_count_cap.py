"""The capped count behind the Enrolments page: exact up to the cap, "more" beyond it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

import db.accounts
import db.enrolments
from dashboard.domain.records import EnrolmentFilter
from tests.support import factories
from tests.support.factories import T0


def populate(sessions: sessionmaker[Session], enrolled: int, expired: int) -> None:
    with sessions.begin() as session:
        for n in range(enrolled + expired):
            owner = db.accounts.add_account(session, factories.account(f"user{n:03d}"))
            status = "ENROLLED" if n < enrolled else "EXPIRED"
            issued = T0 + timedelta(minutes=n)
            db.enrolments.add_enrolment(session, factories.enrolment(owner, status, issued=issued))


def test_a_capped_count_is_exact_up_to_the_cap_and_says_more_beyond(
    sessions: sessionmaker[Session],
) -> None:
    populate(sessions, enrolled=12, expired=3)
    enrolled = EnrolmentFilter(statuses=frozenset({"ENROLLED"}))
    with sessions() as session:
        assert db.enrolments.count(session, enrolled) == 12
        assert db.enrolments.count(session, enrolled, cap=12) == 12
        assert db.enrolments.count(session, enrolled, cap=20) == 12
        assert db.enrolments.count(session, enrolled, cap=5) == 6  # "more than 5"
        assert db.enrolments.count(session, EnrolmentFilter(), cap=14) == 15
        assert db.enrolments.count(session, EnrolmentFilter(username="user00"), cap=3) == 4
        assert db.enrolments.count(session, EnrolmentFilter(username="user014"), cap=3) == 1
        assert (
            db.enrolments.count(session, EnrolmentFilter(statuses=frozenset({"FAILED"})), cap=3)
            == 0
        )
