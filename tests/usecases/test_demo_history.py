"""Filling a demo history on real databases (SQLite file, PostgreSQL) against the real
simulator: what lands in the tables, that the pages' use-cases read it, that today's pending
codes are real ones the poller can poll, and the refusals."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dashboard import demo_history as command
from dashboard.domain.audit_log import AuditQuery
from dashboard.domain.demo_cast import OPERATORS
from dashboard.domain.queue import AgeGroup
from dashboard.domain.records import EnrolmentFilter, EnrolmentSort
from dashboard.domain.statuses import Status
from dashboard.errors import ConfigError, ConflictError
from dashboard.usecases.audit import AuditTrail
from dashboard.usecases.demo_history import DemoHistory
from dashboard.usecases.reports import Reports
from db.models import Account, Enrolment, Invitation, InvitationEvent, Mail
from simulator.embedded import RunningSimulator
from tests.support.console import Console, assert_consistent, open_console

FIXED = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


@pytest.fixture
def demo(database_url: str, simulator: RunningSimulator) -> Iterator[Console]:
    with open_console(database_url, simulator) as console:
        yield console


def filler(console: Console, simulator: RunningSimulator, *, demo_mode: bool = True) -> DemoHistory:
    """The filler as the running console wires it (``Services.demo_history``)."""
    return DemoHistory(
        console.sessions,
        demo_mode=demo_mode,
        issuer=console.enrolments,
        register=simulator.register_users,
    )


def test_it_fills_about_300_enrolments_the_pages_read(
    demo: Console, simulator: RunningSimulator
) -> None:
    filled = filler(demo, simulator).fill()

    views = assert_consistent(demo)  # one issue event, chained moves, one active per account
    assert len(views) == filled.enrolments
    assert 280 <= filled.enrolments <= 320
    counts = Counter(v.status for v in views)
    assert counts == filled.by_status
    assert counts[Status.PENDING] == filled.pending == 5
    assert counts[Status.ENROLLED] >= 0.6 * len(views)
    assert all(counts[s] for s in (Status.EXPIRED, Status.DECLINED, Status.CANCELLED))
    assert all(counts[s] for s in (Status.SUPERSEDED, Status.FAILED))
    assert filled.sentence().startswith("Filled a demo history of the last 60 days: ")

    overview = Reports(demo.sessions).overview(None)
    assert overview.counts.enrolled == counts[Status.ENROLLED]
    assert overview.counts.pending == 5
    assert overview.counts.accounts == filled.accounts
    assert overview.time_to_enrol.median is not None
    assert overview.funnel.scanned >= overview.funnel.enrolled > 0
    assert len({d.day for d in overview.per_day}) >= 20
    page, total = demo.table.page(EnrolmentFilter(), EnrolmentSort("issued_at", True), 50)
    assert total == len(views)
    assert page[0].status is Status.PENDING
    snapshot = demo.queue.snapshot()
    groups = {g.group: g for g in snapshot.groups}
    assert groups[AgeGroup.UNDER_15_MIN].total == 5
    assert groups[AgeGroup.OLDER].total > 10, "expired and not re-issued"
    assert set(OPERATORS) <= set(demo.queue.operators())
    entries, listed = AuditTrail(demo.sessions).entries(AuditQuery(), limit=1000)
    assert listed > len(views)
    assert set(OPERATORS) <= {e.actor for e in entries}


def test_the_invitations_and_mails_are_consistent_in_the_tables(
    demo: Console, simulator: RunningSimulator
) -> None:
    filled = filler(demo, simulator).fill()
    with demo.sessions() as session:
        invitations = list(session.scalars(select(Invitation)))
        mails = list(session.scalars(select(Mail)))
        events = list(session.scalars(select(InvitationEvent).order_by(InvitationEvent.id)))
        owners = dict(session.execute(select(Enrolment.id, Enrolment.account_id)).all())
    assert len(invitations) == filled.invitations
    assert len(mails) == filled.mails
    live = Counter(i.account_id for i in invitations if i.outcome is None)
    assert max(live.values()) == 1
    by_id = {i.id: i for i in invitations}
    assert {m.invitation_id for m in mails} <= set(by_id), "mails only for invitations"
    assert all(m.token_hash is None for m in mails), "no working link is made up"
    assert 1 <= sum(m.status == "FAILED" for m in mails) <= 2
    steps = Counter(m.invitation_id for m in mails if m.step == 0)
    assert set(steps) == set(by_id)
    assert set(steps.values()) == {1}
    for i in invitations:
        assert i.reminders_sent == max(m.step for m in mails if m.invitation_id == i.id)
    assert [e.at for e in events] == sorted(e.at for e in events), "ids follow time"
    for event in events:
        if event.enrolment_id is not None:
            assert owners[event.enrolment_id] == by_id[event.invitation_id].account_id


def test_todays_pending_codes_are_real_and_the_simulator_knows_everyone(
    demo: Console, simulator: RunningSimulator
) -> None:
    filler(demo, simulator).fill()
    with demo.sessions() as session:
        tenant_ids = list(session.scalars(select(Account.tenant_id)))
    assert all(t is not None and simulator.store.get_user(t) for t in tenant_ids)
    pending = [v for v in demo.table.page(EnrolmentFilter(statuses=frozenset({'PENDING'})),
               EnrolmentSort("id", False), 50)[0]]  # fmt: skip
    assert len(pending) == 5
    for view in pending:
        reference = demo.accounts.get(view.account_id).tenant_id
        assert reference is not None
        error = demo.polling.poll(view.id, reference, backoff=lambda n: timedelta(seconds=n))
        assert error is None, error
        assert demo.enrolments.get(view.id).status is Status.PENDING
        assert demo.enrolments.qr_png(view.id), "a real QR code"


def test_the_same_seed_fills_the_same_history(tmp_path: Path, simulator: RunningSimulator) -> None:
    shown = []
    for name in ("a", "b"):
        with open_console(f"sqlite:///{tmp_path / name}.db", simulator) as console:
            history = DemoHistory(console.sessions, demo_mode=True, clock=lambda: FIXED)
            history.fill(seed=7)
            with console.sessions() as session:
                rows = session.execute(
                    select(Account.username, Enrolment.status, Enrolment.issued_at)
                    .join(Account)
                    .order_by(Enrolment.id)
                ).all()
            shown.append([tuple(r) for r in rows])
    assert shown[0] == shown[1]
    assert len(shown[0]) > 250


def test_refused_outside_demo_mode(demo: Console, simulator: RunningSimulator) -> None:
    with pytest.raises(ConfigError, match="only in demo mode"):
        filler(demo, simulator, demo_mode=False).fill()
    assert filler(demo, simulator).holds_history() is None, "nothing was written"


def test_refused_on_a_database_with_a_history(demo: Console, simulator: RunningSimulator) -> None:
    demo.accounts.create("real.person", actor="ann@example.com")
    history = filler(demo, simulator)
    assert history.holds_history() == (
        "The database already holds 1 accounts: a demo history is filled only into an empty "
        "console, so it never mixes with real data (start from a new DATABASE_URL)."
    )
    with pytest.raises(ConflictError, match="already holds 1 accounts"):
        history.fill()
    with demo.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Account)) == 1


def test_a_second_fill_is_refused(demo: Console, simulator: RunningSimulator) -> None:
    filled = filler(demo, simulator).fill()
    with pytest.raises(ConflictError, match="never mixes with real data"):
        filler(demo, simulator).fill()
    assert len(assert_consistent(demo)) == filled.enrolments


def test_make_demo_fills_then_refuses_and_refuses_a_tenant(
    isolated_environment: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'console.db'}")
    assert command.main([]) == 0
    said = capsys.readouterr().out
    assert said.startswith("Filled a demo history of the last 60 days: ")
    assert "QR codes are pending" not in said, "the command issues no live codes"
    assert command.main([]) == 2
    assert "already holds" in capsys.readouterr().err

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'tenant.db'}")
    monkeypatch.setenv("OMI_BASE_URL", "https://tenant.example.com")
    monkeypatch.setenv("OMI_CLIENT_ID", "console")
    monkeypatch.setenv("OMI_CLIENT_SECRET", "a-secret-of-the-tenant")
    assert command.main([]) == 2
    assert "only in demo mode" in capsys.readouterr().err
    assert not (tmp_path / "tenant.db").exists(), "the tenant's database is never opened"
