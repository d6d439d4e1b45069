"""Repository functions on real databases: the enrolments table, accounts, the poller's claim."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

import db.accounts
import db.enrolments
from dashboard.domain.records import SORT_COLUMNS, EnrolmentFilter, EnrolmentSort
from db.engine import begin_write, create_engine_for, session_factory, upgrade
from db.models import Account, Enrolment
from tests.support import factories
from tests.support.factories import T0

HOUR = timedelta(hours=1)

STATUSES = ("PENDING", "SCANNED", "ENROLLED", "EXPIRED", "DECLINED", "CANCELLED")


def populate(sessions: sessionmaker[Session], accounts: int = 12, per: int = 5) -> list[Account]:
    """``accounts`` accounts with ``per`` enrolments each; only the newest may be active."""
    made = []
    with sessions.begin() as session:
        for a in range(accounts):
            owner = db.accounts.add_account(session, factories.account(f"User{a:02d}"))
            made.append(owner)
            for i in range(per):
                issued = T0 + timedelta(minutes=a * per + i)
                status = STATUSES[(a + i) % len(STATUSES)]
                if i < per - 1 and status in ("PENDING", "SCANNED"):
                    status = "EXPIRED"
                db.enrolments.add_enrolment(
                    session, factories.enrolment(owner, status, issued=issued, ttl=86400)
                )
    return made


def test_page_count_and_stream_agree(sessions: sessionmaker[Session]) -> None:
    populate(sessions)
    everything = EnrolmentFilter()
    newest = EnrolmentSort()
    with sessions() as session:
        assert db.enrolments.count(session, everything) == 60
        first = db.enrolments.page(session, everything, newest, limit=10)
        second = db.enrolments.page(session, everything, newest, limit=10, offset=10)
        streamed = list(db.enrolments.stream(session, everything, newest))
    assert [r.id for r in streamed[:20]] == [r.id for r in first + second]
    assert len(streamed) == 60
    issued = [r.issued_at for r in streamed]
    assert issued == sorted(issued, reverse=True)
    assert first[0].username == "User11"


def test_filters(sessions: sessionmaker[Session]) -> None:
    populate(sessions)
    with sessions() as session:
        enrolled = EnrolmentFilter(statuses=frozenset({"ENROLLED"}))
        rows = db.enrolments.page(session, enrolled, EnrolmentSort(), limit=100)
        assert rows
        assert {r.status for r in rows} == {"ENROLLED"}
        assert db.enrolments.count(session, enrolled) == len(rows)

        by_name = EnrolmentFilter(username="user0")  # keys are lower-case
        rows = db.enrolments.page(
            session, by_name, EnrolmentSort("username", descending=False), limit=100
        )
        assert {r.username for r in rows} == {f"User0{i}" for i in range(10)}
        assert db.enrolments.count(session, by_name) == 50

        window = EnrolmentFilter(
            issued_from=T0 + timedelta(minutes=10), issued_to=T0 + timedelta(minutes=20)
        )
        rows = db.enrolments.page(
            session, window, EnrolmentSort("issued_at", descending=False), limit=100
        )
        assert [r.issued_at for r in rows] == [T0 + timedelta(minutes=m) for m in range(10, 20)]

        both = EnrolmentFilter(statuses=frozenset({"ENROLLED", "DECLINED"}), username="user1")
        assert db.enrolments.count(session, both) == len(
            db.enrolments.page(session, both, EnrolmentSort(), 100)
        )


def test_username_filter_treats_wildcards_literally(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        for name in ("a_b", "axb", "50%off", "500ff"):
            owner = db.accounts.add_account(session, factories.account(name))
            db.enrolments.add_enrolment(session, factories.enrolment(owner, "ENROLLED"))
    with sessions() as session:
        rows = db.enrolments.page(session, EnrolmentFilter(username="_"), EnrolmentSort(), 10)
        assert [r.username for r in rows] == ["a_b"]
        rows = db.enrolments.page(session, EnrolmentFilter(username="0%"), EnrolmentSort(), 10)
        assert [r.username for r in rows] == ["50%off"]


@pytest.mark.parametrize("column", SORT_COLUMNS)
@pytest.mark.parametrize("descending", [False, True])
def test_every_sort_column(sessions: sessionmaker[Session], column: str, descending: bool) -> None:
    populate(sessions, accounts=4, per=3)
    sort = EnrolmentSort(column, descending)  # type: ignore[arg-type]
    with sessions() as session:
        rows = db.enrolments.page(session, EnrolmentFilter(), sort, limit=100)
    assert len(rows) == 12
    if column == "finished_at":
        finished = [r.finished_at for r in rows if r.finished_at is not None]
        assert finished == sorted(finished, reverse=descending)
        assert all(r.finished_at is None for r in rows[len(finished) :])  # unfinished last
    else:
        key = "username" if column == "username" else column
        values = [getattr(r, key) for r in rows]
        assert values == sorted(values, reverse=descending)


def test_the_database_sorts_by_every_column_the_domain_offers() -> None:
    assert set(db.enrolments.SORTABLE) == set(SORT_COLUMNS)


def test_unknown_sort_column_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot sort"):
        EnrolmentSort("qr_png")  # type: ignore[arg-type]


def test_search_accounts_with_latest_status(sessions: sessionmaker[Session]) -> None:
    made = populate(sessions, accounts=3, per=2)
    with sessions.begin() as session:
        db.accounts.add_account(session, factories.account("Nobody"))
    with sessions() as session:
        rows = db.accounts.search_accounts(session, "", limit=10)
        assert [r.account.username for r in rows] == ["Nobody", "User00", "User01", "User02"]
        assert rows[0].latest_status is None
        assert rows[0].latest_enrolment_id is None
        latest = db.enrolments.latest_enrolment(session, made[0].id)
        assert latest is not None
        assert (rows[1].latest_enrolment_id, rows[1].latest_status) == (latest.id, latest.status)
        assert [r.account.username for r in db.accounts.search_accounts(session, "01", 10)] == [
            "User01"
        ]
        assert db.accounts.find_account(session, "user02") is not None
        assert db.accounts.latest_enrolment_of(session, made[0].id) == (latest.id, latest.status)


def test_at_most_one_active_enrolment_per_account(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        owner = db.accounts.add_account(session, factories.account("one"))
        db.enrolments.add_enrolment(session, factories.enrolment(owner, "PENDING"))
        db.enrolments.add_enrolment(session, factories.enrolment(owner, "EXPIRED"))
    with sessions() as session, pytest.raises(IntegrityError):
        db.enrolments.add_enrolment(session, factories.enrolment(owner, "SCANNED"))


def test_duplicate_username_key_is_refused(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        db.accounts.add_account(session, factories.account("Dup"))
    with sessions() as session, pytest.raises(IntegrityError):
        db.accounts.add_account(session, factories.account("dup"))


def claim(session: Session, now: datetime, until: datetime, limit: int) -> list[int]:
    """Claim what is due at ``now`` and make it due again at ``until`` (as the budget does)."""
    claimed = db.enrolments.claim_due(
        session, now, limit, horizon=now, starving_before=now - HOUR, recent_after=now - HOUR
    )
    db.enrolments.reschedule(session, {c.id: until for c in claimed})
    return [c.id for c in claimed]


def test_claim_due_pushes_the_next_poll(sessions: sessionmaker[Session]) -> None:
    populate(sessions, accounts=6, per=2)
    now = T0 + timedelta(hours=1)
    until = now + timedelta(seconds=1)
    with sessions.begin() as session:
        active = db.enrolments.count_active(session)
        claimed = claim(session, now, until, limit=100)
    assert len(claimed) == active > 0
    with sessions.begin() as session:
        assert claim(session, now, until, limit=100) == []
        assert len(claim(session, until, until + timedelta(seconds=1), 100)) == active
    with sessions.begin() as session:
        assert active == 2
        assert len(claim(session, until + timedelta(seconds=1), until, limit=1)) == 1


def test_claim_skips_expired_and_finished(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        owner = db.accounts.add_account(session, factories.account("late"))
        db.enrolments.add_enrolment(session, factories.enrolment(owner, "PENDING", ttl=10))
        db.enrolments.add_enrolment(session, factories.enrolment(owner, "ENROLLED"))
    with sessions.begin() as session:
        later = T0 + timedelta(seconds=11)
        assert claim(session, later, later, 10) == []
        assert [e.status for e in db.enrolments.overdue_enrolments(session, later)] == ["PENDING"]


@pytest.mark.postgres
def test_concurrent_claims_skip_locked_rows(postgres_url: str) -> None:
    engine = create_engine_for(postgres_url)
    upgrade(engine)
    sessions = session_factory(engine)
    try:
        populate(sessions, accounts=12, per=1)
        now = T0 + timedelta(hours=1)
        until = now + timedelta(seconds=1)
        with sessions() as first, sessions() as second:
            first.execute(text("SET lock_timeout = '5s'"))
            second.execute(text("SET lock_timeout = '5s'"))
            mine = claim(first, now, until, limit=2)  # transaction left open
            theirs = claim(second, now, until, limit=100)  # must not wait for `first`
            assert len(mine) == 2
            assert not set(mine) & set(theirs)
            first.commit()
            second.commit()
    finally:
        engine.dispose()


def test_sqlite_pages_walk_an_index(sqlite_url: str) -> None:
    """A page sorted by issue time reads the index in order (no sort of the whole table)."""
    engine = create_engine_for(sqlite_url)
    upgrade(engine)
    sessions = session_factory(engine)
    populate(sessions, accounts=2, per=2)
    try:
        with sessions() as session:
            bind = session.connection()
            for where in (EnrolmentFilter(), EnrolmentFilter(statuses=frozenset({"ENROLLED"}))):
                query = db.enrolments._ordered(
                    db.enrolments._filtered(db.enrolments.rows(), where), EnrolmentSort()
                )
                compiled = query.limit(50).compile(bind, compile_kwargs={"literal_binds": True})
                plan = " ".join(
                    str(row[-1]) for row in bind.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
                )
                assert "USE TEMP B-TREE" not in plan, plan
                assert "INDEX ix_enrolments_" in plan, plan
    finally:
        engine.dispose()


def test_write_sessions_begin_immediate(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        begin_write(session)
        db.accounts.add_account(session, factories.account("writer"))
    with sessions() as session:
        assert db.accounts.find_account(session, "writer") is not None
        assert isinstance(db.enrolments.get_enrolment(session, 1), Enrolment | None)
