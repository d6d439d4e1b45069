"""The test_pushes table: its queries (claim order, watching, counts, expiry, the verified
count), what deleting an account or an enrolment does to them, and revision 0008's round trip."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, func, inspect, select, text

from db import pushes
from db.engine import downgrade, schema_version, session_factory, upgrade
from db.models import Enrolment
from db.push_models import TestPush
from tests.support import factories

T0 = factories.T0


def push(owner_id: object, enrolment: Enrolment | None, **fields: object) -> TestPush:
    values: dict[str, object] = {
        "account_id": owner_id,
        "enrolment_id": None if enrolment is None else enrolment.id,
        "push_id": "p-1",
        "status": "PENDING",
        "created_at": T0,
        "created_by": "op",
        "expires_at": T0 + timedelta(minutes=5),
        "next_poll_at": T0,
        "poll_failures": 0,
    }
    values.update(fields)
    return TestPush(**values)


def seeded(engine: Engine) -> tuple[object, int]:
    sessions = session_factory(engine)
    with sessions.begin() as session:
        owner = factories.account("pushed")
        session.add(owner)
        session.flush()
        done = factories.enrolment(owner, "ENROLLED")
        session.add(done)
        session.flush()
        return owner.id, done.id


def test_claims_take_watched_pushes_alone_and_the_rest_most_overdue_first(engine: Engine) -> None:
    owner, enrolment_id = seeded(engine)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        enrolment = session.get(Enrolment, enrolment_id)
        rows = [
            push(owner, enrolment, push_id="late", next_poll_at=T0 - timedelta(seconds=5)),
            push(owner, enrolment, push_id="due", next_poll_at=T0),
            push(owner, enrolment, push_id="watched", watched_until=T0 + timedelta(seconds=3)),
            push(owner, enrolment, push_id="future", next_poll_at=T0 + timedelta(minutes=1)),
            push(owner, enrolment, push_id="done", status="APPROVED"),
        ]
        session.add_all(rows)
    with sessions.begin() as session:
        watched = pushes.claim_due(session, T0, 10, horizon=T0, watched=True)
        others = pushes.claim_due(session, T0, 10, horizon=T0, watched=False)
        assert [p.push_id for p in watched] == ["watched"]
        assert watched[0].watched
        assert [p.push_id for p in others] == ["late", "due"]
        assert pushes.claim_due(session, T0, 1, horizon=T0, watched=False)[0].push_id == "late"
        assert pushes.claim_due(session, T0, 0, horizon=T0, watched=False) == []
        assert pushes.active_counts(session, T0) == (4, 1)


def test_watching_makes_a_push_due_at_once(engine: Engine) -> None:
    owner, _ = seeded(engine)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        row = push(owner, None, next_poll_at=T0 + timedelta(seconds=30))
        session.add(row)
        session.flush()
        ident = row.id
    with sessions.begin() as session:
        pushes.watch(session, ident, T0, T0 + timedelta(seconds=3))
    with sessions() as session:
        found = pushes.get_push(session, ident)
        assert found is not None
        assert found.next_poll_at == T0
        assert found.watched_until == T0 + timedelta(seconds=3)


def test_overdue_and_the_verified_count(engine: Engine) -> None:
    owner, enrolment_id = seeded(engine)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        enrolment = session.get(Enrolment, enrolment_id)
        session.add_all(
            [
                push(owner, enrolment, push_id="old", expires_at=T0 - timedelta(seconds=1)),
                push(owner, enrolment, push_id="ok", status="APPROVED"),
                push(owner, enrolment, push_id="again", status="APPROVED"),
            ]
        )
    with sessions() as session:
        assert [p.push_id for p in pushes.overdue(session, T0)] == ["old"]
        assert pushes.verified_accounts(session) == 1  # one account, however many approvals
        assert [a.username for a in pushes.enrolled_accounts(session)] == ["pushed"]
        assert pushes.enrolled_enrolment(session, owner) is not None  # type: ignore[arg-type]


def test_deleting_the_account_deletes_its_pushes_and_an_enrolment_detaches_them(
    engine: Engine,
) -> None:
    owner, enrolment_id = seeded(engine)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        session.add(push(owner, session.get(Enrolment, enrolment_id)))
    with sessions.begin() as session:
        session.execute(text("DELETE FROM enrolments"))
    with sessions() as session:
        assert session.scalars(select(TestPush.enrolment_id)).all() == [None]
    with sessions.begin() as session:
        session.execute(text("DELETE FROM accounts"))
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(TestPush)) == 0


def test_revision_0008_round_trip_keeps_the_other_tables(engine: Engine) -> None:
    owner, enrolment_id = seeded(engine)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        session.add(push(owner, session.get(Enrolment, enrolment_id)))
    downgrade(engine, "0007")
    assert schema_version(engine) == "0007"
    assert "test_pushes" not in inspect(engine).get_table_names()
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM enrolments")) == 1
    upgrade(engine)
    assert "test_pushes" in inspect(engine).get_table_names()
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(TestPush)) == 0
