"""The audit trail use-case on a real database: actions by people, filters, paging, CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from dashboard.domain.audit_log import audit_query
from dashboard.domain.statuses import classify
from dashboard.errors import InputError
from dashboard.omi.records import RemoteStatus
from dashboard.usecases.audit import AuditTrail
from db.engine import session_factory
from simulator.embedded import RunningSimulator
from tests.support.console import Clock, Console, open_console


@pytest.fixture
def clock() -> Clock:
    # Midday today: the simulator's QR codes expire on the real clock, minutes from now.
    return Clock(datetime.now(UTC).replace(hour=12, minute=0))


@pytest.fixture
def noon_console(database_url: str, simulator: RunningSimulator, clock: Clock) -> Iterator[Console]:
    with open_console(database_url, simulator, clock=clock) as noon_console:
        yield noon_console


@pytest.fixture
def trail(noon_console: Console) -> AuditTrail:
    return AuditTrail(session_factory(noon_console.engine))


def scenario(noon_console: Console, clock: Clock) -> None:
    """ann creates and issues for alice; next day oscar re-issues and cancels; the poller and
    the expiry sweep change things too."""
    alice = noon_console.accounts.create("alice", actor="ann@example.com")
    clock.now += timedelta(minutes=1)
    first = noon_console.enrolments.issue(alice.id, actor="ann@example.com")
    clock.now += timedelta(minutes=1)
    noon_console.enrolments.apply_status(
        first.id, RemoteStatus("SCANNED", classify("SCANNED"), None, None)
    )
    clock.now += timedelta(days=1)
    second = noon_console.enrolments.issue(alice.id, actor="oscar@example.com")
    clock.now += timedelta(minutes=1)
    noon_console.enrolments.cancel(second.id, actor="oscar@example.com")
    clock.now += timedelta(minutes=1)
    bob = noon_console.accounts.create("bob", actor="oscar@example.com")
    noon_console.enrolments.issue(bob.id, actor="oscar@example.com")
    clock.now += timedelta(days=30)
    assert noon_console.enrolments.expire_overdue() == 1


def test_lists_what_people_did_newest_first(
    noon_console: Console, clock: Clock, trail: AuditTrail
) -> None:
    scenario(noon_console, clock)
    entries, total = trail.entries(audit_query([], [], None))
    assert total == 7
    assert [(e.actor, e.action, e.username) for e in entries] == [
        ("oscar@example.com", "issue", "bob"),
        ("oscar@example.com", "create_account", "bob"),
        ("oscar@example.com", "cancel", "alice"),
        ("oscar@example.com", "issue", "alice"),
        ("oscar@example.com", "supersede", "alice"),
        ("ann@example.com", "issue", "alice"),
        ("ann@example.com", "create_account", "alice"),
    ]
    assert entries[2].enrolment_id is not None
    assert entries[6].enrolment_id is None
    assert trail.actors() == ["ann@example.com", "oscar@example.com"]


def test_filters_by_actor_action_and_day(
    noon_console: Console, clock: Clock, trail: AuditTrail
) -> None:
    start = clock.now.date()
    scenario(noon_console, clock)
    by_ann = trail.entries(audit_query(["ann@example.com"], [], None))[0]
    assert {e.actor for e in by_ann} == {"ann@example.com"}
    assert len(by_ann) == 2
    cancels = trail.entries(audit_query([], ["cancel"], None))[0]
    assert [e.username for e in cancels] == ["alice"]
    next_day = start + timedelta(days=1)
    assert trail.entries(audit_query([], [], next_day))[1] == 5  # that day onwards
    first_day = trail.entries(audit_query([], [], [start, start]))[0]
    assert {e.actor for e in first_day} == {"ann@example.com"}
    assert trail.entries(audit_query([], [], [next_day, next_day]))[1] == 5
    with pytest.raises(InputError, match="Unknown action kind"):
        audit_query([], ["delete"], None)


def test_pages(noon_console: Console, clock: Clock, trail: AuditTrail) -> None:
    scenario(noon_console, clock)
    where = audit_query([], [], None)
    first, total = trail.entries(where, limit=3)
    second, _ = trail.entries(where, limit=3, offset=3)
    everything, _ = trail.entries(where, limit=100)
    assert total == 7
    assert first + second == everything[:6]
    with pytest.raises(InputError):
        trail.entries(where, limit=0)


def test_csv_has_every_matching_row_with_formulas_defused(
    noon_console: Console, clock: Clock, trail: AuditTrail
) -> None:
    scenario(noon_console, clock)
    rows = list(csv.reader(io.StringIO("".join(trail.export_csv(audit_query([], [], None))))))
    assert rows[0] == ["at", "actor", "action", "username", "account_id", "enrolment_id", "detail"]
    assert len(rows) == 8
    assert rows[1][1:4] == ["oscar@example.com", "Issued QR code", "bob"]
    assert rows[-1][2] == "Created account"


def test_csv_defuses_formulas(noon_console: Console, trail: AuditTrail) -> None:
    noon_console.accounts.create("carol", actor="=cmd@example.com")
    rows = list(csv.reader(io.StringIO("".join(trail.export_csv(audit_query([], [], None))))))
    assert rows[1][1] == "'=cmd@example.com"
