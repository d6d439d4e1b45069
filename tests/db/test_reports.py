"""Reports and their aggregate queries (db/stats.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain.overview import DayOutcome
from dashboard.domain.statuses import Status
from dashboard.errors import InputError
from dashboard.usecases.reports import Reports
from db import stats
from db.models import Account, Enrolment
from tests.support.factories import account, enrolment, event

NOW = datetime(2025, 3, 10, 15, 30, tzinfo=UTC)
TODAY = datetime(2025, 3, 10, tzinfo=UTC)


def finished(
    owner: Account, status: str, issued: datetime, seconds: float, *, via_scanned: bool = True
) -> tuple[Enrolment, list[str]]:
    row = enrolment(owner, status, issued=issued)
    row.finished_at = issued + timedelta(seconds=seconds)
    path = ["PENDING", *(["SCANNED"] if via_scanned else []), status]
    return row, path


@pytest.fixture
def seeded(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Four enrolled (10, 20, 30, 40 s; one never seen SCANNED), one declined, one expired
    (yesterday), two pending (one scanned), one cancelled 40 days ago; five accounts."""
    with sessions.begin() as session:
        people = [account(name) for name in ("ann", "ben", "cat", "dan", "eve")]
        session.add_all(people)
        session.flush()
        rows: list[tuple[Enrolment, list[str]]] = [
            finished(people[0], "ENROLLED", TODAY + timedelta(hours=1), 10),
            finished(people[1], "ENROLLED", TODAY + timedelta(hours=2), 20, via_scanned=False),
            finished(people[2], "ENROLLED", TODAY - timedelta(hours=3), 30),
            finished(people[3], "ENROLLED", TODAY - timedelta(days=1), 40),
            finished(people[0], "DECLINED", TODAY + timedelta(hours=3), 5),
            finished(people[1], "EXPIRED", TODAY - timedelta(hours=5), 300, via_scanned=False),
            (enrolment(people[2], "PENDING", issued=TODAY + timedelta(hours=4)), ["PENDING"]),
            (
                enrolment(people[3], "SCANNED", issued=TODAY + timedelta(hours=5)),
                ["PENDING", "SCANNED"],
            ),
            finished(people[4], "CANCELLED", TODAY - timedelta(days=40), 1, via_scanned=False),
        ]
        session.add_all([row for row, _ in rows])
        session.flush()
        for row, path in rows:
            previous = None
            for status in path:
                session.add(event(row, status, frm=previous))
                previous = status
    return sessions


def test_counts(seeded: sessionmaker[Session]) -> None:
    shown = Reports(seeded, clock=lambda: NOW).overview(30)
    counts = shown.counts
    assert counts.accounts == 5
    assert counts.pending == 2
    assert counts.enrolled == 4
    assert counts.expired_or_declined == 2
    assert counts.issued_today == 5  # 2 enrolled, declined, 2 pending
    assert counts.enrolled_today == 2


def test_median_and_90th_percentile_interpolate_over_enrolled_only(
    seeded: sessionmaker[Session],
) -> None:
    timing = Reports(seeded, clock=lambda: NOW).overview(30).time_to_enrol
    assert timing.enrolled == 4
    assert timing.median is not None
    assert timing.p90 is not None
    assert timing.median.total_seconds() == pytest.approx(25, abs=0.01)
    assert timing.p90.total_seconds() == pytest.approx(37, abs=0.01)  # 30 + 0.7 × 10


def test_the_period_limits_timing_chart_and_funnel(seeded: sessionmaker[Session]) -> None:
    shown = Reports(seeded, clock=lambda: NOW).overview(1)  # today only
    assert shown.since == TODAY
    assert shown.time_to_enrol.enrolled == 2
    assert shown.time_to_enrol.median is not None
    assert shown.time_to_enrol.median.total_seconds() == pytest.approx(15, abs=0.01)
    assert {row.day for row in shown.per_day} == {date(2025, 3, 10)}
    assert shown.funnel.issued == 5
    assert shown.counts.accounts == 5  # counts stay all-time


def test_enrolments_per_day_by_outcome(seeded: sessionmaker[Session]) -> None:
    shown = Reports(seeded, clock=lambda: NOW).overview(None)
    assert set(shown.per_day) == {
        DayOutcome(date(2025, 1, 29), Status.CANCELLED, 1),
        DayOutcome(date(2025, 3, 9), Status.ENROLLED, 2),
        DayOutcome(date(2025, 3, 9), Status.EXPIRED, 1),
        DayOutcome(date(2025, 3, 10), Status.ENROLLED, 2),
        DayOutcome(date(2025, 3, 10), Status.DECLINED, 1),
        DayOutcome(date(2025, 3, 10), Status.PENDING, 1),
        DayOutcome(date(2025, 3, 10), Status.SCANNED, 1),
    }


def test_the_funnel_counts_scans_from_the_event_history(seeded: sessionmaker[Session]) -> None:
    funnel = Reports(seeded, clock=lambda: NOW).overview(None).funnel
    assert funnel.issued == 9
    # scanned: 3 enrolled via SCANNED, 1 enrolled without (it must have been scanned),
    # the declined one, the pending-scanned one
    assert funnel.scanned == 6
    assert funnel.enrolled == 4


def test_an_empty_database(sessions: sessionmaker[Session]) -> None:
    shown = Reports(sessions, clock=lambda: NOW).overview(30)
    assert shown.counts.accounts == 0
    assert shown.time_to_enrol.median is None
    assert shown.time_to_enrol.p90 is None
    assert shown.per_day == ()
    assert (shown.funnel.issued, shown.funnel.scanned, shown.funnel.enrolled) == (0, 0, 0)


def test_one_enrolment_is_its_own_median_and_percentile(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        owner = account("solo")
        session.add(owner)
        session.flush()
        row, _ = finished(owner, "ENROLLED", TODAY, 12.5)
        session.add(row)
    with sessions() as session:
        count, values = stats.duration_percentiles(session, "ENROLLED", (0.5, 0.9))
    assert count == 1
    assert values == pytest.approx([12.5, 12.5], abs=0.01)


def test_a_bad_period_is_refused(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(InputError, match="1 to"):
        Reports(sessions).overview(0)
