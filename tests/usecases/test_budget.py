"""The shared budget on real databases with an injected clock: the limit, the priorities, the
fairness floor, the global back-off, several processes on one database. Correctness only: the
clock is moved by hand, so nothing here depends on how fast the machine is."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain.budget import Limits
from dashboard.usecases.budget import Budget
from db.engine import create_engine_for, session_factory, upgrade
from db.models import Enrolment
from tests.support import factories
from tests.support.console import Clock

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
TICK = timedelta(seconds=1 / 12)
LIMITS = Limits(max_rps=10.0, watched_rps=3.0, interval=1.0)


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = create_engine_for(database_url)
    upgrade(engine)
    try:
        yield session_factory(engine)
    finally:
        engine.dispose()


def add(
    sessions: sessionmaker[Session],
    name: str,
    *,
    issued: datetime,
    status: str = "PENDING",
    ttl: float = 3600,
    **fields: object,
) -> int:
    with sessions.begin() as session:
        session.add(owner := factories.account(name))
        row = factories.enrolment(owner, status, issued=issued, ttl=ttl)
        for key, value in fields.items():
            setattr(row, key, value)
        session.add(row)
        session.flush()
        return row.id


def campaign(sessions: sessionmaker[Session], count: int, *, issued: datetime) -> list[int]:
    return [add(sessions, f"bulk{n:04d}", issued=issued) for n in range(count)]


def claim_ids(budget: Budget, limit: int = 500) -> list[int]:
    return [c.id for c in budget.claim(limit, ahead=TICK / 2)]


def test_claims_never_exceed_the_budget(sessions: sessionmaker[Session]) -> None:
    campaign(sessions, 40, issued=T0)
    clock = Clock(T0)
    budget = Budget(sessions, LIMITS, clock=clock)
    assert len(claim_ids(budget)) == 5  # a full bucket: half a second of the budget
    assert claim_ids(budget) == []
    taken = 0
    for _ in range(100):  # 10 s
        clock.now += timedelta(seconds=0.1)
        taken += len(claim_ids(budget))
    assert taken == 100  # 10 s at 10 a second: every permit used, none more
    status = budget.status()
    assert status.max_rps == 10.0
    assert not status.throttled
    assert status.rate == pytest.approx(10.0, rel=0.2)


def test_claim_order_watched_starving_scanned_recent_rest(
    sessions: sessionmaker[Session],
) -> None:
    now = T0 + timedelta(hours=1)
    old = now - timedelta(minutes=30)
    rest = add(sessions, "rest", issued=old, claimed_at=now - timedelta(seconds=0.5))
    recent = add(sessions, "recent", issued=now - timedelta(seconds=30), claimed_at=now)
    scanned = add(sessions, "scanned", issued=old, status="SCANNED", claimed_at=now)
    starving = add(sessions, "starving", issued=old, claimed_at=old)
    watched = add(sessions, "watched", issued=old, claimed_at=now, watched_until=now + TICK)
    lapsed = add(sessions, "lapsed", issued=old, claimed_at=now, watched_until=now - TICK)
    budget = Budget(sessions, Limits(max_rps=100.0), clock=Clock(now))  # floor: 1 s
    order = [claim_ids(budget, limit=1) for _ in range(6)]
    assert order == [[watched], [starving], [scanned], [recent], [rest], [lapsed]]


def test_every_pending_enrolment_is_polled_within_the_floor(
    sessions: sessionmaker[Session],
) -> None:
    """A campaign four times larger than the budget can poll each second, one watched
    enrolment beside it: the watched one at its own rate, nobody past the floor."""
    campaign_ids = campaign(sessions, 40, issued=T0 - timedelta(minutes=10))
    watched = add(sessions, "desk", issued=T0)
    clock = Clock(T0)
    budget = Budget(sessions, LIMITS, clock=clock)
    claimed: dict[int, list[datetime]] = defaultdict(list)
    for _ in range(12 * 60):  # a minute in ticks
        with sessions.begin() as session:  # the Enrol page renews its interest
            session.get_one(Enrolment, watched).watched_until = clock.now + timedelta(seconds=3)
        for ident in claim_ids(budget):
            claimed[ident].append(clock.now)
        clock.now += TICK
    floor = 2 * 41 / LIMITS.max_rps  # 8.2 s
    for ident in campaign_ids:
        times = [T0, *claimed[ident], clock.now]
        longest = max((b - a).total_seconds() for a, b in itertools.pairwise(times))
        assert longest <= floor + 2 * TICK.total_seconds(), (ident, longest)
    gaps = [
        (b - a).total_seconds()
        for a, b in zip(claimed[watched], claimed[watched][1:], strict=False)
    ]
    assert min(gaps) >= 1 / 3 - 1e-5  # at most 3 a second (to the microsecond)
    assert max(gaps) <= 1 / 3 + TICK.total_seconds() + 1e-5
    total = sum(len(times) for times in claimed.values())
    assert total <= 60 * LIMITS.max_rps + LIMITS.burst


def test_interest_lapses_by_itself(sessions: sessionmaker[Session]) -> None:
    old = T0 - timedelta(minutes=30)
    until = T0 + timedelta(seconds=3)
    watched = add(sessions, "tab", issued=old, claimed_at=T0, watched_until=until)
    others = [add(sessions, f"other{n}", issued=old, claimed_at=T0) for n in range(3)]
    clock = Clock(T0 + timedelta(seconds=1))
    budget = Budget(sessions, LIMITS, clock=clock)
    assert claim_ids(budget, limit=1) == [watched]
    clock.now = T0 + timedelta(seconds=10)  # nobody renewed it: no longer first
    order = [claim_ids(budget, limit=1)[0] for _ in range(4)]
    assert order[-1] == watched
    assert set(order[:3]) == set(others)


def test_a_429_anywhere_pauses_every_process(sessions: sessionmaker[Session]) -> None:
    campaign(sessions, 20, issued=T0)
    clock = Clock(T0)
    mine, theirs = Budget(sessions, LIMITS, clock=clock), Budget(sessions, LIMITS, clock=clock)
    mine.rate_limited(4.0, "The API is rate-limiting the console (GET status → 429).")
    status = theirs.status()
    assert status.throttled
    assert status.paused_until == T0 + timedelta(seconds=4)
    assert status.reason is not None
    assert "429" in status.reason
    for _ in range(47):  # just under 4 s
        clock.now += TICK
        assert claim_ids(theirs) == claim_ids(mine) == []
    taken = 0
    for _ in range(12 * 5):  # 5 s after the pause: at most half the budget, rising
        clock.now += TICK
        taken += len(claim_ids(theirs)) + len(claim_ids(mine))
    assert 0 < taken < 5 * LIMITS.max_rps * 0.75
    clock.now += timedelta(seconds=60)
    assert not theirs.status().throttled  # recovered by itself


def test_a_burst_of_server_errors_slows_every_process(sessions: sessionmaker[Session]) -> None:
    clock = Clock(T0)
    mine, theirs = Budget(sessions, LIMITS, clock=clock), Budget(sessions, LIMITS, clock=clock)
    for n in range(4):
        (mine if n % 2 else theirs).server_error("HTTP 503")
    assert not mine.status().throttled
    theirs.server_error("HTTP 503")
    assert mine.status().throttled
    assert mine.status().factor == 0.5


@pytest.mark.postgres
def test_processes_on_one_postgres_database_share_one_budget(postgres_url: str) -> None:
    """Three processes (three engines), claiming in turn: together no more than the budget,
    and no enrolment claimed twice within its period."""
    engines = [create_engine_for(postgres_url) for _ in range(3)]
    upgrade(engines[0])
    try:
        sessions = session_factory(engines[0])
        campaign(sessions, 30, issued=T0)
        clock = Clock(T0)
        budgets = [Budget(session_factory(e), LIMITS, clock=clock) for e in engines]
        claims: dict[int, list[datetime]] = defaultdict(list)
        total = 0
        for _ in range(12 * 10):
            clock.now += TICK
            for budget in budgets:
                for ident in claim_ids(budget):
                    claims[ident].append(clock.now)
                    total += 1
        assert total <= 10 * LIMITS.max_rps + LIMITS.burst
        assert total >= 10 * LIMITS.max_rps - 1
        for times in claims.values():
            gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
            assert all(gap >= LIMITS.interval - TICK.total_seconds() for gap in gaps)
    finally:
        for engine in engines:
            engine.dispose()
